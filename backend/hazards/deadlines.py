"""Rectification deadlines (整改期限): when a hazard is overdue, and which deadlines may be set.

A hazard due on a date is overdue from the start of the next day in Asia/Shanghai. Overdue
means the enterprise's part is late ("期限内未完成治理整改", 方案5 L174): a hazard submitted
for verification is not overdue, whatever the date — it waits on the bureau (待核验), whose
delay the statistics measure separately (hazards/reports.py).
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_

from ..core.errors import Invalid
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import Hazard
from .states import UNRECTIFIED

MAX_DEADLINE_DAYS = 366


def is_overdue(hazard: Hazard, now: datetime | None = None) -> bool:
    return hazard.status in UNRECTIFIED and today_in_shanghai(now) > hazard.due_on


def days_overdue(hazard: Hazard, now: datetime | None = None) -> int:
    if not is_overdue(hazard, now):
        return 0
    return (today_in_shanghai(now) - hazard.due_on).days


def overdue_since(hazard: Hazard) -> datetime:
    """The instant the hazard became (or will become) overdue."""
    return datetime.combine(hazard.due_on + timedelta(days=1), time(0), SHANGHAI)


def overdue_clause(today: date):
    """SQL condition for hazards overdue on `today` (the same rule as `is_overdue`)."""
    return and_(Hazard.status.in_(UNRECTIFIED), Hazard.due_on < today)


def check_deadline(due_on: date, today: date, field_name: str = "due_on") -> None:
    if not today <= due_on <= today + timedelta(days=MAX_DEADLINE_DAYS):
        raise Invalid(
            f"A rectification deadline must fall between {today} and one year later.",
            field=field_name,
        )


def move_deadline(hazard: Hazard, due_on: date, today: date) -> None:
    hazard.due_on = due_on
    if due_on >= today:
        hazard.marked_overdue_at = None
