"""自查、自改、自报: hazards an enterprise finds itself are rectified and closed (销号) by its
safety managers, counted as self-reported, and spot-checked by officials who may reopen them.

Sources: 方案4 L141 (seed 000) "形成完整的自查、自改和自报机制"; 方案4 L140 enterprises
自查隐患、上报隐患、整改隐患 and 接受监督指导; 青安委〔2024〕2号 item 31 (seed 004 L56) the
safety managers 现场核验, 对整改质量进行评估确认, 销号, 返工; 16号令 第十五条 a general hazard
is rectified at once by the unit's own people; 16号令 第十四条 and 青安委〔2024〕2号 item 21
(seed 004 L44) a major hazard is reported to the authorities (so its close-out stays with
officials); 方案4 L143 self-reporting is weighed.
"""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from backend.core.timeutil import today_in_shanghai
from tests.backend.fixtures.hazards import SHA_A, SHA_B, SHA_C, act
from tests.backend.web.test_pages import log_in


def _later(days: int) -> str:
    return (today_in_shanghai() + timedelta(days=days)).isoformat()


def _run_inspection(client, headers, enterprise, kind, note="未公示安全生产责任制") -> dict:
    """Runs a duty31 inspection of `kind` with its first item failed; returns the hazard."""
    listed = client.get(
        f"/api/v1/enterprises/{enterprise.id}/checklists?kind={kind}", headers=headers
    ).json
    version_id = {entry["code"]: entry for entry in listed}["duty31"]["id"]
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    started = client.post(
        "/api/v1/inspections",
        json={"enterprise_id": enterprise.id, "checklist_version_id": version_id, "kind": kind},
        headers=headers,
    )
    assert started.status_code == 201, started.json
    inspection_id = started.json["id"]
    codes = [item["code"] for section in content["sections"] for item in section["items"]]
    for code in codes:
        body = {"result": "fail", "note": note} if code == codes[0] else {"result": "pass"}
        url = f"/api/v1/inspections/{inspection_id}/findings/{code}"
        assert client.put(url, json=body, headers=headers).status_code == 200
    finished = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert finished.status_code == 200, finished.json
    (hazard,) = finished.json["hazards"]
    return hazard


def _rectify(client, headers, hazard_id, photo=SHA_A) -> None:
    for action, body in (
        ("start_rectification", {"plan": {"owner": "王五（安全员）"}}),
        ("submit", {"photos": [photo], "note": "责任制已上墙公示"}),
    ):
        response = act(client, headers, hazard_id, action, **body)
        assert response.status_code == 200, (action, response.json)


def _history(client, headers, hazard_id) -> list[dict]:
    return client.get(f"/api/v1/hazards/{hazard_id}/history", headers=headers).json


# --- 自查 → 自改 → 销号, through the API ------------------------------------------------------


def test_the_enterprise_closes_what_its_self_inspection_found(client, world):
    """方案4 L141 自查、自改; 青安委〔2024〕2号 item 31: the safety managers 核验 the rectification,
    assess its quality, send it back (返工) when it falls short, and 销号 it when it is right."""
    manager = world["headers"]["manager"]
    hazard = _run_inspection(client, manager, world["enterprises"]["ent"], "self_inspection")
    assert hazard["self_reported"] is True and hazard["grade"] == "general"
    hazard_id = hazard["id"]
    _rectify(client, manager, hazard_id)
    sent_back = act(client, manager, hazard_id, "reject", note="公示内容缺少岗位职责")
    assert sent_back.status_code == 200 and sent_back.json["status"] == "rectifying"
    resubmitted = act(client, manager, hazard_id, "submit", photos=[SHA_B], note="已补充")
    assert resubmitted.status_code == 200
    no_assessment = act(client, manager, hazard_id, "verify")
    assert no_assessment.status_code == 422
    assert no_assessment.json["errors"][0]["field"] == "note"
    closed = act(client, manager, hazard_id, "verify", note="现场核验：公示完整，整改质量合格")
    assert closed.status_code == 200, closed.json
    body = closed.json
    assert body["status"] == "closed" and body["closed_at"] is not None
    assert body["closed_by_enterprise"] is True
    last = _history(client, world["headers"]["supervisor"], hazard_id)[-1]
    assert (last["action"], last["actor_role"]) == ("verify", "enterprise_manager")
    assert last["actor_id"] == world["users"]["manager"].id
    assert last["note"] == "现场核验：公示完整，整改质量合格"
    assert last["payload"] == {"closure": "enterprise"}


