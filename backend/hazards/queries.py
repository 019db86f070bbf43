"""Reading hazards: the filtered, sorted list the user may see, and a hazard's history."""

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, literal, or_, select

from ..core.db import db
from ..core.errors import Invalid
from ..core.scope import (
    department_enterprise_clause,
    hazard_clause,
    require_department_in_scope,
    visible_subtree_ids,
)
from ..core.timeutil import today_in_shanghai
from ..models import Enterprise, Hazard, HazardAction, Photo, User
from .deadlines import overdue_clause


def submitted_at(hazard_ids) -> dict[str, datetime]:
    """When each of these hazards was last submitted for verification (server time)."""
    if not hazard_ids:
        return {}
    rows = db.session.execute(
        select(HazardAction.hazard_id, func.max(HazardAction.received_at))
        .where(HazardAction.action == "submit", HazardAction.hazard_id.in_(list(hazard_ids)))
        .group_by(HazardAction.hazard_id)
    )
    return dict(rows.all())


def history(hazard: Hazard) -> list[dict]:
    """The audit trail in server order, each entry with the SHA-256s of its photos."""
    entries = db.session.scalars(
        select(HazardAction).where(HazardAction.hazard_id == hazard.id).order_by(HazardAction.seq)
    ).all()
    photos: dict[str, list[str]] = {}
    if entries:
        rows = db.session.execute(
            select(Photo.owner_id, Photo.sha256)
            .where(
                Photo.owner_table == "hazard_actions",
                Photo.owner_id.in_([entry.id for entry in entries]),
            )
            .order_by(Photo.created_at, Photo.id)
        )
        for owner_id, sha256 in rows:
            photos.setdefault(owner_id, []).append(sha256)
    return [{"entry": entry, "photos": photos.get(entry.id, [])} for entry in entries]


SORTS = ("due_on", "-due_on", "days_overdue", "-days_overdue", "reported_at", "-reported_at")


def hazard_query(
    user: User,
    *,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool | None = None,
    min_days_overdue: int | None = None,
    self_reported: bool | None = None,
    closed_by_enterprise: bool | None = None,
    enterprise_id: int | None = None,
    jurisdiction_id: int | None = None,
    industry: str | None = None,
    department_id: int | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    sort: str = "due_on",
    now: datetime | None = None,
):
    """The hazards the user may see, filtered and sorted: one query for lists and exports."""
    today = today_in_shanghai(now)
    stmt = select(Hazard).where(hazard_clause(user))
    for name, value in (
        ("status", status),
        ("grade", grade),
        ("enterprise_id", enterprise_id),
        ("self_reported", self_reported),
        ("closed_by_enterprise", closed_by_enterprise),
    ):
        if value is not None:
            stmt = stmt.where(getattr(Hazard, name) == value)
    if overdue is not None:
        condition = overdue_clause(today)
        stmt = stmt.where(condition if overdue else ~condition)
    if min_days_overdue:
        stmt = stmt.where(
            overdue_clause(today), Hazard.due_on <= today - timedelta(days=min_days_overdue)
        )
    if jurisdiction_id is not None:
        subtree = visible_subtree_ids(user, jurisdiction_id)
        stmt = stmt.where(
            Hazard.enterprise_id.in_(
                select(Enterprise.id).where(Enterprise.jurisdiction_id.in_(subtree))
            )
        )
    if industry is not None:
        stmt = stmt.where(
            Hazard.enterprise_id.in_(
                select(Enterprise.id).where(
                    or_(
                        Enterprise.industry == industry,
                        Enterprise.industry.startswith(industry + "."),
                    )
                )
            )
        )
    if department_id is not None:
        department = require_department_in_scope(user, department_id, "department_id")
        stmt = stmt.where(
            Hazard.enterprise_id.in_(
                select(Enterprise.id).where(department_enterprise_clause(department))
            )
        )
    if due_from is not None:
        stmt = stmt.where(Hazard.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(Hazard.due_on <= due_to)
    return stmt.order_by(*_ordering(sort, today), Hazard.id)


def _ordering(sort: str, today: date):
    if sort not in SORTS:
        raise Invalid(f"Unknown sort {sort}.", field="sort")
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "days_overdue":
        # Days overdue grow as the deadline lies further back; hazards not overdue count as 0.
        key = case((overdue_clause(today), Hazard.due_on), else_=literal(today, Hazard.due_on.type))
        return (key.asc() if descending else key.desc(),)
    column = getattr(Hazard, name)
    return (column.desc() if descending else column.asc(),)
