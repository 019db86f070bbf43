"""The campaign progress report (seed 004 L67): streets and departments report to the
organising district after 自查自纠 and after the last phase, 5 working days after it ends."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from backend.core.errors import Invalid
from backend.core.timeutil import SHANGHAI
from backend.reports import periods
from backend.reports import services as reports
from tests.backend.web.test_pages import log_in, text


def _phase(campaign, name):
    return next(p for p in campaign.phases if p.name == name)


def test_due_five_working_days_after_the_phase_across_a_holiday(session, campaign_world):
    campaign = campaign_world["campaign"]
    own_check = _phase(campaign, "自查自纠")
    assert periods.period_of("campaign_progress", f"P{own_check.id}").due_on == date(2026, 7, 7)
    enforcement = _phase(campaign, "严格执法")
    enforcement.ends_on, enforcement.report_due = date(2026, 9, 30), True
    session.flush()
    # 国庆 1–7 October: the five working days are 8, 9, 10 (调休), 12 and 13 October.
    due = periods.period_of("campaign_progress", f"P{enforcement.id}").due_on
    assert due == date(2026, 10, 13)


def test_no_report_after_a_phase_that_asks_none(campaign_world):
    phase = _phase(campaign_world["campaign"], "动员部署")
    with pytest.raises(Invalid) as refused:
        periods.period_of("campaign_progress", f"P{phase.id}")
    assert refused.value.field == "campaign_phase_id"


def test_a_street_reports_its_figures_and_the_district_receives(session, campaign_world, make_user):
    w = campaign_world
    phase = _phase(w["campaign"], "自查自纠")
    street_chief = make_user("supervisor", jurisdiction=w["town"])
    report = reports.generate_draft(
        street_chief, kind="campaign_progress", campaign_phase_id=phase.id
    )
    assert (report.unit_kind, report.jurisdiction_id) == ("jurisdiction", w["town"].id)
    assert report.period == f"P{phase.id}" and report.campaign_phase_id == phase.id
    rows = list(load_workbook(BytesIO(report.workbook)).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "单位"))
    assert rows[header + 1][0] == "东镇"
    # Until 30 June: 2 targets, chem self-inspected (1 hazard, closed), nobody supervised yet;
    # chem's commitment and trade's penalty came later.
    assert rows[header + 1][2:] == (2, 1, 50, 0, 1, 1, 0, 0, 0)
    reports.submit(street_chief, report)
    with pytest.raises(reports.Forbidden):
        reports.receive(street_chief, report)
    reports.receive(w["supervisor"], report)
    assert report.state == "received"


def test_late_streets_are_listed_for_the_district(session, campaign_world, make_user):
    w = campaign_world
    phase = _phase(w["campaign"], "自查自纠")
    street_chief = make_user("supervisor", jurisdiction=w["town"])
    report = reports.generate_draft(
        street_chief, kind="campaign_progress", campaign_phase_id=phase.id
    )
    reports.submit(street_chief, report, now=datetime(2026, 7, 6, 9, tzinfo=SHANGHAI))
    session.commit()
    summary = reports.late_summary(w["supervisor"], today=date(2026, 7, 8))
    section = next(s for s in summary if s["kind"] == "campaign_progress")
    assert section["period"].due_on == date(2026, 7, 7)
    late = {(row["unit_kind"], row["unit_name"]) for row in section["late"]}
    # 东镇 sent in time; 西镇 and the department sent nothing.
    assert late == {("jurisdiction", "西镇"), ("department", w["department"].name)}


def test_board_lists_the_late_street(client, campaign_world, monkeypatch):
    w = campaign_world
    monkeypatch.setattr(reports, "today_in_shanghai", lambda: date(2026, 7, 8))
    assert log_in(client, "board", w["supervisor"]).status_code in (302, 303)
    page = client.get("/board/reports")
    assert page.status_code == 200
    assert f'data-unit="jurisdiction:{w["other_town"].id}"' in text(page)


def test_a_phase_due_in_a_year_the_calendar_lacks_leaves_the_late_list_standing(
    app, client, campaign_world, monkeypatch
):
    """巩固提升's report falls due in 2027; without 2027's holidays that due date is unknown:
    the late list still shows 自查自纠's late units and the other reports."""
    monkeypatch.setitem(app.config, "HOLIDAYS", "")
    monkeypatch.setitem(app.config, "WORKDAYS", "")
    w = campaign_world
    monkeypatch.setattr(reports, "today_in_shanghai", lambda: date(2026, 12, 3))
    assert log_in(client, "board", w["supervisor"]).status_code in (302, 303)
    page = client.get("/board/reports")
    assert page.status_code == 200
    assert f'data-unit="jurisdiction:{w["other_town"].id}"' in text(page)