def test_what_a_supervision_inspection_found_stays_with_officials(client, world):
    """Only what the enterprise found itself is its own to close (方案4 L141 自查、自改)."""
    inspector, manager = world["headers"]["inspector"], world["headers"]["manager"]
    hazard = _run_inspection(client, inspector, world["enterprises"]["ent"], "supervision")
    assert hazard["self_reported"] is False
    _rectify(client, manager, hazard["id"])
    refused = act(client, manager, hazard["id"], "verify", note="自行核验")
    assert refused.status_code == 403
    assert act(client, manager, hazard["id"], "reject", note="返工").status_code == 403
    verified = act(client, inspector, hazard["id"], "verify", note="核验合格")
    assert verified.status_code == 200
    assert verified.json["closed_by_enterprise"] is False


# --- who may close (销号) a self-found hazard ------------------------------------------------


@pytest.mark.parametrize("action", ["verify", "reject"])
def test_who_may_close_or_send_back_a_self_found_general_hazard(client, world, make_hazard, action):
    """青安委〔2024〕2号 item 31: the enterprise's safety managers (not its viewer, not another
    enterprise); officials in scope keep the right to verify; nobody outside scope sees it."""
    expected = {
        "manager": 200,
        "inspector": 200,
        "supervisor": 200,
        "viewer": 403,
        "admin": 403,
        "manager2": 404,
        "other_manager": 404,
        "other_inspector": 404,
        "other_supervisor": 404,
    }
    for role, status in expected.items():
        hazard = make_hazard("submitted", self_reported=True)
        response = act(client, world["headers"][role], hazard, action, note="核验意见")
        assert response.status_code == status, (role, response.json)


def test_a_self_found_major_hazard_is_verified_by_officials(client, world, make_hazard):
    """16号令 第十四条 / 青安委〔2024〕2号 item 21: a major hazard is reported to the authorities;
    no source gives its close-out to the enterprise."""
    hazard = make_hazard("submitted", grade="major", self_reported=True)
    manager = world["headers"]["manager"]
    assert act(client, manager, hazard, "verify", note="自行核验").status_code == 403
    assert act(client, manager, hazard, "reject", note="返工").status_code == 403
    verified = act(client, world["headers"]["inspector"], hazard, "verify", note="核验合格")
    assert verified.status_code == 200 and verified.json["closed_by_enterprise"] is False


def test_the_enterprise_may_not_close_a_hazard_an_official_found(client, world, make_hazard):
    hazard = make_hazard("submitted")
    response = act(client, world["headers"]["manager"], hazard, "verify", note="自行核验")
    assert response.status_code == 403
    assert response.json["detail"] == "The role enterprise_manager may not verify a hazard."


# --- spot-check and reopen ------------------------------------------------------------------------


def _enterprise_closed(client, world, make_hazard, **fields):
    hazard = make_hazard("submitted", self_reported=True, **fields)
    closed = act(client, world["headers"]["manager"], hazard, "verify", note="核验合格")
    assert closed.status_code == 200 and closed.json["closed_by_enterprise"] is True
    return hazard


def test_an_official_in_scope_reopens_an_enterprise_close_out(client, world, make_hazard):
    """方案4 L140 接受监督指导: officials spot-check the enterprise's own close-outs. Reopening
    needs a reason, goes back to rectifying, keeps the old deadline unless a new one is named,
    and is recorded in the hazard's history."""
    old_due = today_in_shanghai() + timedelta(days=2)
    hazard = _enterprise_closed(client, world, make_hazard, due_on=old_due)
    for role, status in (
        ("manager", 403),
        ("viewer", 403),
        ("other_inspector", 404),
        ("other_manager", 404),
    ):
        response = act(client, world["headers"][role], hazard, "reopen", note="抽查")
        assert response.status_code == status, role
    inspector = world["headers"]["inspector"]
    no_reason = act(client, inspector, hazard, "reopen")
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "note"
    reopened = act(client, inspector, hazard, "reopen", note="抽查发现：报警器仍未联动")
    assert reopened.status_code == 200, reopened.json
    body = reopened.json
    assert body["status"] == "rectifying" and body["due_on"] == old_due.isoformat()
    assert body["closed_at"] is None
    assert body["closed_by_enterprise"] is False
    last = _history(client, world["headers"]["manager"], hazard.id)[-1]
    assert (last["action"], last["actor_role"]) == ("reopen", "inspector")
    assert (last["from_status"], last["to_status"]) == ("closed", "rectifying")
    assert last["note"] == "抽查发现：报警器仍未联动"
    assert last["payload"] == {"spot_check": True}


