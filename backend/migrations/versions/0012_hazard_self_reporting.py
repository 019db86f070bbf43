"""hazards: 自查、自改、自报 — who found a hazard, where it is, and who closed it

`self_reported` marks a hazard the enterprise found itself (its self-inspection or its own
report); `closed_by_id` / `closed_by_enterprise` record who closed it (销号) and whether that
was the enterprise's own close-out; `location` is the 隐患部位. Existing hazards are filled in
from the data that already tells: the inspection's kind, the reporter's role, and the actor of
the step that closed the hazard.

Revision ID: 0012
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("self_reported", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "closed_by_enterprise", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_hazards_closed_by_id_users"),
            "users",
            ["closed_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.execute(
        "UPDATE hazards SET self_reported = TRUE WHERE inspection_id IN "
        "(SELECT id FROM inspections WHERE kind = 'self_inspection') OR reported_by_id IN "
        "(SELECT id FROM users WHERE role IN ('enterprise_manager', 'enterprise_viewer'))"
    )
    op.execute(
        "UPDATE hazards SET closed_by_id = (SELECT a.actor_id FROM hazard_actions a "
        "WHERE a.hazard_id = hazards.id AND a.to_status = 'closed' "
        "ORDER BY a.seq DESC LIMIT 1) WHERE status = 'closed'"
    )
    op.execute(
        "UPDATE hazards SET closed_by_enterprise = TRUE WHERE closed_by_id IN "
        "(SELECT id FROM users WHERE role IN ('enterprise_manager', 'enterprise_viewer'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_hazards_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("closed_by_enterprise")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("self_reported")
        batch_op.drop_column("location")
