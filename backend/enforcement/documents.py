"""What the enforcement documents share: who sees them, who signs them.

An official sees the documents of the enterprises in their jurisdiction subtree, an enterprise
user those of its own enterprise; anything else is answered 404 (core/scope.py).
"""

import uuid
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import working_day_calendar
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


def publication_due_query(model, user: User, today: date | None = None):
    """Decisions not yet published whose deadline has passed or falls within
    PENALTY_PUBLICATION_WARNING_WORKING_DAYS (local policy), most urgent first."""
    require_role(user, "supervisor", "admin")
    today = today or today_in_shanghai()
    warning = current_app.config["PENALTY_PUBLICATION_WARNING_WORKING_DAYS"]
    horizon = working_day_calendar().add_working_days(today, warning) if warning else today
    return (
        select(model)
        .where(
            document_clause(model, user),
            model.published_at.is_(None),
            model.publish_due_on <= horizon,
        )
        .order_by(model.publish_due_on, model.id)
    )


def mark_published(document, user: User, now: datetime | None = None):
    """Publish a decision once (双公示): it shows on /gongshi at once."""
    if document.published_at is not None:
        raise Conflict("The decision is already published.")
    document.published_at = now or utcnow()
    document.published_by_id = user.id
    db.session.flush()
    return document


def is_publication_overdue(document, today: date | None = None) -> bool:
    return document.published_at is None and document.publish_due_on < (
        today or today_in_shanghai()
    )
