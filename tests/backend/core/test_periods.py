"""Terms (民法典 第二百零二条) and the working-day calendar (weekends, holidays, 调休)."""

from datetime import date

import pytest

from backend.core.periods import (
    CalendarNotCovered,
    WorkingDayCalendar,
    add_months,
    missing_calendar_years,
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


def test_the_2026_holidays_and_make_up_days_come_from_chinesecalendar(app):
    calendar = working_day_calendar({})  # nothing configured: the package alone
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
    # An earlier year the package keeps: 2025's 国庆 (1–8 Oct) and 调休 on Sat 11 Oct.
    assert not calendar.is_working_day(date(2025, 10, 8))
    assert calendar.is_working_day(date(2025, 10, 11))


def test_a_year_the_calendar_does_not_cover_is_an_explicit_error(app, caplog):
    calendar = working_day_calendar({})
    with pytest.raises(CalendarNotCovered) as raised:
        calendar.add_working_days(date(2026, 12, 28), 5)  # crosses into 2027
    assert raised.value.status == 503 and raised.value.year == 2027
    assert "2027" in raised.value.detail and "HOLIDAYS" in raised.value.detail
    assert "工作日历" in raised.value.detail
    assert not calendar.covers(2027) and calendar.covers(2026)
    assert missing_calendar_years(date(2026, 12, 3), {}) == [2027]
    assert missing_calendar_years(date(2026, 12, 3), {"HOLIDAYS": "2027-01-01"}) == []


def test_an_uncovered_year_is_logged_once(app, caplog, monkeypatch):
    monkeypatch.setattr("backend.core.periods._reported_years", set())
    calendar = working_day_calendar({})
    for _ in range(3):
        with pytest.raises(CalendarNotCovered):
            calendar.is_working_day(date(2031, 5, 6))
    errors = [r for r in caplog.records if r.name == "xuncha.calendar"]
    assert [r.levelname for r in errors] == ["ERROR"] and "2031" in errors[0].getMessage()


def test_the_settings_extend_the_calendar_to_a_new_year_and_override_it():
    calendar = working_day_calendar({"HOLIDAYS": "2027-01-01, 2027-01-04", "WORKDAYS": ""})
    assert calendar.covers(2027)
    assert not calendar.is_working_day(date(2027, 1, 4))  # a Monday made a holiday
    assert calendar.is_working_day(date(2027, 1, 5))  # the rest of 2027: weekdays
    assert not calendar.is_working_day(date(2027, 1, 9))  # and weekends
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 6)
    # The package still gives the years it knows: 2026's make-up day stays a working day.
    assert calendar.is_working_day(date(2026, 10, 10))
    # A setting overrides the package day by day, both ways.
    local = working_day_calendar({"HOLIDAYS": "2026-11-20", "WORKDAYS": "2026-10-01"})
    assert not local.is_working_day(date(2026, 11, 20))
    assert local.is_working_day(date(2026, 10, 1))
    assert not local.is_working_day(date(2026, 10, 2))  # the rest of 国庆 is untouched
    with pytest.raises(ValueError, match="HOLIDAYS"):
        parse_dates("2026-02-30", "HOLIDAYS")
    with pytest.raises(ValueError):
        WorkingDayCalendar().add_working_days(date(2026, 1, 5), 0)
