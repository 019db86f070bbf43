"""hazards: 自查、自改、自报 — who found a hazard, where it is, whether the enterprise closed it

`self_reported` marks a hazard the enterprise found itself (its self-inspection or its own
report); `closed_by_enterprise` marks the enterprise's own close-out (销号), which officials may
spot-check; `location` is the 隐患部位. Existing hazards are filled in from the data that
already tells: the inspection's kind, the reporter's role, the role of who took the closing step.

Plain ALTER TABLE ADD/DROP COLUMN, on SQLite too, rather than a batch "move and copy": the
migrations run with foreign keys on, and dropping the old `hazards` table would delete every
hazard action and notification (ON DELETE CASCADE) and fail on any credit record that refers to a
hazard (RESTRICT).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ENTERPRISE_ROLES = "('enterprise_manager', 'enterprise_viewer')"


def upgrade() -> None:
    op.add_column("hazards", sa.Column("location", sa.Text(), server_default="", nullable=False))
    for name in ("self_reported", "closed_by_enterprise"):
        op.add_column(
            "hazards", sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE hazards SET self_reported = TRUE WHERE inspection_id IN "
        "(SELECT id FROM inspections WHERE kind = 'self_inspection') OR reported_by_id IN "
        f"(SELECT id FROM users WHERE role IN {ENTERPRISE_ROLES})"
    )
    op.execute(
        "UPDATE hazards SET closed_by_enterprise = TRUE WHERE status = 'closed' AND "
        "(SELECT a.actor_role FROM hazard_actions a WHERE a.hazard_id = hazards.id "
        f"AND a.to_status = 'closed' ORDER BY a.seq DESC LIMIT 1) IN {ENTERPRISE_ROLES}"
    )


def downgrade() -> None:
    for name in ("closed_by_enterprise", "self_reported", "location"):
        op.drop_column("hazards", name)
