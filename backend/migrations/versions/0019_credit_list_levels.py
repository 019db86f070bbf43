"""credit lists by level: a province list for blacklist entries; every bad credit record on a list

A record made before this revision without an accident level goes on the county list, the
default of BLACKLIST_LIST_LEVEL (as 0015 put the entries of its time there).

Revision ID: 0019
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0021"
branch_labels = None
depends_on = None

RECORDS = sa.table("bad_credit_records", sa.column("management_level", sa.String))
ENTRIES = sa.table("blacklist_entries", sa.column("list_level", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_blacklist_entries_list_level"), type_="check")
        batch_op.create_check_constraint(
            "list_level", "list_level IN ('county', 'city', 'province')"
        )

    op.execute(
        RECORDS.update()
        .where(RECORDS.c.management_level.is_(None))
        .values(management_level="county")
    )
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.alter_column(
            "management_level",
            existing_type=sa.String(length=16),
            nullable=False,
            server_default="county",
        )


def downgrade() -> None:
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.alter_column("management_level", existing_type=sa.String(length=16), nullable=True)

    # The province list did not exist: its entries go back to the city list.
    op.execute(ENTRIES.update().where(ENTRIES.c.list_level == "province").values(list_level="city"))
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_blacklist_entries_list_level"), type_="check")
        batch_op.create_check_constraint("list_level", "list_level IN ('county', 'city')")
