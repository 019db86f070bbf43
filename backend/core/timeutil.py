"""Deadlines are dates in Asia/Shanghai, whatever the server's own time zone."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..models.base import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def days_from_today(days: int, now: datetime | None = None) -> date:
    return today_in_shanghai(now) + timedelta(days=days)
