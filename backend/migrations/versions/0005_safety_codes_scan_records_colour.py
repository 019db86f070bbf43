"""safety codes (常安码): codes with history, scan records, the enterprise's live colour

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "safety_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_safety_codes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_safety_codes_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_safety_codes_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_codes")),
        sa.UniqueConstraint("token", name=op.f("uq_safety_codes_token")),
    )
    with op.batch_alter_table("safety_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_codes_enterprise_id"), ["enterprise_id"], unique=False
        )
        # At most one active code per enterprise (a partial unique index).
        batch_op.create_index(
            "uq_safety_codes_active_enterprise",
            ["enterprise_id"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )
    op.create_table(
        "scan_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("safety_code_id", sa.Integer(), nullable=False),
        sa.Column("scanned_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("device_time", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_scan_records_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["safety_code_id"],
            ["safety_codes.id"],
            name=op.f("fk_scan_records_safety_code_id_safety_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scan_records_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_records")),
    )
    with op.batch_alter_table("scan_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scan_records_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scan_records_safety_code_id"), ["safety_code_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scan_records_scanned_at"), ["scanned_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scan_records_user_id"), ["user_id"], unique=False)
    # A plain ADD/DROP COLUMN on both backends (SQLite >= 3.35): no copy of the enterprises table.
    op.add_column(
        "enterprises",
        sa.Column("safety_code_color", sa.String(length=8), server_default="green", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("enterprises", "safety_code_color")
    with op.batch_alter_table("scan_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_records_user_id"))
        batch_op.drop_index(batch_op.f("ix_scan_records_scanned_at"))
        batch_op.drop_index(batch_op.f("ix_scan_records_safety_code_id"))
        batch_op.drop_index(batch_op.f("ix_scan_records_enterprise_id"))
    op.drop_table("scan_records")
    with op.batch_alter_table("safety_codes", schema=None) as batch_op:
        batch_op.drop_index("uq_safety_codes_active_enterprise")
        batch_op.drop_index(batch_op.f("ix_safety_codes_enterprise_id"))
    op.drop_table("safety_codes")
