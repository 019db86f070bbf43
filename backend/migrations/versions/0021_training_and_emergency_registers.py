"""the enterprise's registers of people, certificates and training (持证上岗, seed 004 item 10),
and of emergency plans and drills (seed 004 items 7, 17)

Revision ID: 0021
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emergency_plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("filing_status", sa.String(length=16), nullable=False),
        sa.Column("filed_with", sa.String(length=100), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "filing_status = 'not_filed' OR (filed_with IS NOT NULL AND filed_on IS NOT NULL)",
            name=op.f("ck_emergency_plans_filing"),
        ),
        sa.CheckConstraint(
            "filing_status IN ('not_filed', 'filed')", name=op.f("ck_emergency_plans_filing_status")
        ),
        sa.CheckConstraint(
            "kind IN ('comprehensive', 'special', 'on_site')", name=op.f("ck_emergency_plans_kind")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_emergency_plans_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_plans")),
    )
    with op.batch_alter_table("emergency_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergency_plans_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "enterprise_people",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("job_title", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('principal', 'safety_manager', 'special_operator', 'registered_safety_engineer', 'other')",
            name=op.f("ck_enterprise_people_role"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_people_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_people")),
    )
    with op.batch_alter_table("enterprise_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_people_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("cert_type", sa.String(length=32), nullable=False),
        sa.Column("operation_category", sa.String(length=32), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cert_type IN ('special_operation', 'safety_qualification', 'registered_safety_engineer', 'other')",
            name=op.f("ck_certificates_cert_type"),
        ),
        sa.CheckConstraint(
            "operation_category IS NULL OR operation_category IN ('electrical', 'welding_cutting', 'work_at_height', 'refrigeration', 'coal_mine', 'metal_mine', 'oil_gas', 'metallurgy', 'hazardous_chemicals', 'fireworks', 'other')",
            name=op.f("ck_certificates_operation_category"),
        ),
        sa.CheckConstraint("valid_until >= issued_on", name=op.f("ck_certificates_validity")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_certificates_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["enterprise_people.id"],
            name=op.f("fk_certificates_person_id_enterprise_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_valid_until"), ["valid_until"], unique=False
        )

    op.create_table(
        "emergency_drills",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("drill_type", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("improvements", sa.Text(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "drill_type IN ('comprehensive', 'special', 'on_site')",
            name=op.f("ck_emergency_drills_drill_type"),
        ),
        sa.CheckConstraint(
            "participants_count >= 0", name=op.f("ck_emergency_drills_participants_count")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_emergency_drills_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["emergency_plans.id"],
            name=op.f("fk_emergency_drills_plan_id_emergency_plans"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_drills")),
    )
    with op.batch_alter_table("emergency_drills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergency_drills_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_emergency_drills_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_emergency_drills_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "training_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("held_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours > 0", name=op.f("ck_training_sessions_hours")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_training_sessions_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_training_sessions_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_sessions_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "training_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("assessment", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "assessment IN ('passed', 'failed', 'not_assessed')",
            name=op.f("ck_training_participants_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["enterprise_people.id"],
            name=op.f("fk_training_participants_person_id_enterprise_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_participants_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_participants")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_training_participants_session_id")
        ),
    )
    with op.batch_alter_table("training_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_participants_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_participants_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("training_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_participants_session_id"))
        batch_op.drop_index(batch_op.f("ix_training_participants_person_id"))

    op.drop_table("training_participants")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_sessions_enterprise_id"))

    op.drop_table("training_sessions")
    with op.batch_alter_table("emergency_drills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_drills_plan_id"))
        batch_op.drop_index(batch_op.f("ix_emergency_drills_held_on"))
        batch_op.drop_index(batch_op.f("ix_emergency_drills_enterprise_id"))

    op.drop_table("emergency_drills")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_valid_until"))
        batch_op.drop_index(batch_op.f("ix_certificates_person_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_enterprise_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("enterprise_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_people_enterprise_id"))

    op.drop_table("enterprise_people")
    with op.batch_alter_table("emergency_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_plans_enterprise_id"))

    op.drop_table("emergency_plans")
