"""credit: bad credit records, blacklist entries and events, commitments, enterprise
classes and their history, inspection plans; credit_candidates become bad credit records

Revision ID: 0006
Revises: 0005
"""

import calendar
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_DATETIME = backend.models.base.UTCDateTime(timezone=True)
CANDIDATES = sa.table(
    "credit_candidates",
    sa.column("id", sa.Integer()),
    sa.column("enterprise_id", sa.Integer()),
    sa.column("hazard_id", sa.String()),
    sa.column("reason", sa.String()),
    sa.column("created_at", UTC_DATETIME),
)
HAZARDS = sa.table(
    "hazards",
    sa.column("id", sa.String()),
    sa.column("title", sa.Text()),
    sa.column("due_on", sa.Date()),
    sa.column("grade", sa.String()),
)
RECORDS = sa.table(
    "bad_credit_records",
    sa.column("id", sa.String()),
    sa.column("enterprise_id", sa.Integer()),
    sa.column("trigger", sa.String()),
    sa.column("description", sa.Text()),
    sa.column("evidence_text", sa.Text()),
    sa.column("source", sa.String()),
    sa.column("hazard_id", sa.String()),
    sa.column("source_key", sa.String()),
    sa.column("starts_on", sa.Date()),
    sa.column("ends_on", sa.Date()),
    sa.column("status", sa.String()),
    sa.column("created_at", UTC_DATETIME),
)


def _one_year_later(day: date) -> date:
    """民法典 第二百零二条: the corresponding day, or the month's last day (29 Feb → 28 Feb)."""
    last = calendar.monthrange(day.year + 1, day.month)[1]
    return date(day.year + 1, day.month, min(day.day, last))


