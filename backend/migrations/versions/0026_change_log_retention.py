"""The change log's retention: when each change was logged, and how far the log was pruned

Revision ID: 0026
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0026"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("sync_counter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pruned_through", sa.BigInteger(), server_default="0", nullable=False)
        )
    # Changes logged before this revision count as logged now: their age is unknown, and the
    # retention period starts from here rather than deleting them at once.
    op.execute(sa.text("UPDATE sync_changes SET logged_at = CURRENT_TIMESTAMP"))


def downgrade() -> None:
    with op.batch_alter_table("sync_counter", schema=None) as batch_op:
        batch_op.drop_column("pruned_through")
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.drop_column("logged_at")
