"""The jurisdiction tree: district → street/town → area (片) → village/grid, with materialised
paths (镇、片、村三级网格, seed 001 L55)."""

from sqlalchemy import String, exists, func, literal, select, update

from ..core.db import db
from ..core.errors import Conflict, Invalid
from ..models import PARENT_LEVELS, Department, Enterprise, Jurisdiction, User


def _check_parent(level: str, parent: Jurisdiction | None) -> None:
    expected = PARENT_LEVELS[level]
    if not expected and parent is not None:
        raise Invalid("A district has no parent.", field="parent_id")
    if expected and (parent is None or parent.level not in expected):
        raise Invalid(f"A {level} must sit under a {' or '.join(expected)}.", field="parent_id")


def patrols_per_month(grid: Jurisdiction, default: int) -> int:
    """The patrols a grid's worker owes each month: the grid's own setting, else the default."""
    return grid.patrols_per_month if grid.patrols_per_month is not None else default


def create_jurisdiction(
    *, name: str, level: str, parent: Jurisdiction | None, code=None, patrols_per_month=None
):
    _check_parent(level, parent)
    _check_code_free(code)
    node = Jurisdiction(
        name=name, level=level, parent=parent, code=code, patrols_per_month=patrols_per_month
    )
    db.session.add(node)
    db.session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    db.session.flush()
    return node


def update_jurisdiction(node: Jurisdiction, *, parent=..., **fields) -> Jurisdiction:
    if "code" in fields and fields["code"] != node.code:
        _check_code_free(fields["code"])
    for key, value in fields.items():
        setattr(node, key, value)
    if parent is not ...:
        _move(node, parent)
    db.session.flush()
    return node


def _move(node: Jurisdiction, parent: Jurisdiction | None) -> None:
    _check_parent(node.level, parent)
    if parent is not None and parent.path.startswith(node.path):
        raise Invalid("A jurisdiction cannot move under itself.", field="parent_id")
    old_path = node.path
    new_path = f"{parent.path if parent else '/'}{node.id}/"
    node.parent = parent
    db.session.execute(
        update(Jurisdiction)
        .where(Jurisdiction.path.startswith(old_path))
        .values(
            path=literal(new_path) + func.substr(Jurisdiction.path, len(old_path) + 1, type_=String)
        )
        .execution_options(synchronize_session="fetch")
    )


def delete_jurisdiction(node: Jurisdiction) -> None:
    in_use = (
        exists().where(Jurisdiction.parent_id == node.id),
        exists().where(Enterprise.jurisdiction_id == node.id),
        exists().where(User.jurisdiction_id == node.id),
        exists().where(Department.jurisdiction_id == node.id),
    )
    if any(db.session.scalar(select(condition)) for condition in in_use):
        raise Conflict(
            "The jurisdiction still has sub-jurisdictions, enterprises, users or departments."
        )
    db.session.delete(node)
    db.session.flush()


def _check_code_free(code: str | None) -> None:
    if code and db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)):
        raise Conflict(f"The code {code} is already used.", field="code")
