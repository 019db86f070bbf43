"""The one authorisation layer: who may see and write what.

Jurisdiction-scoped users (admin, supervisor, inspector, grid worker) see what lies in their
jurisdiction subtree; an admin without a jurisdiction sees everything. Enterprise users see
their own enterprise only. A department official (行业主管部门) sees the enterprises of their
department: those of its industries inside its territory, and those assigned to it by name
(管行业必须管安全, seed 000); the jurisdictions of its territory; nobody's account but their own.
Whatever lies outside a caller's scope is answered 404, so existence does not leak; a visible
record that the caller's role may not change is answered 403.
"""

from flask import g
from sqlalchemy import false, or_, select, true

from ..models import (
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    Department,
    DepartmentEnterprise,
    Enterprise,
    Hazard,
    Inspection,
    Jurisdiction,
    Patrol,
    User,
)
from .db import db
from .errors import DomainError, Invalid, NotFound


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


def current_user() -> User:
    return g.current_user


def _subtree_ids(root_id: int):
    root_path = select(Jurisdiction.path).where(Jurisdiction.id == root_id).scalar_subquery()
    return select(Jurisdiction.id).where(Jurisdiction.path.startswith(root_path))


def subtree_ids(root: Jurisdiction):
    """Ids of the jurisdiction and of every one below it (its path is their prefix)."""
    return select(Jurisdiction.id).where(Jurisdiction.path.startswith(root.path))


def visible_subtree_ids(user: User, jurisdiction_id: int):
    """The subtree under a jurisdiction the user may see; NotFound when they may not."""
    return subtree_ids(get_visible(Jurisdiction, jurisdiction_id, user))


def is_global(user: User) -> bool:
    return user.role == "admin" and user.jurisdiction_id is None


def scope_root_id(user: User) -> int | None:
    """The top of the jurisdiction subtree an official works in: their own jurisdiction, or
    their department's territory (None for enterprise users and a system-wide admin)."""
    if user.role in DEPARTMENT_ROLES:
        return db.session.scalar(
            select(Department.jurisdiction_id).where(Department.id == user.department_id)
        )
    return user.jurisdiction_id


def industry_clause(industries):
    """Enterprises of these industry codes; a code also covers its sub-industries
    ("industry_trade" covers "industry_trade.machinery")."""
    conditions = [Enterprise.industry == code for code in industries]
    conditions += [
        Enterprise.industry.startswith(f"{code}.", autoescape=True) for code in industries
    ]
    return or_(false(), *conditions)


def department_enterprise_clause(department: Department):
    """The enterprises a department supervises: its industries inside its territory, and
    those assigned to it by name."""
    assigned = select(DepartmentEnterprise.enterprise_id).where(
        DepartmentEnterprise.department_id == department.id
    )
    in_territory = Enterprise.jurisdiction_id.in_(_subtree_ids(department.jurisdiction_id))
    return or_(
        in_territory & industry_clause(department.industries or ()),
        Enterprise.id.in_(assigned),
    )


def jurisdiction_clause(user: User):
    """Condition on Jurisdiction rows the user may see."""
    if is_global(user):
        return true()
    if user.role in ENTERPRISE_ROLES:
        own = select(Enterprise.jurisdiction_id).where(Enterprise.id == user.enterprise_id)
        return Jurisdiction.id.in_(own)
    return Jurisdiction.id.in_(_subtree_ids(scope_root_id(user)))


def enterprise_clause(user: User):
    """Condition on Enterprise rows the user may see."""
    if is_global(user):
        return true()
    if user.role in ENTERPRISE_ROLES:
        return Enterprise.id == user.enterprise_id
    if user.role in DEPARTMENT_ROLES:
        return department_enterprise_clause(db.session.get(Department, user.department_id))
    return Enterprise.jurisdiction_id.in_(_subtree_ids(user.jurisdiction_id))


def department_clause(user: User):
    """Condition on Department rows the user may see: a department official their own; an
    official the departments working in their area (a territory inside their subtree, or one
    above their jurisdiction, like a district's department seen from a street)."""
    if is_global(user):
        return true()
    if user.role in DEPARTMENT_ROLES:
        return Department.id == user.department_id
    if user.role in ENTERPRISE_ROLES:
        return false()
    own_path = db.session.scalar(
        select(Jurisdiction.path).where(Jurisdiction.id == user.jurisdiction_id)
    )
    above = [int(part) for part in (own_path or "").strip("/").split("/") if part]
    return or_(
        Department.jurisdiction_id.in_(_subtree_ids(user.jurisdiction_id)),
        Department.jurisdiction_id.in_(above),
    )


