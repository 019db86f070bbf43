"""hazard workflow, notifications, jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:22:23.872350
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("locked_until", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_finished_at", backend.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_result", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )
    op.create_table(
        "credit_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_candidates_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_credit_candidates_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_candidates")),
        sa.UniqueConstraint("hazard_id", "reason", name="uq_credit_candidates_hazard_reason"),
    )
    with op.batch_alter_table("credit_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_candidates_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "hazard_actions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("hazard_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("received_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("device_time", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_on_before", sa.Date(), nullable=True),
        sa.Column("due_on_after", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_hazard_actions_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_actions_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_actions")),
        sa.UniqueConstraint("hazard_id", "seq", name="uq_hazard_actions_hazard_seq"),
    )
    with op.batch_alter_table("hazard_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_actions_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hazard_actions_hazard_id"), ["hazard_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("hazard_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_notifications_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notifications_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_delivered_at"), ["delivered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_id"), ["recipient_id"], unique=False
        )

    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fixed_on_spot", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("stop_work_order", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "listed_for_supervision", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("extension_requested_due_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "marked_overdue_at", backend.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_column("marked_overdue_at")
        batch_op.drop_column("extension_requested_due_on")
        batch_op.drop_column("listed_for_supervision")
        batch_op.drop_column("stop_work_order")
        batch_op.drop_column("plan")
        batch_op.drop_column("fixed_on_spot")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_hazard_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_delivered_at"))
        batch_op.drop_index(batch_op.f("ix_notifications_created_at"))

    op.drop_table("notifications")
    with op.batch_alter_table("hazard_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_actions_hazard_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_actions_actor_id"))

    op.drop_table("hazard_actions")
    with op.batch_alter_table("credit_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_candidates_enterprise_id"))

    op.drop_table("credit_candidates")
    op.drop_table("job_locks")
