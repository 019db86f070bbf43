"""The enterprise's 16号令 statistics in the portal: the safety manager prepares the draft, the
principal signs and submits it."""

from backend.core.timeutil import today_in_shanghai
from backend.models import Report
from backend.reports.periods import statistics_period_due_next
from tests.backend.web.test_pages import csrf_from, log_in, text


def test_the_manager_drafts_and_the_principal_submits(client, session, reports_world):
    w = reports_world
    period = statistics_period_due_next(today_in_shanghai())[0]
    assert log_in(client, "portal", w["manager"]).status_code in (302, 303)
    page = client.get("/portal/reports")
    assert page.status_code == 200
    assert f'data-period="{period.code}"' in text(page)
    token = csrf_from(client, "/portal/reports")
    drafted = client.post(
        "/portal/reports/draft", data={"csrf_token": token, "period": period.code}
    )
    assert drafted.status_code in (302, 303)
    report = session.query(Report).filter_by(enterprise_id=w["chem"].id).one()
    assert report.state == "draft"
    page = text(client.get("/portal/reports"))
    assert "主要负责人签字并报送" not in page
    refused = client.post(f"/portal/reports/{report.id}/submit", data={"csrf_token": token})
    assert refused.status_code == 403
    bad = client.post("/portal/reports/draft", data={"csrf_token": token, "period": "2026-13"})
    assert bad.status_code == 422

    client.post("/portal/logout", data={"csrf_token": token})
    assert log_in(client, "portal", w["principal"]).status_code in (302, 303)
    token = csrf_from(client, "/portal/reports")
    assert "主要负责人签字并报送" in text(client.get("/portal/reports"))
    submitted = client.post(f"/portal/reports/{report.id}/submit", data={"csrf_token": token})
    assert submitted.status_code in (302, 303)
    session.refresh(report)
    assert report.state == "submitted" and report.submitted_by_id == w["principal"].id
    workbook = client.get(f"/portal/reports/{report.id}/workbook.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


def test_the_enterprise_reads_its_five_implementation_facts(client, session, reports_world):
    from datetime import timedelta

    from backend.reports.services import record_five_implementations

    w = reports_world
    posted = today_in_shanghai() - timedelta(days=3)
    log_in(client, "portal", w["manager"])
    assert 'id="chart-posted-on">尚未登记<' in text(client.get("/portal/reports"))
    record_five_implementations(w["official"], w["chem"].id, chart_posted_on=posted)
    session.commit()

    page = text(client.get("/portal/reports"))

    assert f'id="chart-posted-on">{posted.isoformat()}<' in page
    assert 'id="completed-on">尚未登记<' in page
    assert "<form" not in page.split('id="five-implementations"')[1].split("</div>")[0]