def upgrade() -> None:
    op.create_table(
        "classification_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_class", sa.String(length=16), nullable=True),
        sa.Column("to_class", sa.String(length=16), nullable=False),
        sa.Column("computed_class", sa.String(length=16), nullable=False),
        sa.Column("override_class", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_classification_changes_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_classification_changes_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_changes")),
    )
    with op.batch_alter_table("classification_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classification_changes_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "enterprise_classes",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("computed_class", sa.String(length=16), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("override_class", sa.String(length=16), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("effective_class", sa.String(length=16), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "computed_class IN ('key', 'elevated', 'general', 'low')",
            name=op.f("ck_enterprise_classes_computed_class"),
        ),
        sa.CheckConstraint(
            "effective_class IN ('key', 'elevated', 'general', 'low')",
            name=op.f("ck_enterprise_classes_effective_class"),
        ),
        sa.CheckConstraint(
            "override_class IS NULL OR override_class IN ('key', 'elevated', 'general', 'low')",
            name=op.f("ck_enterprise_classes_override_class"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_classes_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["users.id"],
            name=op.f("fk_enterprise_classes_overridden_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_enterprise_classes")),
    )
    with op.batch_alter_table("enterprise_classes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_classes_effective_class"), ["effective_class"], unique=False
        )

    op.create_table(
        "commitments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signer_role", sa.String(length=32), nullable=False),
        sa.Column("signer_name", sa.String(length=64), nullable=False),
        sa.Column("signature_png", sa.LargeBinary(), nullable=False),
        sa.Column("signature_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("inspection_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_commitments_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_commitments_inspection_id_inspections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["users.id"],
            name=op.f("fk_commitments_signer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitments_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commitments_template_code"), ["template_code"], unique=False
        )

    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("checklist_code", sa.String(length=64), nullable=False),
        sa.Column("class_code", sa.String(length=16), nullable=False),
        sa.Column("basis_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("inspection_id", sa.String(length=64), nullable=True),
        sa.Column("done_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "class_code IN ('key', 'elevated', 'general', 'low')",
            name=op.f("ck_inspection_plans_class_code"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'overdue', 'done')", name=op.f("ck_inspection_plans_status")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_inspection_plans_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_plans_inspection_id_inspections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_inspection_plans_jurisdiction_id_jurisdictions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
    )
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_plans_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_plans_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_plans_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_plans_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_inspection_plans_one_pending",
            ["enterprise_id"],
            unique=True,
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )

    op.create_table(
        "bad_credit_records",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.String(length=64), nullable=True),
        sa.Column("source_key", sa.String(length=128), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expired_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", backend.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "source IN ('system', 'supervisor')", name=op.f("ck_bad_credit_records_source")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'expired', 'revoked')", name=op.f("ck_bad_credit_records_status")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_bad_credit_records_term")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_bad_credit_records_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_bad_credit_records_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_bad_credit_records_hazard_id_hazards"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_bad_credit_records_revoked_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bad_credit_records")),
        sa.UniqueConstraint("source_key", name=op.f("uq_bad_credit_records_source_key")),
    )
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bad_credit_records_ends_on"), ["ends_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bad_credit_records_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bad_credit_records_hazard_id"), ["hazard_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bad_credit_records_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bad_credit_records_trigger"), ["trigger"], unique=False
        )

    op.create_table(
        "blacklist_entries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("accident_level", sa.String(length=16), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("bad_credit_record_id", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notice_html", sa.Text(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("defence_due_on", sa.Date(), nullable=True),
        sa.Column("defence_text", sa.Text(), nullable=True),
        sa.Column(
            "defence_submitted_at", backend.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("defence_late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("publish_due_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("publish_late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("removal_application", sa.Text(), nullable=True),
        sa.Column("removal_applied_on", sa.Date(), nullable=True),
        sa.Column("removal_due_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_kind", sa.String(length=16), nullable=True),
        sa.Column("removal_late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("retained_since", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "accident_level IN ('none', 'larger', 'major', 'especially_major')",
            name=op.f("ck_blacklist_entries_accident_level"),
        ),
        sa.CheckConstraint(
            "state IN ('collected', 'notified', 'defence_accepted', 'confirmed', 'published', 'removed')",
            name=op.f("ck_blacklist_entries_state"),
        ),
        sa.CheckConstraint(
            "term_years BETWEEN 1 AND 3", name=op.f("ck_blacklist_entries_term_years")
        ),
        sa.ForeignKeyConstraint(
            ["bad_credit_record_id"],
            ["bad_credit_records.id"],
            name=op.f("fk_blacklist_entries_bad_credit_record_id_bad_credit_records"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_blacklist_entries_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_blacklist_entries_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_entries")),
    )
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blacklist_entries_ends_on"), ["ends_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_blacklist_entries_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_blacklist_entries_published_on"), ["published_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_blacklist_entries_state"), ["state"], unique=False)

    op.create_table(
        "blacklist_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_blacklist_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["blacklist_entries.id"],
            name=op.f("fk_blacklist_events_entry_id_blacklist_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_events")),
        sa.UniqueConstraint("entry_id", "seq", name="uq_blacklist_events_entry_seq"),
    )
    with op.batch_alter_table("blacklist_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blacklist_events_entry_id"), ["entry_id"], unique=False
        )

    # The escalation job's credit candidates (major hazards overdue) become what the job now
    # makes itself: active system bad credit records with a one-year term from that day.
    connection = op.get_bind()
    candidates = connection.execute(
        sa.select(
            CANDIDATES.c.id,
            CANDIDATES.c.enterprise_id,
            CANDIDATES.c.hazard_id,
            CANDIDATES.c.reason,
            CANDIDATES.c.created_at,
            HAZARDS.c.title,
            HAZARDS.c.due_on,
        )
        .join(HAZARDS, HAZARDS.c.id == CANDIDATES.c.hazard_id)
        .order_by(CANDIDATES.c.id)
    ).all()
    rows = []
    for row in candidates:
        starts_on = row.created_at.astimezone(SHANGHAI).date()
        rows.append(
            {
                "id": f"credit-candidate-{row.id}",
                "enterprise_id": row.enterprise_id,
                "trigger": row.reason,
                "description": f"隐患“{row.title}”整改期限为{row.due_on}，期限内未完成治理整改。",
                "evidence_text": f"隐患编号 {row.hazard_id}；整改期限 {row.due_on}。",
                "source": "system",
                "hazard_id": row.hazard_id,
                "source_key": f"{row.reason}:{row.hazard_id}",
                "starts_on": starts_on,
                "ends_on": _one_year_later(starts_on),
                "status": "active",
                "created_at": row.created_at,
            }
        )
    if rows:
        op.bulk_insert(RECORDS, rows)
    with op.batch_alter_table("credit_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_candidates_enterprise_id"))
    op.drop_table("credit_candidates")


def downgrade() -> None:
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
    # Only what the old table could hold goes back: system records of overdue major hazards.
    connection = op.get_bind()
    records = connection.execute(
        sa.select(
            RECORDS.c.enterprise_id, RECORDS.c.hazard_id, RECORDS.c.trigger, RECORDS.c.created_at
        )
        .where(
            RECORDS.c.source == "system",
            RECORDS.c.trigger == "major_hazard_overdue",
            RECORDS.c.hazard_id.is_not(None),
        )
        .order_by(RECORDS.c.created_at)
    ).all()
    if records:
        op.bulk_insert(
            CANDIDATES,
            [
                {
                    "enterprise_id": r.enterprise_id,
                    "hazard_id": r.hazard_id,
                    "reason": r.trigger,
                    "created_at": r.created_at,
                }
                for r in records
            ],
        )
    with op.batch_alter_table("blacklist_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blacklist_events_entry_id"))

    op.drop_table("blacklist_events")
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blacklist_entries_state"))
        batch_op.drop_index(batch_op.f("ix_blacklist_entries_published_on"))
        batch_op.drop_index(batch_op.f("ix_blacklist_entries_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_blacklist_entries_ends_on"))

    op.drop_table("blacklist_entries")
    with op.batch_alter_table("bad_credit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_trigger"))
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_status"))
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_hazard_id"))
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_bad_credit_records_ends_on"))

    op.drop_table("bad_credit_records")
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_inspection_plans_one_pending",
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )
        batch_op.drop_index(batch_op.f("ix_inspection_plans_status"))
        batch_op.drop_index(batch_op.f("ix_inspection_plans_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_plans_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_plans_due_on"))

    op.drop_table("inspection_plans")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_template_code"))
        batch_op.drop_index(batch_op.f("ix_commitments_enterprise_id"))

    op.drop_table("commitments")
    with op.batch_alter_table("enterprise_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_classes_effective_class"))

    op.drop_table("enterprise_classes")
    with op.batch_alter_table("classification_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classification_changes_enterprise_id"))

    op.drop_table("classification_changes")
