"""risk points (风险分级管控) and major hazard installations (重大危险源, GB 18218-2018); a hazard
may name the risk point it was found at

Revision ID: 0020
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0020"
down_revision = "0024"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)


def _common_end():
    return [
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "risk_points",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("hazard_types", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("lec_l", sa.Float(), nullable=True),
        sa.Column("lec_e", sa.Float(), nullable=True),
        sa.Column("lec_c", sa.Float(), nullable=True),
        sa.Column("likelihood", sa.Integer(), nullable=True),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("control_measures", sa.Text(), nullable=False),
        sa.Column("control_level", sa.String(length=16), nullable=False),
        sa.Column("responsible_person", sa.String(length=100), nullable=False),
        *_common_end(),
        sa.CheckConstraint(
            "kind IN ('place', 'activity', 'equipment')", name=op.f("ck_risk_points_kind")
        ),
        sa.CheckConstraint("method IN ('lec', 'matrix')", name=op.f("ck_risk_points_method")),
        sa.CheckConstraint(
            "level IN ('major', 'larger', 'general', 'low')", name=op.f("ck_risk_points_level")
        ),
        sa.CheckConstraint(
            "control_level IN ('company', 'workshop', 'team', 'post')",
            name=op.f("ck_risk_points_control_level"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_risk_points_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_risk_points_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_points")),
    )
    with op.batch_alter_table("risk_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_points_enterprise_id"), ["enterprise_id"])
        batch_op.create_index(batch_op.f("ix_risk_points_level"), ["level"])

    op.create_table(
        "hazard_installations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_kind", sa.String(length=16), nullable=False),
        sa.Column("substances", sa.JSON(), nullable=False),
        sa.Column("exposed_people", sa.Integer(), nullable=False),
        sa.Column("s_value", sa.Float(), nullable=False),
        sa.Column("r_value", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("is_major", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("filing_status", sa.String(length=16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("last_evaluated_on", sa.Date(), nullable=True),
        sa.Column("evaluation_due_on", sa.Date(), nullable=True),
        sa.Column("monitoring_notes", sa.Text(), nullable=False),
        *_common_end(),
        sa.CheckConstraint(
            "unit_kind IN ('production', 'storage')", name=op.f("ck_hazard_installations_unit_kind")
        ),
        sa.CheckConstraint(
            "filing_status IN ('not_filed', 'filed', 'accepted')",
            name=op.f("ck_hazard_installations_filing_status"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR grade BETWEEN 1 AND 4", name=op.f("ck_hazard_installations_grade")
        ),
        sa.CheckConstraint(
            "exposed_people >= 0", name=op.f("ck_hazard_installations_exposed_people")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_hazard_installations_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_hazard_installations_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_installations")),
    )
    with op.batch_alter_table("hazard_installations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hazard_installations_enterprise_id"), ["enterprise_id"]
        )
        batch_op.create_index(batch_op.f("ix_hazard_installations_is_major"), ["is_major"])

    for table in ("findings", "hazards"):
        _add_risk_point_id(table)


def _add_risk_point_id(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_point_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f(f"ix_{table}_risk_point_id"), ["risk_point_id"])
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{table}_risk_point_id_risk_points"),
            "risk_points",
            ["risk_point_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def _drop_risk_point_id(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f(f"fk_{table}_risk_point_id_risk_points"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f(f"ix_{table}_risk_point_id"))
        batch_op.drop_column("risk_point_id")


def downgrade() -> None:
    for table in ("hazards", "findings"):
        _drop_risk_point_id(table)
    with op.batch_alter_table("hazard_installations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_installations_is_major"))
        batch_op.drop_index(batch_op.f("ix_hazard_installations_enterprise_id"))
    op.drop_table("hazard_installations")
    with op.batch_alter_table("risk_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_points_level"))
        batch_op.drop_index(batch_op.f("ix_risk_points_enterprise_id"))
    op.drop_table("risk_points")
