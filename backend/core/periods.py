"""Terms and working days: the date arithmetic of credit records, blacklist entries and plans.

Terms counted in years or months follow 民法典 第二百零一条/第二百零二条: the first day is not
counted and the period ends on the corresponding day of the last month, or on that month's last
day when it has no corresponding day. A one-year term decided on 2026-03-02 therefore ends on
2027-03-02; one decided on 2024-02-29 ends on 2025-02-28.

Working days are Monday to Friday, minus the public holidays (法定节假日), plus the make-up
working days (调休上班日) on weekends. Both lists are configuration (`HOLIDAYS`, `WORKDAYS`:
comma-separated ISO dates); the defaults below are the 2026 arrangement. Counting N working days
from a date starts with the next day (the start day is not counted, as for terms).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): 元旦 1月1日至3日; 春节 2月15日至23日;
# 清明节 4月4日至6日; 劳动节 5月1日至5日; 端午节 6月19日至21日; 中秋节 9月25日至27日;
# 国庆节 10月1日至7日. Extend both lists (config) when the State Council publishes the next year.
DEFAULT_HOLIDAYS = (
    "2026-01-01,2026-01-02,2026-01-03,"
    "2026-02-15,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-21,"
    "2026-02-22,2026-02-23,"
    "2026-04-04,2026-04-05,2026-04-06,"
    "2026-05-01,2026-05-02,2026-05-03,2026-05-04,2026-05-05,"
    "2026-06-19,2026-06-20,2026-06-21,"
    "2026-09-25,2026-09-26,2026-09-27,"
    "2026-10-01,2026-10-02,2026-10-03,2026-10-04,2026-10-05,2026-10-06,2026-10-07"
)
# The same notice's 调休上班日: 1月4日(周日), 2月14日(周六), 2月28日(周六), 5月9日(周六),
# 9月20日(周日), 10月10日(周六).
DEFAULT_WORKDAYS = "2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10"


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


@dataclass(frozen=True)
class WorkingDayCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days that are working days (调休)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

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
    """The calendar configured for the current app (HOLIDAYS, WORKDAYS)."""
    config = config if config is not None else current_app.config
    holidays = config.get("HOLIDAYS")
    workdays = config.get("WORKDAYS")
    return WorkingDayCalendar(
        holidays=parse_dates(DEFAULT_HOLIDAYS if holidays is None else holidays, "HOLIDAYS"),
        workdays=parse_dates(DEFAULT_WORKDAYS if workdays is None else workdays, "WORKDAYS"),
    )
