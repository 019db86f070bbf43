"""accidents (生产安全事故) with their level (条例 第三条), reporting and investigating level;
bad credit records and blacklist entries may rest on an accident; a record's 分级管理 level

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)
LEVELS = "'general', 'larger', 'major', 'especially_major'"
TYPES = (
    "'struck_by_object', 'vehicle', 'machinery', 'lifting', 'electric_shock', 'drowning',"
    " 'scald_burn', 'fire', 'fall_from_height', 'collapse', 'roof_fall', 'water_inrush',"
    " 'blasting', 'explosives_explosion', 'gas_explosion', 'boiler_explosion',"
    " 'vessel_explosion', 'other_explosion', 'poisoning_asphyxiation', 'other_injury'"
)


def upgrade() -> None:
    op.create_table(
        "accidents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("accident_type", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("serious_injuries", sa.Integer(), nullable=False),
        sa.Column("direct_economic_loss_fen", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("responsible", sa.Boolean(), nullable=True),
        sa.Column("investigation_status", sa.String(length=16), nullable=False),
        sa.Column("investigation_report", sa.Text(), nullable=False),
        sa.Column("report_due_at", UTC_DATETIME, nullable=False),
        sa.Column("reported_up_to", sa.String(length=16), nullable=False),
        sa.Column("handled_by_level", sa.String(length=16), nullable=False),
        sa.Column("blacklist_trigger", sa.String(length=32), nullable=True),
        sa.Column("blacklist_list_level", sa.String(length=8), nullable=True),
        sa.Column("blacklist_term_years", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(f"level IN ({LEVELS})", name=op.f("ck_accidents_level")),
        sa.CheckConstraint(f"accident_type IN ({TYPES})", name=op.f("ck_accidents_accident_type")),
        sa.CheckConstraint(
            "investigation_status IN ('pending', 'investigating', 'concluded')",
            name=op.f("ck_accidents_investigation_status"),
        ),
        sa.CheckConstraint(
            "reported_up_to IN ('state_council', 'provincial', 'city')",
            name=op.f("ck_accidents_reported_up_to"),
        ),
        sa.CheckConstraint(
            "handled_by_level IN ('state_council', 'provincial', 'city', 'county')",
            name=op.f("ck_accidents_handled_by_level"),
        ),
        sa.CheckConstraint(
            "deaths >= 0 AND serious_injuries >= 0 AND direct_economic_loss_fen >= 0",
            name=op.f("ck_accidents_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_accidents_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_accidents_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accidents")),
    )
    with op.batch_alter_table("accidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accidents_enterprise_id"), ["enterprise_id"])
        batch_op.create_index(batch_op.f("ix_accidents_occurred_at"), ["occurred_at"])
        batch_op.create_index(batch_op.f("ix_accidents_level"), ["level"])

    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accident_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("management_level", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_bad_credit_records_accident_id"), ["accident_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_bad_credit_records_accident_id_accidents"),
            "accidents",
            ["accident_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            "management_level", "management_level IN ('county', 'city', 'province', 'national')"
        )

    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accident_id", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_blacklist_entries_accident_id_accidents"),
            "accidents",
            ["accident_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_blacklist_entries_accident_id_accidents"), type_="foreignkey"
        )
        batch_op.drop_column("accident_id")

    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bad_credit_records_management_level"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_bad_credit_records_accident_id_accidents"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_accident_id"))
        batch_op.drop_column("management_level")
        batch_op.drop_column("accident_id")

    with op.batch_alter_table("accidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accidents_level"))
        batch_op.drop_index(batch_op.f("ix_accidents_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_accidents_enterprise_id"))
    op.drop_table("accidents")
