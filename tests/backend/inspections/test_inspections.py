import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.checklists.services import publish
from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai
from backend.models import ChecklistVersion, Hazard
from checklists.loader import SAMPLES_DIR, load_checklist, shipped_checklists


@pytest.fixture
def site(make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    other = make_jurisdiction()
    chemical = make_enterprise(street, industry="hazardous_chemicals", scale="above_scale")
    elsewhere = make_enterprise(other, industry="hazardous_chemicals")
    inspector = make_user("inspector", jurisdiction=street)
    manager = make_user("enterprise_manager", enterprise=chemical)
    return {
        "chemical": chemical,
        "elsewhere": elsewhere,
        "inspector": inspector,
        "inspector_headers": auth_header(inspector),
        "manager_headers": auth_header(manager),
        "other_manager_headers": auth_header(make_user("enterprise_manager", enterprise=elsewhere)),
        "supervisor_other_headers": auth_header(make_user("supervisor", jurisdiction=other)),
    }


def _checklists(client, enterprise, headers, kind=None):
    query = f"?kind={kind}" if kind else ""
    response = client.get(f"/api/v1/enterprises/{enterprise.id}/checklists{query}", headers=headers)
    assert response.status_code == 200, response.json
    return {entry["code"]: entry for entry in response.json}


def _start(client, site, version_id, kind="supervision", headers=None):
    return client.post(
        "/api/v1/inspections",
        json={
            "enterprise_id": site["chemical"].id,
            "checklist_version_id": version_id,
            "kind": kind,
            "latitude": 22.8,
            "longitude": 108.3,
        },
        headers=headers or site["inspector_headers"],
    )


def _answer_all(client, headers, inspection_id, content, failures=(), photos=None):
    for section in content["sections"]:
        for item in section["items"]:
            result = "fail" if item["code"] in failures else "pass"
            body = {"result": result, "note": f"{item['code']} 检查"}
            if photos and item["code"] in photos:
                body["photos"] = photos[item["code"]]
            response = client.put(
                f"/api/v1/inspections/{inspection_id}/findings/{item['code']}",
                json=body,
                headers=headers,
            )
            assert response.status_code == 200, response.json


def test_chemical_enterprise_gets_its_checklists(client, site):
    codes = _checklists(client, site["chemical"], site["inspector_headers"])
    assert {"duty31", "wuluoshi", "major_hazard_chemicals"} <= set(codes)
    assert "major_hazard_fireworks" not in codes
    assert codes["duty31"]["item_count"] == 31
    assert codes["major_hazard_chemicals"]["item_count"] == 20


def test_checklist_version_has_strong_etag_and_304(client, site):
    codes = _checklists(client, site["chemical"], site["inspector_headers"])
    version_id = codes["major_hazard_chemicals"]["id"]
    url = f"/api/v1/checklists/{version_id}"
    first = client.get(url, headers=site["inspector_headers"])
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag == f'"{first.json["content_hash"]}"' and not etag.startswith("W/")
    assert "immutable" in first.headers["Cache-Control"]
    assert len(first.json["content"]["sections"][0]["items"]) == 20
    again = client.get(url, headers={**site["inspector_headers"], "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stale = client.get(url, headers={**site["inspector_headers"], "If-None-Match": '"old"'})
    assert stale.status_code == 200


def test_unknown_checklist_version_is_404(client, site):
    response = client.get("/api/v1/checklists/nope.1.abc", headers=site["inspector_headers"])
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MIME


def test_inspection_with_two_failed_items_scores_and_reports_two_major_hazards(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["major_hazard_chemicals"]["id"]
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    started = _start(client, site, version_id)
    assert started.status_code == 201, started.json
    inspection_id = started.json["id"]
    items = [item["code"] for item in content["sections"][0]["items"]]
    failed = items[:2]
    photos = {code: [f"{number}" * 64] for number, code in enumerate(failed, start=1)}
    _answer_all(client, headers, inspection_id, content, failures=failed, photos=photos)
    finished = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert finished.status_code == 200, finished.json
    body = finished.json
    assert body["inspection"]["status"] == "finished"
    assert body["inspection"]["score"] == 90.0  # 18 of 20 equal weights
    assert body["inspection"]["eligibility"] is None  # an inspection is scored, not graded
    assert sorted(h["item_code"] for h in body["hazards"]) == sorted(failed)
    assert {h["grade"] for h in body["hazards"]} == {"major"}
    item_days = content["sections"][0]["items"][0]["rectification_days"]
    expected_due = (today_in_shanghai() + timedelta(days=item_days)).isoformat()
    assert body["hazards"][0]["due_on"] == expected_due
    listed = client.get(f"/api/v1/hazards?enterprise_id={site['chemical'].id}", headers=headers)
    assert len(listed.json) == 2
    # The enterprise sees its own hazards too.
    own = client.get("/api/v1/hazards", headers=site["manager_headers"])
    assert {h["id"] for h in own.json} == {h["id"] for h in body["hazards"]}
    assert client.get("/api/v1/hazards", headers=site["other_manager_headers"]).json == []


def test_na_items_leave_the_base_and_due_on_override(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["duty31"]["id"]
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    inspection_id = _start(client, site, version_id).json["id"]
    codes = [item["code"] for section in content["sections"] for item in section["items"]]
    due = (today_in_shanghai() + timedelta(days=3)).isoformat()
    for index, code in enumerate(codes):
        body = {"result": "pass"}
        if index < 21:
            body = {"result": "na"}
        elif index == 21:
            body = {"result": "fail", "due_on": due, "note": "制度未公开"}
        url = f"/api/v1/inspections/{inspection_id}/findings/{code}"
        assert client.put(url, json=body, headers=headers).status_code == 200
    finished = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert finished.json["inspection"]["score"] == 90.0  # 9 of the 10 answered pass/fail
    # Seed 003's 90 is a floor of the 创建大纲, not a label of duty31 (it read 可新申报一级).
    assert finished.json["inspection"]["eligibility"] is None
    assert "band_code" not in finished.json["inspection"]
    (hazard,) = finished.json["hazards"]
    assert hazard["due_on"] == due
    assert hazard["grade"] == "general"
    assert hazard["description"] == "制度未公开"


def test_finish_refuses_unanswered_items_and_changes_after_finish(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["wuluoshi"]["id"]
    inspection_id = _start(client, site, version_id).json["id"]
    early = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert early.status_code == 422
    assert early.json["errors"][0]["field"] == "findings"
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    _answer_all(client, headers, inspection_id, content)
    done = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert done.status_code == 200
    assert done.json["hazards"] == []
    code = content["sections"][0]["items"][0]["code"]
    late = client.put(
        f"/api/v1/inspections/{inspection_id}/findings/{code}",
        json={"result": "fail"},
        headers=headers,
    )
    assert late.status_code == 409
    again = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert again.status_code == 409


def test_unknown_item_and_past_deadline_are_refused(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["duty31"]["id"]
    inspection_id = _start(client, site, version_id).json["id"]
    url = f"/api/v1/inspections/{inspection_id}/findings"
    unknown = client.put(f"{url}/X99", json={"result": "pass"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "item_code"
    yesterday = (today_in_shanghai() - timedelta(days=1)).isoformat()
    past = client.put(f"{url}/D01", json={"result": "fail", "due_on": yesterday}, headers=headers)
    assert past.status_code == 422
    assert past.json["errors"][0]["field"] == "due_on"
    bad_result = client.put(f"{url}/D01", json={"result": "maybe"}, headers=headers)
    assert bad_result.status_code == 422
    assert bad_result.json["errors"][0]["field"] == "result"


def test_inspector_cannot_inspect_outside_jurisdiction(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["duty31"]["id"]
    response = client.post(
        "/api/v1/inspections",
        json={
            "enterprise_id": site["elsewhere"].id,
            "checklist_version_id": version_id,
            "kind": "supervision",
        },
        headers=headers,
    )
    assert response.status_code == 404
    assert response.json["errors"][0]["field"] == "enterprise_id"
    listing = client.get(f"/api/v1/enterprises/{site['elsewhere'].id}/checklists", headers=headers)
    assert listing.status_code == 404


def test_roles_and_kinds(client, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["duty31"]["id"]
    assert _start(client, site, version_id, kind="self_inspection").status_code == 403
    manager = site["manager_headers"]
    assert _start(client, site, version_id, headers=manager).status_code == 403
    own = _start(client, site, version_id, kind="self_inspection", headers=manager)
    assert own.status_code == 201
    # The inspector sees the enterprise's self-inspection but may not answer it.
    inspection_id = own.json["id"]
    assert client.get(f"/api/v1/inspections/{inspection_id}", headers=headers).status_code == 200
    answer = client.put(
        f"/api/v1/inspections/{inspection_id}/findings/D01",
        json={"result": "pass"},
        headers=headers,
    )
    assert answer.status_code == 403
    outsider = client.get(
        f"/api/v1/inspections/{inspection_id}", headers=site["supervisor_other_headers"]
    )
    assert outsider.status_code == 404


def test_content_change_makes_a_new_version_and_old_inspections_keep_theirs(client, session, site):
    headers = site["inspector_headers"]
    old_id = _checklists(client, site["chemical"], headers)["wuluoshi"]["id"]
    inspection_id = _start(client, site, old_id).json["id"]
    original = next(c for c in shipped_checklists() if c.code == "wuluoshi")
    first_section = original.sections[0]
    first_item = first_section.items[0]
    from dataclasses import replace

    changed_item = replace(first_item, text=first_item.text + "（修订）")
    changed = replace(
        original,
        sections=(replace(first_section, items=(changed_item, *first_section.items[1:])),)
        + original.sections[1:],
    )
    new_version, created = publish(changed)
    session.commit()
    assert created and new_version.id != old_id
    current = _checklists(client, site["chemical"], headers)["wuluoshi"]["id"]
    assert current == new_version.id
    old = session.get(ChecklistVersion, old_id)
    assert old is not None and not old.is_current
    inspection = client.get(f"/api/v1/inspections/{inspection_id}", headers=headers).json
    assert inspection["checklist_version_id"] == old_id
    old_content = client.get(f"/api/v1/checklists/{old_id}", headers=headers).json["content"]
    assert old_content["sections"][0]["items"][0]["text"] == first_item.text
    # The old inspection still finishes against its own version.
    _answer_all(client, headers, inspection_id, old_content)
    done = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert done.status_code == 200
    assert json.loads(old.content)["code"] == "wuluoshi"


def test_photo_required_items_need_evidence(client, session, site):
    headers = site["inspector_headers"]
    version_id = _checklists(client, site["chemical"], headers)["major_hazard_chemicals"]["id"]
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    items = content["sections"][0]["items"]
    needing = [item["code"] for item in items if item["photo_required_on_fail"]]
    assert needing, "the chemical standard's items require photo evidence when failed"
    code = needing[0]
    inspection_id = _start(client, site, version_id).json["id"]
    _answer_all(client, headers, inspection_id, content, failures=[code])
    refused = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["missing_photos"] == [code]
    client.put(
        f"/api/v1/inspections/{inspection_id}/findings/{code}",
        json={"result": "fail", "photos": ["a" * 64]},
        headers=headers,
    )
    done = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert done.status_code == 200
    hazard = session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
    assert hazard.item_code == code


def test_a_device_time_at_the_ends_of_the_calendar_is_a_422(client, site):
    version_id = _checklists(client, site["chemical"], site["inspector_headers"])["duty31"]["id"]
    response = client.post(
        "/api/v1/inspections",
        json={
            "enterprise_id": site["chemical"].id,
            "checklist_version_id": version_id,
            "kind": "supervision",
            "started_at": "0001-01-01T00:00:00+14:00",
        },
        headers=site["inspector_headers"],
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "started_at"


def test_the_checklist_list_says_what_each_checklist_is(client, site):
    codes = _checklists(client, site["chemical"], site["inspector_headers"])
    assert codes["wuluoshi"]["kind"] == "inspection"
    assert "参照" in codes["wuluoshi"]["title"] and "参照" in codes["wuluoshi"]["coverage_note"]
    assert codes["duty31"]["coverage_note"] is None


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ("none", ["qualified_eligible", "benchmark_eligible", "grade2_application_eligible"]),
        ("grade3", ["qualified_eligible", "benchmark_eligible", "grade2_application_eligible"]),
        ("grade2", ["qualified_eligible", "benchmark_eligible"]),
    ],
)
def test_a_standardisation_assessment_keeps_what_its_score_permits(
    client, site, session, held, expected
):
    sample = load_checklist(SAMPLES_DIR / "standardisation_outline_sample.yaml")
    version, _ = publish(sample)
    site["chemical"].standardisation_grade = held
    session.flush()
    headers = site["inspector_headers"]
    assert _checklists(client, site["chemical"], headers)[sample.code]["kind"] == (
        "standardisation_assessment"
    )
    content = client.get(f"/api/v1/checklists/{version.id}", headers=headers).json["content"]
    inspection_id = _start(client, site, version.id).json["id"]
    _answer_all(client, headers, inspection_id, content, failures=("S05",))
    finished = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert finished.status_code == 200, finished.json
    inspection = finished.json["inspection"]
    assert inspection["score"] == 80.0
    assert [statement["code"] for statement in inspection["eligibility"]] == expected
    assert "须经评审" in inspection["eligibility"][0]["label"]
    again = client.get(f"/api/v1/inspections/{inspection_id}", headers=headers)
    assert again.json["eligibility"] == inspection["eligibility"]
