"""tus upload state in the database (shared by every instance); the background job queue

Revision ID: 0024
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0024"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tus_uploads",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_tus_uploads_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tus_uploads")),
    )
    with op.batch_alter_table("tus_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tus_uploads_owner_id"), ["owner_id"])
        batch_op.create_index(batch_op.f("ix_tus_uploads_expires_at"), ["expires_at"])

    op.create_table(
        "queued_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", UTC_DATETIME, nullable=False),
        sa.Column("locked_by", sa.String(length=128), nullable=True),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'dead')", name=op.f("ck_queued_jobs_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_jobs")),
    )
    with op.batch_alter_table("queued_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_queued_jobs_ready", ["state", "run_after"])


def downgrade() -> None:
    with op.batch_alter_table("queued_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_queued_jobs_ready")
    op.drop_table("queued_jobs")
    with op.batch_alter_table("tus_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tus_uploads_expires_at"))
        batch_op.drop_index(batch_op.f("ix_tus_uploads_owner_id"))
    op.drop_table("tus_uploads")