def test_after_a_spot_check_found_it_wrong_an_official_verifies(
    app, client, world, make_hazard, monkeypatch
):
    """Local policy (HAZARD_REOPENED_VERIFIED_BY_OFFICIALS): once an official reopened the
    enterprise's close-out, the enterprise no longer closes that hazard itself."""
    hazard = _enterprise_closed(client, world, make_hazard)
    headers = world["headers"]
    assert act(client, headers["inspector"], hazard, "reopen", note="抽查不合格").status_code == 200
    assert act(client, headers["manager"], hazard, "submit", photos=["d" * 64]).status_code == 200
    again = act(client, headers["manager"], hazard, "verify", note="已复查")
    assert again.status_code == 403, again.json
    verified = act(client, headers["inspector"], hazard, "verify", note="现场核验合格")
    assert verified.status_code == 200 and verified.json["closed_by_enterprise"] is False
    monkeypatch.setitem(app.config, "HAZARD_REOPENED_VERIFIED_BY_OFFICIALS", False)
    other = _enterprise_closed(client, world, make_hazard)
    act(client, headers["inspector"], other, "reopen", note="抽查")
    act(client, headers["manager"], other, "submit", photos=["d" * 64])
    assert act(client, headers["manager"], other, "verify", note="复查合格").status_code == 200


def test_a_spot_check_may_set_a_new_deadline(client, world, make_hazard):
    hazard = _enterprise_closed(client, world, make_hazard)
    new_due = _later(10)
    reopened = act(
        client, world["headers"]["supervisor"], hazard, "reopen", note="抽查不合格", due_on=new_due
    )
    assert reopened.status_code == 200 and reopened.json["due_on"] == new_due
    last = _history(client, world["headers"]["supervisor"], hazard.id)[-1]
    assert last["due_on_after"] == new_due


def test_an_official_close_out_is_still_reopened_by_supervisors_only(client, world, make_hazard):
    hazard = make_hazard("submitted")
    assert act(client, world["headers"]["inspector"], hazard, "verify").status_code == 200
    assert act(client, world["headers"]["inspector"], hazard, "reopen", note="x").status_code == 403
    assert (
        act(client, world["headers"]["supervisor"], hazard, "reopen", note="x").status_code == 200
    )


def test_officials_find_the_enterprise_close_outs_to_spot_check(client, world, make_hazard):
    spot = _enterprise_closed(client, world, make_hazard)
    make_hazard("closed")
    make_hazard("reported", self_reported=True)
    listed = client.get(
        "/api/v1/hazards?closed_by_enterprise=true", headers=world["headers"]["inspector"]
    )
    assert [hazard["id"] for hazard in listed.json] == [spot.id]
    self_found = client.get(
        "/api/v1/hazards?self_reported=true", headers=world["headers"]["viewer"]
    )
    assert len(self_found.json) == 2


# --- 自报: a report outside any checklist, and 立查立改 -------------------------------------------


def _report(client, headers, enterprise, **body):
    payload = {
        "enterprise_id": enterprise.id,
        "title": "配电箱未接地",
        "description": "二车间配电箱外壳无接地线",
        "location": "二车间东侧配电箱",
        "grade": "general",
        "photos": [SHA_A],
        "due_on": _later(5),
        **body,
    }
    return client.post("/api/v1/hazards", json=payload, headers=headers)


def test_an_enterprise_reports_a_hazard_outside_any_checklist(client, world):
    """方案4 L140 自查隐患、上报隐患: the safety manager reports what the enterprise found."""
    ent = world["enterprises"]["ent"]
    response = _report(client, world["headers"]["manager"], ent)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["self_reported"] is True and body["status"] == "reported"
    assert body["location"] == "二车间东侧配电箱"
    assert body["description"] == "二车间配电箱外壳无接地线"
    assert body["inspection_id"] is None and body["finding_id"] is None
    (entry,) = _history(client, world["headers"]["inspector"], body["id"])
    assert entry["action"] == "report" and entry["actor_role"] == "enterprise_manager"
    assert entry["photos"] == [SHA_A]
    by_official = _report(client, world["headers"]["inspector"], ent)
    assert by_official.json["self_reported"] is False


def test_who_may_report_for_an_enterprise(client, world):
    ent = world["enterprises"]["ent"]
    assert _report(client, world["headers"]["viewer"], ent).status_code == 403
    assert _report(client, world["headers"]["manager2"], ent).status_code == 404
    assert _report(client, world["headers"]["other_manager"], ent).status_code == 404
    assert _report(client, world["headers"]["other_inspector"], ent).status_code == 404
    too_long = _report(client, world["headers"]["manager"], ent, location="处" * 501)
    assert too_long.status_code == 422
    assert "location" in str(too_long.json["errors"])


def test_a_self_reported_major_hazard_goes_to_the_officials(client, world):
    """16号令 第十四条: the enterprise reports its major hazard; officials verify its close-out."""
    response = _report(
        client, world["headers"]["manager"], world["enterprises"]["ent"], grade="major"
    )
    assert response.status_code == 201
    assert response.json["self_reported"] is True and response.json["grade"] == "major"


