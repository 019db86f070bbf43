"""The board's section of reports late with the level above (/board/reports)."""

from datetime import date

from backend.reports import services as reports
from backend.reports.periods import latest_past_due
from tests.backend.web.test_pages import log_in, text


def test_the_latest_period_past_its_due_date():
    today = date(2026, 6, 1)
    assert latest_past_due("five_implementations", today).code == "2026-05"
    assert latest_past_due("joint_punishment", today).code == "2026-04"
    assert latest_past_due("joint_punishment", date(2026, 6, 3)).code == "2026-05"
    assert latest_past_due("hazard_statistics", today).code == "2026-Q1"
    assert latest_past_due("hazard_statistics", date(2026, 2, 1)).code == "2025"
    assert latest_past_due("hazard_statistics", date(2026, 1, 16)).code == "2025-Q4"


def test_the_board_lists_late_units_with_counts(client, session, reports_world):
    w = reports_world
    summary = {s["kind"]: s for s in reports.late_summary(w["supervisor"])}
    statistics = summary["hazard_statistics"]
    assert log_in(client, "board", w["supervisor"]).status_code in (302, 303)
    assert 'id="to-reports"' in text(client.get("/board/"))

    page = client.get("/board/reports")

    assert page.status_code == 200
    body = text(page)
    assert f'data-unit="department:{w["department"].id}"' in body
    assert f'data-unit="enterprise:{w["chem"].id}"' in body
    assert f'<strong class="late-count">{statistics["count"]}</strong>' in body
    assert statistics["count"] == len(statistics["late"]) >= 6
