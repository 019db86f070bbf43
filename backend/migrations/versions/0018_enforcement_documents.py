"""enforcement documents (执法文书): their number counters, rectification orders, review
opinions and penalty decisions with their publication (双公示)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_number_counters",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_number >= 0", name=op.f("ck_enforcement_number_counters_last_number")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_enforcement_number_counters_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "jurisdiction_id", "kind", "year", name=op.f("pk_enforcement_number_counters")
        ),
    )
    op.create_table(
        "penalty_decisions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("party_uscc", sa.String(length=18), nullable=False),
        sa.Column("party_legal_representative", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("penalty_types", sa.JSON(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("publish_due_on", sa.Date(), nullable=False),
        sa.Column("published_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("authority_jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("official_names", sa.JSON(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen IS NULL OR amount_fen >= 0", name=op.f("ck_penalty_decisions_amount_fen")
        ),
        sa.ForeignKeyConstraint(
            ["authority_jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_penalty_decisions_authority_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_penalty_decisions_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_penalty_decisions_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_penalty_decisions_published_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_decisions")),
        sa.UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_penalty_decisions_no"
        ),
    )
    with op.batch_alter_table("penalty_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_penalty_decisions_authority_jurisdiction_id"),
            ["authority_jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_penalty_decisions_decided_on"), ["decided_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_penalty_decisions_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_penalty_decisions_publish_due_on"), ["publish_due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_penalty_decisions_published_at"), ["published_at"], unique=False
        )

    op.create_table(
        "rectification_orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("receiver_name", sa.String(length=64), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("authority_jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("official_names", sa.JSON(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_rectification_orders_authority_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_rectification_orders_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_rectification_orders_inspection_id_inspections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_rectification_orders_issued_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_orders")),
        sa.UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_rectification_orders_no"
        ),
        sa.UniqueConstraint("inspection_id", name=op.f("uq_rectification_orders_inspection_id")),
    )
    with op.batch_alter_table("rectification_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_orders_authority_jurisdiction_id"),
            ["authority_jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_rectification_orders_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "review_opinions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("authority_jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("official_names", sa.JSON(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_review_opinions_authority_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_review_opinions_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["rectification_orders.id"],
            name=op.f("fk_review_opinions_order_id_rectification_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_review_opinions_reviewed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_opinions")),
        sa.UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_review_opinions_no"
        ),
        sa.UniqueConstraint("order_id", name=op.f("uq_review_opinions_order_id")),
    )
    with op.batch_alter_table("review_opinions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_opinions_authority_jurisdiction_id"),
            ["authority_jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_review_opinions_enterprise_id"), ["enterprise_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_opinions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_opinions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_review_opinions_authority_jurisdiction_id"))

    op.drop_table("review_opinions")
    with op.batch_alter_table("rectification_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_orders_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_orders_authority_jurisdiction_id"))

    op.drop_table("rectification_orders")
    with op.batch_alter_table("penalty_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalty_decisions_published_at"))
        batch_op.drop_index(batch_op.f("ix_penalty_decisions_publish_due_on"))
        batch_op.drop_index(batch_op.f("ix_penalty_decisions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_penalty_decisions_decided_on"))
        batch_op.drop_index(batch_op.f("ix_penalty_decisions_authority_jurisdiction_id"))

    op.drop_table("penalty_decisions")
    op.drop_table("enforcement_number_counters")