def test_the_enterprise_fixes_a_general_hazard_on_the_spot(client, world):
    """16号令 第十五条: a general hazard is rectified at once by the unit's own people (立查立改),
    with photos from before and after; the close-out is the enterprise's and may be reopened."""
    ent, manager = world["enterprises"]["ent"], world["headers"]["manager"]
    fixed = _report(client, manager, ent, due_on=None, fixed_on_spot=True, after_photos=[SHA_B])
    assert fixed.status_code == 201, fixed.json
    body = fixed.json
    assert body["status"] == "closed" and body["fixed_on_spot"] is True
    assert body["self_reported"] is True and body["closed_by_enterprise"] is True
    history = _history(client, manager, body["id"])
    assert history[-1]["actor_id"] == world["users"]["manager"].id
    assert [(e["action"], e["photos"]) for e in history] == [
        ("report", [SHA_A]),
        ("fix_on_spot", [SHA_B]),
    ]
    reopened = act(client, world["headers"]["inspector"], body["id"], "reopen", note="抽查未接地")
    assert reopened.status_code == 200 and reopened.json["status"] == "rectifying"


def test_on_the_spot_fixing_by_the_enterprise_keeps_the_rules(client, world):
    ent = world["enterprises"]["ent"]
    manager = world["headers"]["manager"]
    no_after = _report(client, manager, ent, fixed_on_spot=True)
    assert no_after.status_code == 422 and no_after.json["errors"][0]["field"] == "after_photos"
    major = _report(client, manager, ent, grade="major", fixed_on_spot=True, after_photos=[SHA_C])
    assert major.status_code == 422 and major.json["errors"][0]["field"] == "fixed_on_spot"
    viewer = _report(
        client, world["headers"]["viewer"], ent, fixed_on_spot=True, after_photos=[SHA_C]
    )
    assert viewer.status_code == 403


# --- statistics: self-reported hazards counted apart (方案4 L143) ---------------------------------


def test_statistics_count_the_self_reported_hazards(client, world, make_hazard):
    """方案4 L143: enterprises that do not self-report are inspected more strictly, those that do
    are preferred — so the 16号令 第十四条 table, the supervisors' statistics and the ledger show
    the self-reported hazards apart."""
    ent = world["enterprises"]["ent"]
    manager = world["headers"]["manager"]
    own = _report(client, manager, ent, due_on=None, fixed_on_spot=True, after_photos=[SHA_B])
    _report(client, manager, ent, grade="major")
    _report(client, world["headers"]["inspector"], ent)
    _run_inspection(client, manager, ent, "self_inspection")
    year = today_in_shanghai().year
    quarter = (today_in_shanghai().month - 1) // 3 + 1
    url = f"/api/v1/enterprises/{ent.id}/hazard-statistics?year={year}&quarter={quarter}"
    table = client.get(url, headers=world["headers"]["viewer"]).json
    assert (table["found"], table["self_reported"], table["major"]) == (4, 3, 1)
    stats = client.get("/api/v1/hazards/stats", headers=world["headers"]["supervisor"]).json
    assert stats["totals"]["total"] == 4 and stats["totals"]["self_reported"] == 3
    (industry,) = stats["by_industry"]
    assert industry["self_reported"] == 3
    ledger = client.get("/api/v1/hazards/export.csv", headers=world["headers"]["supervisor"])
    text = ledger.get_data(as_text=True).lstrip("\ufeff")
    rows = {row["隐患编号"]: row for row in csv.DictReader(io.StringIO(text))}
    row = rows[own.json["id"]]
    assert row["自查自报"] == "是" and row["企业自行销号"] == "是"
    assert row["隐患部位"] == "二车间东侧配电箱"


def test_the_board_shows_the_self_reported_count(client, world):
    _report(client, world["headers"]["manager"], world["enterprises"]["ent"])
    _report(client, world["headers"]["manager"], world["enterprises"]["ent"])
    log_in(client, "board", world["users"]["supervisor"])
    page = client.get("/board/").get_data(as_text=True)
    assert '<strong id="self-reported-total">2</strong>企业自查自报' in page


def test_the_quarterly_table_has_a_self_reported_line(client, world):
    ent = world["enterprises"]["ent"]
    _report(client, world["headers"]["manager"], ent)
    url = f"/api/v1/enterprises/{ent.id}/hazard-statistics.xlsx"
    response = client.get(url, headers=world["headers"]["manager"])
    sheet = load_workbook(io.BytesIO(response.data))["统计分析表"]
    rows = [row for row in sheet.values if row and row[0] == "排查发现隐患数"]
    (titles,) = rows
    values = list(sheet.values)[list(sheet.values).index(titles) + 1]
    figures = dict(zip(titles, values, strict=True))
    assert figures["其中：自查自报隐患"] == 1
