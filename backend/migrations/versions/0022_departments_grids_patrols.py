"""jurisdictions down to 片 and 村/网格 with a grid's patrol frequency; departments (行业主管部门)
with their industries, territory and explicit enterprises; department officials and grid
workers; grid workers' patrol logs (巡查记录)

Revision ID: 0022
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)

ROLE = (
    "role IN ('admin', 'supervisor', 'inspector', 'enterprise_manager', "
    "'enterprise_principal', 'enterprise_viewer', 'department_official', 'grid_worker')"
)
SCOPE = (
    "(role IN ('enterprise_manager', 'enterprise_principal', 'enterprise_viewer')"
    " AND enterprise_id IS NOT NULL"
    " AND jurisdiction_id IS NULL AND department_id IS NULL)"
    " OR (role IN ('supervisor', 'inspector', 'grid_worker')"
    " AND jurisdiction_id IS NOT NULL"
    " AND enterprise_id IS NULL AND department_id IS NULL)"
    " OR (role = 'department_official' AND department_id IS NOT NULL"
    " AND jurisdiction_id IS NULL AND enterprise_id IS NULL)"
    " OR (role = 'admin' AND enterprise_id IS NULL AND department_id IS NULL)"
)
OLD_ROLE = (
    "role IN ('admin', 'supervisor', 'inspector', 'enterprise_manager', "
    "'enterprise_principal', 'enterprise_viewer')"
)
OLD_SCOPE = (
    "(role IN ('enterprise_manager', 'enterprise_principal', 'enterprise_viewer')"
    " AND enterprise_id IS NOT NULL AND jurisdiction_id IS NULL)"
    " OR (role IN ('supervisor', 'inspector') AND jurisdiction_id IS NOT NULL"
    " AND enterprise_id IS NULL)"
    " OR (role = 'admin' AND enterprise_id IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_jurisdictions_level"), type_="check")
        batch_op.create_check_constraint("level", "level IN ('district', 'street', 'area', 'grid')")
        batch_op.add_column(sa.Column("patrols_per_month", sa.Integer(), nullable=True))

    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_departments_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    op.create_index(
        op.f("ix_departments_jurisdiction_id"), "departments", ["jurisdiction_id"], unique=False
    )
    op.create_table(
        "department_enterprises",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_department_enterprises_department_id_departments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_department_enterprises_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "department_id", "enterprise_id", name=op.f("pk_department_enterprises")
        ),
    )
    op.create_index(
        op.f("ix_department_enterprises_enterprise_id"),
        "department_enterprises",
        ["enterprise_id"],
        unique=False,
    )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_department_id"), ["department_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_department_id_departments"),
            "departments",
            ["department_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_scope"), type_="check")
        batch_op.create_check_constraint("role", ROLE)
        batch_op.create_check_constraint("scope", SCOPE)

    op.create_table(
        "patrols",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("patrol_date", sa.Date(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("hazard_note", sa.Text(), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_patrols_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_patrols_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index(op.f("ix_patrols_jurisdiction_id"), "patrols", ["jurisdiction_id"])
    op.create_index(op.f("ix_patrols_patrol_date"), "patrols", ["patrol_date"])
    op.create_index(op.f("ix_patrols_user_id"), "patrols", ["user_id"])
    op.create_table(
        "patrol_enterprises",
        sa.Column("patrol_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_patrol_enterprises_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrols.id"],
            name=op.f("fk_patrol_enterprises_patrol_id_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patrol_id", "enterprise_id", name=op.f("pk_patrol_enterprises")),
    )
    op.create_index(
        op.f("ix_patrol_enterprises_enterprise_id"), "patrol_enterprises", ["enterprise_id"]
    )
    op.create_table(
        "patrol_hazards",
        sa.Column("patrol_id", sa.String(length=64), nullable=False),
        sa.Column("hazard_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_patrol_hazards_hazard_id_hazards"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrols.id"],
            name=op.f("fk_patrol_hazards_patrol_id_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patrol_id", "hazard_id", name=op.f("pk_patrol_hazards")),
        sa.UniqueConstraint("hazard_id", name=op.f("uq_patrol_hazards_hazard_id")),
    )


def downgrade() -> None:
    areas = op.get_bind().scalar(sa.text("SELECT count(*) FROM jurisdictions WHERE level = 'area'"))
    if areas:
        raise RuntimeError("Move the grids out of the areas (片) and delete them first.")
    op.drop_table("patrol_hazards")
    op.drop_index(op.f("ix_patrol_enterprises_enterprise_id"), table_name="patrol_enterprises")
    op.drop_table("patrol_enterprises")
    op.drop_index(op.f("ix_patrols_user_id"), table_name="patrols")
    op.drop_index(op.f("ix_patrols_patrol_date"), table_name="patrols")
    op.drop_index(op.f("ix_patrols_jurisdiction_id"), table_name="patrols")
    op.drop_table("patrols")
    op.execute("DELETE FROM users WHERE role IN ('department_official', 'grid_worker')")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_scope"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_users_department_id_departments"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_users_department_id"))
        batch_op.drop_column("department_id")
        batch_op.create_check_constraint("role", OLD_ROLE)
        batch_op.create_check_constraint("scope", OLD_SCOPE)
    op.drop_index(
        op.f("ix_department_enterprises_enterprise_id"), table_name="department_enterprises"
    )
    op.drop_table("department_enterprises")
    op.drop_index(op.f("ix_departments_jurisdiction_id"), table_name="departments")
    op.drop_table("departments")
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_column("patrols_per_month")
        batch_op.drop_constraint(op.f("ck_jurisdictions_level"), type_="check")
        batch_op.create_check_constraint("level", "level IN ('district', 'street', 'grid')")
