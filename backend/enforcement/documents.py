"""What the enforcement documents share: who sees them, who signs them.

An official sees the documents of the enterprises in their jurisdiction subtree, an enterprise
user those of its own enterprise; anything else is answered 404 (core/scope.py).
"""

import uuid
from datetime import date, datetime

from flask import current_app
from sqlalchemy import or_, select

from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import CalendarNotCovered, WorkingDayCalendar, working_day_calendar
from ..core.scope import require_role, visible_enterprise_ids
from ..core.timeutil import today_in_shanghai
from ..models import User, utcnow

# 《行政处罚法》第四十二条 and 第五十五条: 执法人员不得少于两人 (and show their credentials); the
# forms carry a signature line for each. Four lines at most fit the form.
MIN_OFFICIALS = 2
MAX_OFFICIALS = 4
NAME_MAX = 64


def new_id() -> str:
    return uuid.uuid4().hex


def document_clause(model, user: User):
    """The documents the user may see: those of the enterprises in scope."""
    return model.enterprise_id.in_(visible_enterprise_ids(user))


def get_visible_document(model, document_id: str, user: User, field: str | None = None):
    document = db.session.scalar(
        select(model).where(model.id == document_id, document_clause(model, user))
    )
    if document is None:
        raise NotFound(f"{model.__tablename__[:-1]} {document_id} not found", field=field)
    return document


def checked_official_names(value, field: str = "official_names") -> list[str]:
    """Two to four distinct names of the signing officials."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise Invalid(f"{field} must be a list of names.", field=field)
    names = [name.strip() for name in value]
    if not MIN_OFFICIALS <= len(names) <= MAX_OFFICIALS:
        raise Invalid(
            f"{field}: {MIN_OFFICIALS} to {MAX_OFFICIALS} officials sign "
            "(行政处罚法 第四十二条: 执法人员不得少于两人).",
            field=field,
        )
    if any(not name or len(name) > NAME_MAX for name in names):
        raise Invalid(f"{field}: each name has 1 to {NAME_MAX} characters.", field=field)
    if len(set(names)) != len(names):
        raise Invalid(f"{field}: the officials must be different people.", field=field)
    return names


def checked_name(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_MAX:
        raise Invalid(f"{field} must be a name of 1 to {NAME_MAX} characters.", field=field)
    return value.strip()


# --- publication (双公示): penalty and licence decisions alike --------------------------------


def publication_deadline(decided_on: date, working_days: int) -> date | None:
    """The last day to publish a decision: the `working_days`-th working day after it; None
    while the working-day calendar does not cover that year (the decision is recorded all the
    same, and `fill_publication_deadlines` dates it once an administrator gives the year)."""
    try:
        return working_day_calendar().add_working_days(decided_on, working_days)
    except CalendarNotCovered:
        return None


def publication_due_query(model, user: User, today: date | None = None):
    """Decisions not yet published whose deadline has passed or falls within
    PENALTY_PUBLICATION_WARNING_WORKING_DAYS (local policy), or is not known yet; the most
    urgent first, the undated last."""
    require_role(user, "supervisor", "admin")
    today = today or today_in_shanghai()
    horizon = _warning_horizon(
        today, current_app.config["PENALTY_PUBLICATION_WARNING_WORKING_DAYS"]
    )
    return (
        select(model)
        .where(
            document_clause(model, user),
            model.published_at.is_(None),
            or_(model.publish_due_on <= horizon, model.publish_due_on.is_(None)),
        )
        .order_by(model.publish_due_on.is_(None), model.publish_due_on, model.id)
    )


def _warning_horizon(today: date, days: int) -> date:
    """How far ahead a deadline counts as near. Past the calendar's last year the weekdays
    stand in: it only sets when a warning shows, and must not take the board down."""
    if not days:
        return today
    calendar = working_day_calendar()
    try:
        return calendar.add_working_days(today, days)
    except CalendarNotCovered:
        weekdays = WorkingDayCalendar(calendar.holidays, calendar.workdays, official=False)
        return weekdays.add_working_days(today, days)


def fill_publication_deadlines(models, days_of) -> int:
    """Date the decisions recorded while the calendar lacked their deadline's year, now that it
    may have it — published ones too, so a late publication shows as late; how many were
    dated."""
    dated = 0
    for model in models:
        for document in db.session.scalars(select(model).where(model.publish_due_on.is_(None))):
            document.publish_due_on = publication_deadline(document.decided_on, days_of(model))
            dated += document.publish_due_on is not None
    db.session.flush()
    return dated


def mark_published(document, user: User, now: datetime | None = None):
    """Publish a decision once (双公示): it shows on /gongshi at once."""
    if document.published_at is not None:
        raise Conflict("The decision is already published.")
    document.published_at = now or utcnow()
    document.published_by_id = user.id
    db.session.flush()
    return document


def is_publication_overdue(document, today: date | None = None) -> bool:
    due = document.publish_due_on
    return (
        document.published_at is None and due is not None and due < (today or today_in_shanghai())
    )
