"""blacklist: the list an entry is on (县级 per seed 002, 市级 per 方案5), which words trigger 六

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("list_level", sa.String(length=8), server_default="county", nullable=False)
        )
        batch_op.create_check_constraint("list_level", "list_level IN ('county', 'city')")


def downgrade() -> None:
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_blacklist_entries_list_level"), type_="check")
        batch_op.drop_column("list_level")
