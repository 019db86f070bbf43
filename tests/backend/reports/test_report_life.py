"""A report's life (draft → submitted → received), who may move it, and which subordinates the
receiving level sees late (due dates: 附件1 by the 28th, 联合惩戒 by the 2nd of the next month,
16号令 第十四条 by the 15th after the quarter / 31 January)."""

from datetime import UTC, date, datetime

import pytest

from backend.core.errors import Invalid
from backend.departments import services as departments
from backend.reports import services as reports
from backend.reports.periods import period_of


def _draft(client, headers, kind="five_implementations", period="2026-05"):
    return client.post("/api/v1/reports", json={"kind": kind, "period": period}, headers=headers)


@pytest.mark.parametrize(
    ("kind", "period", "due_on"),
    [
        ("five_implementations", "2026-05", date(2026, 5, 28)),
        ("joint_punishment", "2026-05", date(2026, 6, 2)),
        ("joint_punishment", "2026-12", date(2027, 1, 2)),
        ("hazard_statistics", "2026-Q1", date(2026, 4, 15)),
        ("hazard_statistics", "2026-Q4", date(2027, 1, 15)),
        ("hazard_statistics", "2026", date(2027, 1, 31)),
    ],
)
def test_each_kind_is_due_on_its_sources_date(kind, period, due_on):
    assert period_of(kind, period).due_on == due_on


@pytest.mark.parametrize(
    ("kind", "period"),
    [
        ("five_implementations", "2026-13"),
        ("five_implementations", "2026"),
        ("hazard_statistics", "2026-05"),
        ("hazard_statistics", "2026-Q5"),
    ],
)
def test_a_period_that_does_not_fit_the_kind_is_refused(kind, period):
    with pytest.raises(Invalid) as refused:
        period_of(kind, period)
    assert refused.value.field == "period"


def test_a_bad_period_is_a_422_naming_the_field(client, reports_world, auth_header):
    response = _draft(client, auth_header(reports_world["official"]), period="2026-13")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "period" in str(response.json)


def test_draft_submit_receive(client, reports_world, auth_header):
    w = reports_world
    official, supervisor = auth_header(w["official"]), auth_header(w["supervisor"])
    draft = _draft(client, official)
    assert draft.status_code == 201 and draft.json["state"] == "draft"
    report_id = draft.json["id"]
    # Regenerating a draft keeps the one report.
    assert _draft(client, official).json["id"] == report_id

    assert (
        client.post(f"/api/v1/reports/{report_id}/receive", headers=supervisor).status_code == 409
    )
    submitted = client.post(f"/api/v1/reports/{report_id}/submit", headers=official)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["state"] == "submitted"
    assert submitted.json["submitted_by_id"] == w["official"].id
    assert client.post(f"/api/v1/reports/{report_id}/submit", headers=official).status_code == 409
    assert _draft(client, official).status_code == 409

    # A department official sends; it does not sign for its own report.
    assert client.post(f"/api/v1/reports/{report_id}/receive", headers=official).status_code == 403
    received = client.post(f"/api/v1/reports/{report_id}/receive", headers=supervisor)
    assert received.status_code == 200
    assert received.json["state"] == "received"
    assert received.json["received_by_id"] == w["supervisor"].id
    assert received.json["received_at"]


def test_reports_stay_in_their_scope(client, reports_world, auth_header):
    w = reports_world
    report_id = _draft(client, auth_header(w["official"])).json["id"]
    for outsider in ("away_inspector", "principal"):
        response = client.get(f"/api/v1/reports/{report_id}", headers=auth_header(w[outsider]))
        assert response.status_code == 404
    listed = client.get("/api/v1/reports", headers=auth_header(w["supervisor"]))
    assert [row["id"] for row in listed.json] == [report_id]
    assert client.get("/api/v1/reports", headers=auth_header(w["away_inspector"])).json == []


def test_only_the_principal_submits_the_statistics(client, reports_world, auth_header):
    w = reports_world
    draft = _draft(client, auth_header(w["manager"]), "hazard_statistics", "2026-Q1")
    assert draft.status_code == 201, draft.json
    url = f"/api/v1/reports/{draft.json['id']}/submit"
    assert client.post(url, headers=auth_header(w["manager"])).status_code == 403
    assert client.post(url, headers=auth_header(w["principal"])).status_code == 200
    # An enterprise does not draft a department's table, nor a department an enterprise's.
    assert _draft(client, auth_header(w["manager"])).status_code == 403
    assert (
        _draft(client, auth_header(w["official"]), "hazard_statistics", "2026-Q1").status_code
        == 403
    )


def test_the_receiving_level_sees_who_is_late(client, session, reports_world, auth_header):
    w = reports_world
    second = departments.create_department(
        w["admin"], name="东镇建筑监管科", industries=["construction"], jurisdiction_id=w["town"].id
    )
    third = departments.create_department(
        w["admin"],
        name="西镇危化监管科",
        industries=["fireworks"],
        jurisdiction_id=w["other_town"].id,
    )
    session.commit()
    on_time = reports.generate_draft(w["official"], kind="five_implementations", period="2026-05")
    reports.submit(w["official"], on_time, now=datetime(2026, 5, 27, 15, 59, tzinfo=UTC))
    session.commit()

    rows = reports.units_status(
        w["supervisor"], "five_implementations", "2026-05", today=date(2026, 6, 1)
    )
    by_id = {row["unit_id"]: row for row in rows}
    assert set(by_id) == {w["department"].id, second.id, third.id}
    assert by_id[w["department"].id]["state"] == "submitted"
    assert not by_id[w["department"].id]["late"]
    assert by_id[second.id]["state"] == "missing" and by_id[second.id]["late"]

    # Before the due date nobody is late yet.
    assert not reports.late_units(
        w["supervisor"], "five_implementations", "2026-05", today=date(2026, 5, 28)
    )
    response = client.get(
        "/api/v1/reports/units?kind=five_implementations&period=2026-05&late=true",
        headers=auth_header(w["supervisor"]),
    )
    assert response.status_code == 200
    assert {row["unit_id"] for row in response.json} == {second.id, third.id}
    # A department official is not a receiving level.
    response = client.get(
        "/api/v1/reports/units?kind=five_implementations&period=2026-05",
        headers=auth_header(w["official"]),
    )
    assert response.status_code == 403


def test_a_report_submitted_after_its_due_date_stays_late(session, reports_world):
    w = reports_world
    report = reports.generate_draft(w["official"], kind="five_implementations", period="2026-05")
    # 28 May 16:30 UTC is 29 May in Shanghai: a day late.
    reports.submit(w["official"], report, now=datetime(2026, 5, 28, 16, 30, tzinfo=UTC))
    session.commit()
    late = reports.late_units(
        w["supervisor"], "five_implementations", "2026-05", today=date(2026, 6, 1)
    )
    assert w["department"].id in {row["unit_id"] for row in late}


def test_enterprises_that_have_not_submitted_their_statistics(session, reports_world):
    w = reports_world
    report = reports.generate_draft(w["principal"], kind="hazard_statistics", period="2026-Q1")
    reports.submit(w["principal"], report)
    session.commit()
    missing = reports.not_submitted(w["supervisor"], "hazard_statistics", "2026-Q1")
    names = {row["unit_name"] for row in missing}
    assert w["chem"].name not in names
    assert {w["trade"].name, w["chem_west"].name} <= names
    assert w["chem_away"].name not in names  # another district's
