"""The board for a department official (管行业必须管安全): its department's enterprises only —
the queues, the overdue list, a hazard's page, the statistics — and not the bureau's own
procedures (credit, blacklist, 双公示, grid workers, reports received), which answer 403."""

import re
from datetime import timedelta

import pytest

from backend.core.timeutil import today_in_shanghai
from backend.hazards import services as hazards
from tests.backend.web.test_pages import csrf_from, log_in, text

BUREAU_PAGES = ("/board/credit", "/board/blacklist", "/board/patrols", "/board/reports")


@pytest.fixture
def hazard_in(session, grids_world):
    """A hazard at an enterprise, reported by the district's inspector, put into `status` and
    given a deadline `due_in_days` from today (negative: overdue)."""

    def make(enterprise, title, status="rectifying", due_in_days=-3):
        hazard = hazards.report_hazard(
            grids_world["inspector"],
            enterprise_id=enterprise.id,
            title=title,
            due_on=today_in_shanghai() + timedelta(days=10),
        )
        hazard.status = status
        hazard.due_on = today_in_shanghai() + timedelta(days=due_in_days)
        session.commit()
        return hazard

    return make


def _count(page: str, name: str) -> int:
    return int(re.search(rf'id="queue-{name}">(\d+)<', page).group(1))


def test_a_department_official_sees_its_departments_hazards_only(client, grids_world, hazard_in):
    w = grids_world
    hazard_in(w["chem"], "危化逾期")
    hazard_in(w["trade"], "工贸待核验", status="submitted", due_in_days=5)
    hazard_in(w["fireworks"], "烟花逾期")  # same grid, an industry not the department's
    hazard_in(w["fireworks"], "烟花待核验", status="submitted", due_in_days=5)
    hazard_in(w["chem_west"], "西镇危化逾期")  # the department's industry, another town

    assert log_in(client, "board", w["official"]).status_code == 302
    page = client.get("/board/")

    assert page.status_code == 200
    body = text(page)
    assert "危化逾期" in body and "工贸待核验" in body
    for absent in ("东一烟花", "烟花逾期", "烟花待核验", "西一化工", "西镇危化逾期"):
        assert absent not in body
    assert _count(body, "awaiting") == 1 and _count(body, "extensions") == 0
    overdue = re.findall(r'class="od" data-hazard-id="([0-9a-f]+)"', body)
    assert len(overdue) == 1 and "共 1 项" in body
    # The bureau's queues and links are not shown to a department.
    for hidden in ("queue-credit", "queue-blacklist", "queue-publication", "to-patrols"):
        assert f'id="{hidden}"' not in body
    assert 'id="to-reports"' not in body and 'id="to-enterprises"' in body


def test_the_statistics_of_a_department_are_those_of_its_enterprises(
    client, grids_world, hazard_in, auth_header
):
    w = grids_world
    mine = hazard_in(w["chem"], "危化逾期")
    hazard_in(w["fireworks"], "烟花逾期")
    log_in(client, "board", w["official"])

    stats = client.get("/api/v1/hazards/stats", headers=auth_header(w["official"]))

    assert stats.status_code == 200
    assert stats.json["totals"]["total"] == 1 and stats.json["totals"]["overdue"] == 1
    assert {row["industry"] for row in stats.json["by_industry"]} == {"hazardous_chemicals"}
    assert f'data-hazard-id="{mine.id}"' in text(client.get("/board/"))
    assert client.get("/board/ledger.xlsx").status_code == 200


def test_a_hazard_outside_the_department_is_not_found(client, grids_world, hazard_in):
    w = grids_world
    fireworks = hazard_in(w["fireworks"], "烟花逾期")
    west = hazard_in(w["chem_west"], "西镇危化逾期")
    log_in(client, "board", w["official"])

    assert client.get(f"/board/hazards/{fireworks.id}").status_code == 404
    assert client.get(f"/board/hazards/{west.id}").status_code == 404
    assert client.get(f"/board/enterprises/{w['fireworks'].id}").status_code == 404
    token = csrf_from(client, "/board/")
    acted = client.post(
        f"/board/hazards/{fireworks.id}/actions", data={"csrf_token": token, "action": "verify"}
    )
    assert acted.status_code == 404


def test_a_department_official_verifies_as_the_hazard_service_allows(
    client, grids_world, hazard_in
):
    w = grids_world
    submitted = hazard_in(w["chem"], "危化待核验", status="submitted", due_in_days=5)
    asked = hazard_in(w["trade"], "工贸延期", due_in_days=5)
    asked.extension_requested_due_on = today_in_shanghai() + timedelta(days=30)
    log_in(client, "board", w["official"])

    page = text(client.get(f"/board/hazards/{submitted.id}"))
    assert 'id="do-verify"' in page and 'id="do-reject"' in page
    # Extensions are the supervisor's (hazards/workflow.py TRANSITIONS): no button, and 403.
    assert 'id="do-approve_extension"' not in text(client.get(f"/board/hazards/{asked.id}"))
    token = csrf_from(client, "/board/")
    refused = client.post(
        f"/board/hazards/{asked.id}/actions",
        data={"csrf_token": token, "action": "approve_extension", "note": "同意"},
    )
    assert refused.status_code == 403
    verified = client.post(
        f"/board/hazards/{submitted.id}/actions",
        data={"csrf_token": token, "action": "verify", "note": "合格"},
    )
    assert verified.status_code == 302
    assert 'data-status="closed"' in text(client.get(f"/board/hazards/{submitted.id}"))


@pytest.mark.parametrize("path", BUREAU_PAGES)
def test_the_bureaus_pages_answer_403_to_a_department(client, grids_world, path):
    log_in(client, "board", grids_world["official"])

    refused = client.get(path)

    assert refused.status_code == 403
    assert "行业主管部门人员不能使用" in text(refused)


def test_the_bureaus_actions_answer_403_to_a_department(client, grids_world):
    log_in(client, "board", grids_world["official"])
    token = csrf_from(client, "/board/")

    for path in ("/board/credit/x", "/board/penalty-decisions/x/publication"):
        refused = client.post(path, data={"csrf_token": token, "action": "review"})
        assert refused.status_code == 403, path


def test_the_certification_rate_counts_the_departments_enterprises(
    client, grids_world, auth_header
):
    w = grids_world

    rate = client.get(
        f"/api/v1/jurisdictions/{w['town'].id}/certification",
        headers=auth_header(w["official"]),
    ).json

    # No one registered yet: both of the department's enterprises fall below the target.
    assert rate["enterprises"] == 2
    assert {row["enterprise_name"] for row in rate["below_target"]} == {"东一化工", "东一机械"}
    log_in(client, "board", w["official"])
    page = text(client.get("/board/enterprises"))
    assert "东一化工" in page and "东一烟花" not in page and "西一化工" not in page


def test_a_supervisors_board_still_shows_every_queue(client, grids_world, hazard_in):
    w = grids_world
    hazard_in(w["fireworks"], "烟花逾期")
    log_in(client, "board", w["supervisor"])

    body = text(client.get("/board/"))

    assert "烟花逾期" in body
    for shown in ("queue-credit", "queue-blacklist", "queue-publication", "to-patrols"):
        assert f'id="{shown}"' in body
    assert client.get("/board/patrols").status_code == 200
