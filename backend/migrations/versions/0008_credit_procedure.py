"""credit: bad credit records go through 采集 → 审核 → 告知 → 异议 → 认定 with a history;
blacklist entries record the accepted rectification (整改验收合格) apart from removal

The records the escalation job made by itself (source `system`, still in force) had no review,
notice or hearing: they become candidates (`proposed`) for a supervisor to decide, with no term.

Revision ID: 0008
Revises: 0007
"""

import uuid

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)
NEW_STATUSES = "'proposed', 'notified', 'objected', 'active', 'dismissed', 'expired', 'revoked'"
OLD_STATUSES = "'active', 'expired', 'revoked'"
RECORDS = sa.table(
    "bad_credit_records",
    sa.column("id", sa.String()),
    sa.column("source", sa.String()),
    sa.column("status", sa.String()),
    sa.column("starts_on", sa.Date()),
    sa.column("ends_on", sa.Date()),
    sa.column("created_at", UTC_DATETIME),
    sa.column("revoke_reason", sa.Text()),
)
EVENTS = sa.table(
    "bad_credit_record_events",
    sa.column("id", sa.String()),
    sa.column("record_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("actor_role", sa.String()),
    sa.column("at", UTC_DATETIME),
    sa.column("note", sa.Text()),
    sa.column("payload", sa.JSON()),
)


def upgrade() -> None:
    op.create_table(
        "bad_credit_record_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_bad_credit_record_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["bad_credit_records.id"],
            name=op.f("fk_bad_credit_record_events_record_id_bad_credit_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bad_credit_record_events")),
        sa.UniqueConstraint("record_id", "seq", name="uq_bad_credit_record_events_record_seq"),
    )
    with op.batch_alter_table("bad_credit_record_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bad_credit_record_events_record_id"), ["record_id"], unique=False
        )
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspection_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("notified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("objection_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("objection_text", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("objection_late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.alter_column("starts_on", existing_type=sa.Date(), nullable=True)
        batch_op.alter_column("ends_on", existing_type=sa.Date(), nullable=True)
        batch_op.drop_constraint(op.f("ck_bad_credit_records_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({NEW_STATUSES})")
        batch_op.create_index(
            batch_op.f("ix_bad_credit_records_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bad_credit_records_inspection_id_inspections"),
            "inspections",
            ["inspection_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rectified_on", sa.Date(), nullable=True))
    _automatic_records_become_candidates()


def _automatic_records_become_candidates() -> None:
    connection = op.get_bind()
    automatic = connection.execute(
        sa.select(RECORDS.c.id, RECORDS.c.created_at).where(
            RECORDS.c.source == "system", RECORDS.c.status == "active"
        )
    ).all()
    for record_id, created_at in automatic:
        connection.execute(
            RECORDS.update()
            .where(RECORDS.c.id == record_id)
            .values(status="proposed", starts_on=None, ends_on=None)
        )
        connection.execute(
            EVENTS.insert().values(
                id=uuid.uuid4().hex,
                record_id=record_id,
                seq=1,
                action="propose",
                from_state="active",
                to_state="proposed",
                actor_role="system",
                at=created_at,
                note="系统自动生成的记录未经审核、告知和异议程序，转为候选，待监管部门审核。",
                payload={"migration": "0008"},
            )
        )


def downgrade() -> None:
    # Records not decided have no term: kept as revoked, with the day they were made as term.
    connection = op.get_bind()
    undecided = connection.execute(
        sa.select(RECORDS.c.id, RECORDS.c.created_at).where(
            RECORDS.c.status.in_(("proposed", "notified", "objected", "dismissed"))
        )
    ).all()
    for record_id, created_at in undecided:
        connection.execute(
            RECORDS.update()
            .where(RECORDS.c.id == record_id)
            .values(
                status="revoked",
                starts_on=created_at.date(),
                ends_on=created_at.date(),
                revoke_reason="未经认定的候选（0008 降级）",
            )
        )
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_column("rectified_on")
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_bad_credit_records_inspection_id_inspections"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_inspection_id"))
        batch_op.drop_constraint(op.f("ck_bad_credit_records_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({OLD_STATUSES})")
        batch_op.alter_column("ends_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("starts_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("decided_on")
        batch_op.drop_column("objection_late")
        batch_op.drop_column("objection_text")
        batch_op.drop_column("objection_due_on")
        batch_op.drop_column("notified_on")
        batch_op.drop_column("inspection_id")
    with op.batch_alter_table("bad_credit_record_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bad_credit_record_events_record_id"))
    op.drop_table("bad_credit_record_events")
