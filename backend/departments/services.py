"""Sector departments (行业主管部门 / 安委会成员单位): which enterprises each supervises.

"管行业必须管安全" (seed 000, 附件1): a department answers for the safety of the industries it
governs. So a department supervises the enterprises of its industries inside its territory (a
jurisdiction subtree), and those assigned to it by name; an enterprise may fall under several
departments. The condition itself lives in core/scope.py (`department_enterprise_clause`), so
every list, record and sync pull of a department official honours it.
"""

from sqlalchemy import delete, select

from checklists.industries import INDUSTRIES

from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import (
    Forbidden,
    department_clause,
    department_enterprise_clause,
    jurisdiction_in_scope,
    require_enterprise_in_scope,
    require_jurisdiction_in_scope,
    require_role,
    subtree_ids,
)
from ..models import Department, DepartmentEnterprise, Enterprise, User

MAX_NAME = 100
# Departments are set up by admins, within their own scope.
MANAGERS = ("admin",)


def _checked_industries(industries) -> list[str]:
    if not isinstance(industries, list | tuple) or not industries:
        raise Invalid("A department governs at least one industry.", field="industries")
    unknown = [code for code in industries if code not in INDUSTRIES]
    if unknown:
        raise Invalid(f"Unknown industry {unknown[0]}.", field="industries")
    return sorted(set(industries))


def _checked_name(name) -> str:
    name = checked_text(name, "name", MAX_NAME)
    if not name:
        raise Invalid("A department needs a name.", field="name")
    return name


def create_department(user: User, *, name: str, industries, jurisdiction_id: int) -> Department:
    require_role(user, *MANAGERS)
    require_jurisdiction_in_scope(user, jurisdiction_id, "jurisdiction_id")
    department = Department(
        name=_checked_name(name),
        industries=_checked_industries(industries),
        jurisdiction_id=jurisdiction_id,
    )
    db.session.add(department)
    db.session.flush()
    return department


def require_may_manage(user: User, department: Department) -> None:
    """An admin manages the departments whose territory lies in their own scope (one of a
    district, seen from a street, is read-only there)."""
    require_role(user, *MANAGERS)
    if not jurisdiction_in_scope(user, department.jurisdiction_id):
        raise Forbidden("This department's territory lies outside your scope.")


def update_department(user: User, department: Department, **fields) -> Department:
    require_may_manage(user, department)
    if "name" in fields:
        department.name = _checked_name(fields["name"])
    if "industries" in fields:
        department.industries = _checked_industries(fields["industries"])
    if "jurisdiction_id" in fields:
        require_jurisdiction_in_scope(user, fields["jurisdiction_id"], "jurisdiction_id")
        department.jurisdiction_id = fields["jurisdiction_id"]
    db.session.flush()
    return department


def department_query(user: User):
    return select(Department).where(department_clause(user)).order_by(Department.name)


def supervised_enterprises(department: Department):
    """The enterprises the department supervises (its industries in its territory, and those
    assigned to it)."""
    return (
        select(Enterprise).where(department_enterprise_clause(department)).order_by(Enterprise.id)
    )


def assign_enterprise(user: User, department: Department, enterprise_id: int) -> Enterprise:
    """Put an enterprise under a department whatever its industry (one its industry code does
    not tell, e.g. a 工贸 plant with a gas station); it must lie in the department's territory."""
    require_may_manage(user, department)
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    territory = subtree_ids(department.jurisdiction)
    if not db.session.scalar(
        select(Enterprise.id).where(
            Enterprise.id == enterprise.id, Enterprise.jurisdiction_id.in_(territory)
        )
    ):
        raise Conflict(
            "The enterprise lies outside the department's territory.", field="enterprise_id"
        )
    if db.session.get(DepartmentEnterprise, (department.id, enterprise.id)) is None:
        db.session.add(
            DepartmentEnterprise(department_id=department.id, enterprise_id=enterprise.id)
        )
        db.session.flush()
    return enterprise


def unassign_enterprise(user: User, department: Department, enterprise_id: int) -> None:
    require_may_manage(user, department)
    db.session.execute(
        delete(DepartmentEnterprise).where(
            DepartmentEnterprise.department_id == department.id,
            DepartmentEnterprise.enterprise_id == enterprise_id,
        )
    )


def assigned_enterprise_ids(department: Department) -> list[int]:
    return list(
        db.session.scalars(
            select(DepartmentEnterprise.enterprise_id)
            .where(DepartmentEnterprise.department_id == department.id)
            .order_by(DepartmentEnterprise.enterprise_id)
        )
    )


def supervising_departments(user: User, enterprise: Enterprise):
    """The departments (visible to the user) an enterprise falls under: by its industry in
    their territory, or assigned by name."""
    ids = [
        department.id
        for department in db.session.scalars(department_query(user))
        if db.session.scalar(
            select(Enterprise.id).where(
                Enterprise.id == enterprise.id, department_enterprise_clause(department)
            )
        )
    ]
    return department_query(user).where(Department.id.in_(ids))
