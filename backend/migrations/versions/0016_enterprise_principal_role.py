"""users: the enterprise's principal (企业主要负责人) as a role of its own; they sign the
enterprise's safety commitment (方案2 L69, 方案5 L167, seed 002 L10)

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROLE = (
    "role IN ('admin', 'supervisor', 'inspector', 'enterprise_manager', "
    "'enterprise_principal', 'enterprise_viewer')"
)
SCOPE = (
    "(role IN ('enterprise_manager', 'enterprise_principal', 'enterprise_viewer')"
    " AND enterprise_id IS NOT NULL AND jurisdiction_id IS NULL)"
    " OR (role IN ('supervisor', 'inspector') AND jurisdiction_id IS NOT NULL"
    " AND enterprise_id IS NULL)"
    " OR (role = 'admin' AND enterprise_id IS NULL)"
)
OLD_ROLE = "role IN ('admin', 'supervisor', 'inspector', 'enterprise_manager', 'enterprise_viewer')"
OLD_SCOPE = (
    "(role IN ('enterprise_manager', 'enterprise_viewer') AND enterprise_id IS NOT NULL"
    " AND jurisdiction_id IS NULL)"
    " OR (role IN ('supervisor', 'inspector') AND jurisdiction_id IS NOT NULL"
    " AND enterprise_id IS NULL)"
    " OR (role = 'admin' AND enterprise_id IS NULL)"
)


def _replace(role: str, scope: str) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_scope"), type_="check")
        batch_op.create_check_constraint("role", role)
        batch_op.create_check_constraint("scope", scope)


def upgrade() -> None:
    _replace(ROLE, SCOPE)


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'enterprise_viewer' WHERE role = 'enterprise_principal'")
    _replace(OLD_ROLE, OLD_SCOPE)
