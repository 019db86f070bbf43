"""Terms (民法典 第二百零二条) and the working-day calendar (weekends, holidays, 调休)."""

from datetime import date

import pytest

from backend.core.periods import (
    WorkingDayCalendar,
    add_months,
    parse_dates,
    term_end,
    working_day_calendar,
)


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (date(2026, 3, 2), 1, date(2027, 3, 2)),
        (date(2026, 3, 2), 2, date(2028, 3, 2)),
        (date(2026, 3, 2), 3, date(2029, 3, 2)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),  # no 29 Feb: the month's last day
        (date(2024, 2, 29), 4, date(2028, 2, 29)),  # a leap year again: the corresponding day
        (date(2027, 2, 28), 1, date(2028, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 12, 31)),
    ],
)
def test_term_end_is_the_corresponding_day(start, years, end):
    assert term_end(start, years) == end


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, end):
    assert add_months(start, months) == end


def test_weekends_are_not_working_days():
    calendar = WorkingDayCalendar()
    assert calendar.is_working_day(date(2026, 11, 20))  # Friday
    assert not calendar.is_working_day(date(2026, 11, 21))  # Saturday
    assert not calendar.is_working_day(date(2026, 11, 22))  # Sunday
    # The start day does not count: ten working days after a Friday is the Friday two weeks on.
    assert calendar.add_working_days(date(2026, 11, 20), 10) == date(2026, 12, 4)
    assert calendar.add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)


def test_the_shipped_2026_calendar_has_the_holidays_and_make_up_days(app):
    calendar = working_day_calendar({})
    # 国庆节 10月1日至7日 are holidays; 9月20日 (Sunday) and 10月10日 (Saturday) are worked.
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 7))
    assert calendar.is_working_day(date(2026, 9, 20))
    assert calendar.is_working_day(date(2026, 10, 10))
    # 春节 2月15日至23日; 2月14日 and 2月28日 (Saturdays) are worked.
    assert not calendar.is_working_day(date(2026, 2, 16))
    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.is_working_day(date(2026, 2, 28))
    # Ten working days after Sunday 2026-09-27: 28, 29, 30 Sep, then 8, 9, 10 (Sat, worked),
    # 12, 13, 14, 15 Oct.
    assert calendar.add_working_days(date(2026, 9, 27), 10) == date(2026, 10, 15)
    # Five working days from the eve of 春节: 2026-02-13 (Fri) → 14 (Sat, worked), 24, 25,
    # 26, 27 Feb.
    assert calendar.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    # 劳动节: 1–5 May off, 9 May worked.
    assert calendar.add_working_days(date(2026, 4, 30), 3) == date(2026, 5, 8)
    assert calendar.add_working_days(date(2026, 4, 30), 4) == date(2026, 5, 9)


def test_the_calendar_is_configuration():
    calendar = working_day_calendar({"HOLIDAYS": "2027-01-01, 2027-01-04", "WORKDAYS": ""})
    assert not calendar.is_working_day(date(2027, 1, 4))  # a Monday made a holiday
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 6)
    # No make-up days configured: the 2026 ones are weekend days again.
    assert not calendar.is_working_day(date(2026, 10, 10))
    empty = working_day_calendar({"HOLIDAYS": "", "WORKDAYS": ""})
    assert empty.is_working_day(date(2026, 10, 1))
    with pytest.raises(ValueError, match="HOLIDAYS"):
        parse_dates("2026-02-30", "HOLIDAYS")
    with pytest.raises(ValueError):
        WorkingDayCalendar().add_working_days(date(2026, 1, 5), 0)
