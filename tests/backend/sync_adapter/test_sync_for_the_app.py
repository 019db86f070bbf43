"""What the inspector's offline app (issue 15) needs of sync: a scanned code resolves offline,
hazards reported on site and 立查立改 are pushed, the pulled records carry what the screens
show, refusals read in Chinese, a migrated schema is filled, and the pull travels gzipped."""

import gzip
import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard, HazardAction, Photo
from backend.safety_code import services as codes
from tests.backend.fixtures.sync import ids, pull, push

BEFORE, AFTER = "a" * 64, "b" * 64


def _hazards(*records, operation="created") -> dict:
    changes = {"hazards": {"created": [], "updated": [], "deleted": []}}
    changes["hazards"][operation] = list(records)
    return changes


def _report(enterprise, hazard_id="adhoc-1", **fields) -> dict:
    return {
        "id": hazard_id,
        "enterprise_id": str(enterprise.id),
        "title": "消防通道堆放杂物",
        "description": "二号车间东侧",
        "location": "二号车间",
        "grade": "general",
        "due_on": (today_in_shanghai() + timedelta(days=30)).isoformat(),
        "reported_at": 946_684_800_000,
        **fields,
    }


def _enterprise(changes, enterprise_id, operation="created") -> dict:
    (record,) = [r for r in changes["enterprises"][operation] if r["id"] == str(enterprise_id)]
    return record


def test_the_pulled_enterprise_carries_its_code_digest_and_a_new_code_is_sent(
    client, session, sync_world, device
):
    inside = sync_world["inside"]
    code = codes.current_code(inside)
    session.commit()
    headers = device(sync_world["inspector"], "phone")
    first = pull(client, headers)
    record = _enterprise(first["changes"], inside.id)
    assert record["safety_code_sha256"] == hashlib.sha256(code.token.encode()).hexdigest()
    assert code.token not in json.dumps(first)  # the capability itself never reaches a device

    new = codes.rotate_code(inside, sync_world["admin"])
    session.commit()
    second = pull(client, headers, first["timestamp"])
    updated = _enterprise(second["changes"], inside.id, "updated")
    assert updated["safety_code_sha256"] == codes.token_digest(new.token)


def test_the_pulled_records_carry_what_the_app_shows(client, session, sync_world, device):
    inside = sync_world["inside"]
    inside.principal_name, inside.safety_manager_phone = "张三", "13800000000"
    inside.risk_features = ["dust_explosion"]
    session.commit()
    headers = device(sync_world["inspector"], "phone")
    answer = push(client, headers, _hazards(_report(inside)), pull(client, headers)["timestamp"])
    assert answer.json["experimentalRejectedIds"] == {}
    changes = pull(client, headers)["changes"]
    enterprise = _enterprise(changes, inside.id)
    assert enterprise["principal_name"] == "张三"
    assert enterprise["safety_manager_phone"] == "13800000000"
    assert json.loads(enterprise["risk_features"]) == ["dust_explosion"]
    assert enterprise["scale"] == "above_scale"
    (hazard,) = changes["hazards"]["created"]
    assert hazard["description"] == "二号车间东侧"
    assert hazard["stop_work_order"] is False and hazard["listed_for_supervision"] is False
    assert hazard["fixed_on_spot"] is False and hazard["plan"] is None


def test_a_hazard_reported_on_site_is_pushed_once(client, session, sync_world, device):
    inside = sync_world["inside"]
    headers = device(sync_world["inspector"], "phone")
    last = pull(client, headers)["timestamp"]
    photos = json.dumps([BEFORE])
    answer = push(client, headers, _hazards(_report(inside, photos=photos)), last).json
    assert answer["experimentalRejectedIds"] == {}
    again = push(client, headers, _hazards(_report(inside, photos=photos)), last).json
    assert again["experimentalRejectedIds"] == {}  # a lost answer, pushed again: no change
    hazard = session.get(Hazard, "adhoc-1")
    assert (hazard.status, hazard.title, hazard.reported_by_id) == (
        "reported",
        "消防通道堆放杂物",
        sync_world["inspector"].id,
    )
    assert session.scalars(
        select(HazardAction.action).where(HazardAction.hazard_id == "adhoc-1")
    ).all() == ["report"]
    (photo,) = session.scalars(select(Photo).where(Photo.sha256 == BEFORE)).all()
    assert photo.owner_table == "hazard_actions"
    # What the device reported comes back to it as updated, to another device as created.
    back = pull(client, headers, last)["changes"]
    assert ids(back, "hazards", "updated") == {"adhoc-1"} and not ids(back, "hazards")
    other = pull(client, device(sync_world["inspector"], "tablet"), last)["changes"]
    assert ids(other, "hazards") == {"adhoc-1"}


