"""users: a password reset by someone else forces a change; the account events audit trail

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode, here and in downgrade(): SQLite would copy the users table, and
    # dropping the original fails while other tables' rows refer to it. SQLite adds a column
    # with a constant default, and (since 3.35) drops a plain one, in place.
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "event IN ('password_reset', 'password_changed')", name=op.f("ck_account_events_event")
        ),
        sa.CheckConstraint("source IN ('api', 'cli')", name=op.f("ck_account_events_source")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_account_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_events_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_events_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_events_created_at"))
    op.drop_table("account_events")
    op.drop_column("users", "must_change_password")