def visible_enterprise_ids(user: User):
    return select(Enterprise.id).where(enterprise_clause(user))


def inspection_clause(user: User):
    """Inspections of enterprises the user may see (an enterprise sees those of itself)."""
    if is_global(user):
        return true()
    return Inspection.enterprise_id.in_(visible_enterprise_ids(user))


def hazard_clause(user: User):
    if is_global(user):
        return true()
    return Hazard.enterprise_id.in_(visible_enterprise_ids(user))


def patrol_clause(user: User):
    """Patrol logs: a grid worker's own; officials of a jurisdiction those made in their
    subtree; nobody else's (enterprises, departments)."""
    if is_global(user):
        return true()
    if user.role == "grid_worker":
        return Patrol.user_id == user.id
    if user.role in ENTERPRISE_ROLES or user.role in DEPARTMENT_ROLES:
        return false()
    return Patrol.jurisdiction_id.in_(_subtree_ids(user.jurisdiction_id))


def user_clause(user: User):
    """Condition on User rows the user may see: admins and supervisors their scope, others self."""
    if is_global(user):
        return true()
    if user.role not in ("admin", "supervisor"):
        return User.id == user.id
    subtree = _subtree_ids(user.jurisdiction_id)
    enterprises = select(Enterprise.id).where(Enterprise.jurisdiction_id.in_(subtree))
    departments = select(Department.id).where(Department.jurisdiction_id.in_(subtree))
    return or_(
        User.jurisdiction_id.in_(subtree),
        User.enterprise_id.in_(enterprises),
        User.department_id.in_(departments),
    )


def jurisdiction_in_scope(user: User, jurisdiction_id: int | None) -> bool:
    if jurisdiction_id is None:
        return is_global(user)
    stmt = select(Jurisdiction.id).where(
        Jurisdiction.id == jurisdiction_id, jurisdiction_clause(user)
    )
    return db.session.scalar(stmt) is not None


def get_visible(model, record_id, user: User | None = None):
    """The record if the user may see it; otherwise NotFound (never Forbidden)."""
    user = user or current_user()
    clause = {
        Jurisdiction: jurisdiction_clause,
        Enterprise: enterprise_clause,
        User: user_clause,
        Inspection: inspection_clause,
        Hazard: hazard_clause,
        Department: department_clause,
        Patrol: patrol_clause,
    }
    record = db.session.scalar(select(model).where(model.id == record_id, clause[model](user)))
    if record is None:
        raise NotFound(f"{model.__name__.lower()} {record_id} not found")
    return record


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"The role {user.role} may not do this.")


def require_jurisdiction_in_scope(user: User, jurisdiction_id: int | None, field: str) -> None:
    """A referenced jurisdiction outside the caller's scope is reported as not existing."""
    if not jurisdiction_in_scope(user, jurisdiction_id):
        raise NotFound(f"jurisdiction {jurisdiction_id} not found", field=field)


def require_department_in_scope(user: User, department_id: int, field: str) -> Department:
    department = db.session.scalar(
        select(Department).where(Department.id == department_id, department_clause(user))
    )
    if department is None:
        raise NotFound(f"department {department_id} not found", field=field)
    return department


def require_enterprise_in_scope(user: User, enterprise_id: int, field: str) -> Enterprise:
    enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_clause(user))
    )
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id} not found", field=field)
    return enterprise


# Who runs which kind of inspection: officials supervise, an enterprise's managers self-inspect.
INSPECTING_ROLES = {
    "supervision": ("inspector", "supervisor", "department_official"),
    "self_inspection": ("enterprise_manager",),
}


def require_may_inspect(user: User, enterprise_id: int, kind: str) -> Enterprise:
    if not isinstance(kind, str) or kind not in INSPECTING_ROLES:
        raise Invalid(f"kind must be one of {', '.join(INSPECTING_ROLES)}.", field="kind")
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role not in INSPECTING_ROLES[kind]:
        raise Forbidden(f"The role {user.role} may not run a {kind} inspection.")
    return enterprise


def require_inspection_owner(user: User, inspection: Inspection) -> None:
    if inspection.inspector_id != user.id:
        raise Forbidden("Only the user who started this inspection may change it.")
