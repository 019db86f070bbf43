"""sync: an index serving a pull's `table_name = ? AND seq > ? ORDER BY seq`

Without it a pull reads every change of a table (through the table/record index) to find the
few after its timestamp, so an empty pull grew with the history.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_changes_table_seq", "sync_changes", ["table_name", "seq"])
    op.execute("ANALYZE sync_changes")


def downgrade() -> None:
    op.drop_index("ix_sync_changes_table_seq", table_name="sync_changes")
