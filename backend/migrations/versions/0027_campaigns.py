"""campaigns (专项治理): phases, targets; the campaign_progress report kind

Revision ID: 0027
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0027"
down_revision = "0028"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('five_implementations', 'joint_punishment', 'hazard_statistics')"
NEW_KINDS = (
    "kind IN ('five_implementations', 'joint_punishment', 'hazard_statistics', 'campaign_progress')"
)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("checklist_codes", sa.JSON(), nullable=False),
        sa.Column("target_filter", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_campaigns_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_campaigns_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaigns_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaigns_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
    op.create_table(
        "campaign_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("self_inspection", sa.Boolean(), nullable=False),
        sa.Column("report_due", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_phases_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_phases")),
        sa.UniqueConstraint("campaign_id", "position", name="uq_campaign_phases"),
    )
    with op.batch_alter_table("campaign_phases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_phases_campaign_id"), ["campaign_id"], unique=False
        )
    op.create_table(
        "campaign_targets",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_targets_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_campaign_targets_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "enterprise_id", name=op.f("pk_campaign_targets")),
    )
    with op.batch_alter_table("campaign_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_targets_enterprise_id"), ["enterprise_id"], unique=False
        )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_phase_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_reports_campaign_phase_id"), ["campaign_phase_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_campaign_phase_id_campaign_phases"),
            "campaign_phases",
            ["campaign_phase_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_reports_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reports_kind"), NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM reports WHERE kind = 'campaign_progress'")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reports_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reports_kind"), OLD_KINDS)
        batch_op.drop_constraint(
            batch_op.f("fk_reports_campaign_phase_id_campaign_phases"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reports_campaign_phase_id"))
        batch_op.drop_column("campaign_phase_id")
    op.drop_table("campaign_targets")
    op.drop_table("campaign_phases")
    op.drop_table("campaigns")
