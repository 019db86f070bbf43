"""Terms and working days: the date arithmetic of credit records, blacklist entries and plans.

Terms counted in years or months follow 民法典 第二百零一条/第二百零二条: the first day is not
counted and the period ends on the corresponding day of the last month, or on that month's last
day when it has no corresponding day. A one-year term decided on 2026-03-02 therefore ends on
2027-03-02; one decided on 2024-02-29 ends on 2025-02-28.

Working days are Monday to Friday, minus the public holidays (法定节假日), plus the make-up
working days (调休上班日) on weekends, as the State Council's yearly notice (国务院办公厅关于
部分节假日安排的通知) arranges them. The arrangement comes from the maintained `chinesecalendar`
package; the `HOLIDAYS` / `WORKDAYS` settings (comma-separated ISO dates) override it day by
day and extend it to a year it does not know yet: a year counts as configured when either
setting lists one of its dates. A count that reaches a year neither covers raises
`CalendarNotCovered` (503 problem+json, logged once per year, shown by /healthz and
`xuncha calendar check`) instead of silently counting that year's holidays as working days.
Counting N working days from a date starts with the next day (the start day is not counted, as
for terms).
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from flask import current_app

from .errors import Unavailable

log = logging.getLogger("xuncha.calendar")


def add_months(start: date, months: int) -> date:
    """The corresponding day `months` later, or the last day of that month (民法典 第二百零二条)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, years: int) -> date:
    """The last day of a term of `years` years that starts counting after `start`."""
    return add_months(start, 12 * years)


def parse_dates(value: str | None, setting: str) -> frozenset[date]:
    try:
        return frozenset(
            date.fromisoformat(part.strip()) for part in (value or "").split(",") if part.strip()
        )
    except ValueError as error:
        raise ValueError(f"{setting}: {error}") from None


class CalendarNotCovered(Unavailable):
    """A working-day count reached a year whose holidays and 调休 nobody has given: an
    operator's problem, not the user's, hence 503."""

    title = "Working-day calendar not configured"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日历未包含{year}年的节假日和调休安排，请管理员配置 HOLIDAYS / WORKDAYS 后重试。"
            f" The working-day calendar does not cover {year}: an administrator must set that"
            " year's holidays and make-up working days (HOLIDAYS, WORKDAYS).",
            year=year,
        )
        self.year = year


_reported_years: set[int] = set()


def _report_once(year: int) -> None:
    if year not in _reported_years:
        _reported_years.add(year)
        log.error(
            "the working-day calendar does not cover %s: configure HOLIDAYS and WORKDAYS", year
        )


def official_working_day(day: date) -> bool | None:
    """The State Council arrangement (chinesecalendar); None for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkingDayCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days that are working days (调休)
    official: bool = True  # False: weekends and the two lists only (tests, other countries)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        official = official_working_day(day) if self.official else None
        if official is not None:
            return official
        if self.official and day.year not in self.configured_years:
            _report_once(day.year)
            raise CalendarNotCovered(day.year)
        return day.weekday() < 5

    @property
    def configured_years(self) -> frozenset[int]:
        """Years the settings give in full where chinesecalendar does not: any year one of
        their dates falls in."""
        return frozenset(day.year for day in self.holidays | self.workdays)

    def covers(self, year: int) -> bool:
        return (
            not self.official
            or year in self.configured_years
            or official_working_day(date(year, 1, 1)) is not None
        )

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself is not counted)."""
        if count < 1:
            raise ValueError("a working-day period is at least one day long")
        day, left = start, count
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def working_day_calendar(config=None) -> WorkingDayCalendar:
    """The calendar of the current app: chinesecalendar, overridden by HOLIDAYS / WORKDAYS."""
    config = config if config is not None else current_app.config
    return WorkingDayCalendar(
        holidays=parse_dates(config.get("HOLIDAYS"), "HOLIDAYS"),
        workdays=parse_dates(config.get("WORKDAYS"), "WORKDAYS"),
    )


def missing_calendar_years(today: date, config=None) -> list[int]:
    """This year and the next, where the calendar does not cover them (for /healthz, the CLI)."""
    calendar = working_day_calendar(config)
    return [year for year in (today.year, today.year + 1) if not calendar.covers(year)]