def test_fixed_on_the_spot_is_pushed_with_photos_before_and_after(
    client, session, sync_world, device
):
    inside = sync_world["inside"]
    headers = device(sync_world["inspector"], "phone")
    last = pull(client, headers)["timestamp"]
    report = _report(
        inside,
        "spot-1",
        due_on=None,
        fixed_on_spot=True,
        photos=json.dumps([BEFORE]),
        after_photos=json.dumps([AFTER]),
    )
    assert push(client, headers, _hazards(report), last).json["experimentalRejectedIds"] == {}
    hazard = session.get(Hazard, "spot-1")
    assert hazard.status == "closed" and hazard.fixed_on_spot
    steps = session.scalars(
        select(HazardAction).where(HazardAction.hazard_id == "spot-1").order_by(HazardAction.seq)
    ).all()
    assert [step.action for step in steps] == ["report", "fix_on_spot"]
    attached = {
        p.owner_id: p.sha256
        for p in session.scalars(select(Photo).where(Photo.sha256.in_([BEFORE, AFTER])))
    }
    assert attached == {steps[0].id: BEFORE, steps[1].id: AFTER}


@pytest.mark.parametrize(
    ("fields", "english", "chinese"),
    [
        (
            {"fixed_on_spot": True, "grade": "major", "photos": json.dumps([BEFORE])},
            "major",
            "重大",
        ),
        ({"fixed_on_spot": True, "after_photos": json.dumps([AFTER])}, "before", "整改前"),
        ({"photos": "not a list"}, "photos must be", "格式"),
    ],
)
def test_a_refused_report_comes_back_with_its_reason_in_chinese(
    client, session, sync_world, device, fields, english, chinese
):
    headers = device(sync_world["inspector"], "phone")
    last = pull(client, headers)["timestamp"]
    report = _report(sync_world["inside"], "bad-1", **fields)
    answer = push(client, headers, _hazards(report), last).json
    assert answer["experimentalRejectedIds"] == {"hazards": ["bad-1"]}
    assert session.get(Hazard, "bad-1") is None
    (rejection,) = pull(client, headers, last)["changes"]["sync_rejections"]["created"]
    assert english in rejection["reason"]
    assert chinese in rejection["message"]


def test_hazards_change_only_through_actions_and_stay_in_scope(client, session, sync_world, device):
    inside, outside = sync_world["inside"], sync_world["outside"]
    headers = device(sync_world["inspector"], "phone")
    last = pull(client, headers)["timestamp"]
    push(client, headers, _hazards(_report(inside)), last)
    changes = {
        "hazards": {
            "created": [_report(outside, "far-1")],
            "updated": [{**_report(inside), "title": "改了标题"}],
            "deleted": ["adhoc-1"],
        }
    }
    answer = push(client, headers, changes, last).json
    assert sorted(answer["experimentalRejectedIds"]["hazards"]) == ["adhoc-1", "adhoc-1", "far-1"]
    assert session.get(Hazard, "far-1") is None
    assert session.get(Hazard, "adhoc-1").title == "消防通道堆放杂物"
    # A colleague's device cannot take over the id either.
    colleague = device(sync_world["manager"], "other")
    taken = push(client, colleague, _hazards(_report(inside)), last).json
    assert taken["experimentalRejectedIds"] == {"hazards": ["adhoc-1"]}


def test_a_migrated_device_receives_its_whole_scope_again(client, sync_world, device):
    headers = device(sync_world["inspector"], "phone")
    first = pull(client, headers)
    migration = json.dumps({"from": 1, "tables": [], "columns": []})
    response = client.get(
        f"/api/v1/sync?schema_version=2&last_pulled_at={first['timestamp']}&migration={migration}",
        headers=headers,
    )
    assert response.status_code == 200
    assert ids(response.json["changes"], "enterprises") == ids(first["changes"], "enterprises")
    plain = pull(client, headers, first["timestamp"])
    assert ids(plain["changes"], "enterprises") == set()


def test_the_pull_is_gzipped_for_clients_that_accept_it(client, sync_world, device):
    headers = device(sync_world["inspector"], "phone")
    plain = client.get("/api/v1/sync?schema_version=2", headers=headers)
    zipped = client.get(
        "/api/v1/sync?schema_version=2", headers={**headers, "Accept-Encoding": "gzip"}
    )
    assert plain.headers.get("Content-Encoding") is None
    assert zipped.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(zipped.get_data()))
    assert body["changes"]["enterprises"] == plain.json["changes"]["enterprises"]
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
