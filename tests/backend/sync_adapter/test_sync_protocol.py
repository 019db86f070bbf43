"""Protocol conformance of GET/POST /api/v1/sync (WatermelonDB's backend contract)."""

import json

import pytest
from sqlalchemy import func, select

from backend.core.timeutil import today_in_shanghai
from backend.models import Finding, Hazard, Inspection, SyncRejection
from tests.backend.fixtures.sync import ids, offline_inspection, pull, push, wuluoshi


@pytest.mark.parametrize("last", ["", "null", "0"])
def test_first_sync_sends_the_scope_as_created(client, sync_world, device, last):
    headers = device(sync_world["inspector"], "dev-a")
    response = client.get(f"/api/v1/sync?last_pulled_at={last}&schema_version=1", headers=headers)
    body = response.json
    assert response.status_code == 200
    assert isinstance(body["timestamp"], int) and body["timestamp"] >= 1
    assert ids(body["changes"], "enterprises") == {str(sync_world["inside"].id)}
    codes = {c["code"] for c in body["changes"]["checklists"]["created"]}
    assert {"duty31", "wuluoshi", "major_hazard_chemicals"} <= codes
    assert "major_hazard_fireworks" not in codes  # only the outside enterprise needs it
    for table in ("inspection_plans", "hazard_actions", "sync_rejections"):
        assert body["changes"][table] == {"created": [], "updated": [], "deleted": []}


def test_offline_inspection_push_then_pull_brings_its_hazard(client, session, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes, failures=codes[:1])
    result = push(client, headers, changes, first["timestamp"]).json
    assert result["experimentalRejectedIds"] == {}
    inspection = session.get(Inspection, "i1")
    assert inspection.status == "finished"
    assert inspection.started_at.year == 2000  # stored as reported
    assert inspection.created_at.year >= 2026  # the server's own time beside it
    (hazard,) = session.scalars(select(Hazard).where(Hazard.inspection_id == "i1")).all()
    # A wrong device clock cannot move the deadline: it comes from the server's date.
    assert hazard.due_on > today_in_shanghai()
    second = pull(client, headers, first["timestamp"])
    assert second["timestamp"] > first["timestamp"]
    assert ids(second["changes"], "hazards") == {hazard.id}  # created by the server
    # What the device pushed itself comes back as updated, never as created.
    assert ids(second["changes"], "inspections", "created") == set()
    assert ids(second["changes"], "inspections", "updated") == {"i1"}
    assert ids(second["changes"], "findings", "created") == set()


def test_resending_a_batch_after_a_lost_response_creates_nothing_twice(
    client, session, sync_world, device
):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes, failures=codes[:2])
    push(client, headers, changes, first["timestamp"])
    again = push(client, headers, changes, first["timestamp"]).json
    assert again["experimentalRejectedIds"] == {}
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1
    assert session.scalar(select(func.count()).select_from(Finding)) == len(codes)
    assert session.scalar(select(func.count()).select_from(Hazard)) == 2


def test_a_changed_server_record_answers_409_then_pull_and_retry_succeed(
    client, sync_world, device
):
    device_a = device(sync_world["inspector"], "dev-a")
    device_b = device(sync_world["inspector"], "dev-b")
    first = pull(client, device_a)
    version_id, codes = wuluoshi(first)
    open_inspection = offline_inspection(
        sync_world["inside"], version_id, codes[:1], finished=False
    )
    push(client, device_a, open_inspection, first["timestamp"])
    b_first = pull(client, device_b)
    finding = dict(open_inspection["findings"]["created"][0], note="A 的修改")
    a_edit = {"findings": {"created": [], "updated": [finding], "deleted": []}}
    push(client, device_a, a_edit, b_first["timestamp"])
    b_finding = dict(finding, note="B 的旧修改")
    b_edit = {"findings": {"created": [], "updated": [b_finding], "deleted": []}}
    conflict = push(client, device_b, b_edit, b_first["timestamp"], expect=409)
    assert conflict.mimetype == "application/problem+json"
    assert conflict.json["record_id"] == finding["id"]
    b_second = pull(client, device_b, b_first["timestamp"])
    assert ids(b_second["changes"], "findings", "updated") == {finding["id"]}
    result = push(client, device_b, b_edit, b_second["timestamp"]).json
    assert result["experimentalRejectedIds"] == {}
    # The same content is no conflict, however stale the device's timestamp.
    push(client, device_a, b_edit, b_first["timestamp"])


def test_a_refused_record_is_alone_and_its_reason_comes_back(client, session, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    good = offline_inspection(sync_world["inside"], version_id, codes)
    bad = offline_inspection(sync_world["outside"], version_id, codes, prefix="bad")
    changes = {
        "inspections": {
            "created": good["inspections"]["created"] + bad["inspections"]["created"],
            "updated": [],
            "deleted": [],
        },
        "findings": good["findings"],
        "enterprises": {"created": [{"id": "999", "name": "伪造"}], "updated": [], "deleted": []},
        "unknown_table": {"created": [{"id": "x1"}], "updated": [], "deleted": []},
    }
    result = push(client, headers, changes, first["timestamp"]).json
    assert result["experimentalRejectedIds"] == {
        "inspections": ["bad"],
        "enterprises": ["999"],
        "unknown_table": ["x1"],
    }
    assert session.get(Inspection, "i1").status == "finished"
    assert session.get(Inspection, "bad") is None
    stored = session.scalars(select(SyncRejection).order_by(SyncRejection.record_id)).all()
    assert {r.record_id for r in stored} == {"bad", "999", "x1"}
    bad_raw = next(r for r in stored if r.record_id == "bad")
    assert bad_raw.raw["enterprise_id"] == str(sync_world["outside"].id)  # kept for review
    later = pull(client, headers, first["timestamp"])
    reasons = {r["record_id"]: r["reason"] for r in later["changes"]["sync_rejections"]["created"]}
    assert "not found" in reasons["bad"] and "pull-only" in reasons["999"]


def test_an_enterprise_leaving_the_scope_is_sent_as_deleted(
    client, session, sync_world, device, auth_header
):
    headers = device(sync_world["inspector"], "dev-a")
    elsewhere = device(sync_world["outside_inspector"], "dev-x")
    session.add(
        Hazard(
            id="moving-hazard",
            enterprise_id=sync_world["inside"].id,
            title="随企业迁出的隐患",
            grade="general",
            due_on=today_in_shanghai(),
            reported_by_id=sync_world["admin"].id,
        )
    )
    session.commit()
    first = pull(client, headers)
    assert ids(first["changes"], "hazards") == {"moving-hazard"}
    other_first = pull(client, elsewhere)
    moved = client.patch(
        f"/api/v1/enterprises/{sync_world['inside'].id}",
        json={"jurisdiction_id": sync_world["other"].id},
        headers=auth_header(sync_world["admin"]),
    )
    assert moved.status_code == 200
    after = pull(client, headers, first["timestamp"])
    assert after["changes"]["enterprises"]["deleted"] == [str(sync_world["inside"].id)]
    assert after["changes"]["hazards"]["deleted"] == ["moving-hazard"]
    arrived = pull(client, elsewhere, other_first["timestamp"])
    assert ids(arrived["changes"], "enterprises", "updated") | ids(
        arrived["changes"], "enterprises"
    ) == {str(sync_world["inside"].id)}


def test_changes_outside_the_scope_leave_no_trace(client, sync_world, device, auth_header):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    client.patch(
        f"/api/v1/enterprises/{sync_world['outside'].id}",
        json={"address": "新地址"},
        headers=auth_header(sync_world["admin"]),
    )
    after = pull(client, headers, first["timestamp"])
    assert after["changes"]["enterprises"] == {"created": [], "updated": [], "deleted": []}


def test_closed_hazards_leave_an_inspectors_device(client, session, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    push(
        client,
        headers,
        offline_inspection(sync_world["inside"], version_id, codes, codes[:1]),
        first["timestamp"],
    )
    second = pull(client, headers, first["timestamp"])
    (hazard_id,) = ids(second["changes"], "hazards")
    hazard = session.get(Hazard, hazard_id)
    hazard.status = "closed"
    session.commit()
    third = pull(client, headers, second["timestamp"])
    assert third["changes"]["hazards"]["deleted"] == [hazard_id]


def test_deleted_finding_is_a_tombstone_for_the_other_device(client, sync_world, device):
    device_a = device(sync_world["inspector"], "dev-a")
    device_b = device(sync_world["inspector"], "dev-b")
    first = pull(client, device_a)
    version_id, codes = wuluoshi(first)
    open_inspection = offline_inspection(
        sync_world["inside"], version_id, codes[:2], finished=False
    )
    push(client, device_a, open_inspection, first["timestamp"])
    b_first = pull(client, device_b)
    doomed = open_inspection["findings"]["created"][0]["id"]
    gone = {"findings": {"created": [], "updated": [], "deleted": [doomed]}}
    push(client, device_a, gone, b_first["timestamp"])
    b_second = pull(client, device_b, b_first["timestamp"])
    assert b_second["changes"]["findings"]["deleted"] == [doomed]


def test_enterprise_user_pull_holds_only_its_own_enterprise(client, sync_world, device):
    inspector = device(sync_world["inspector"], "dev-a")
    first = pull(client, inspector)
    version_id, codes = wuluoshi(first)
    push(
        client,
        inspector,
        offline_inspection(sync_world["inside"], version_id, codes, codes[:1]),
        first["timestamp"],
    )
    body = pull(client, device(sync_world["manager"], "phone"))
    assert ids(body["changes"], "enterprises") == {str(sync_world["inside"].id)}
    assert {h["enterprise_id"] for h in body["changes"]["hazards"]["created"]} == {
        str(sync_world["inside"].id)
    }
    assert ids(body["changes"], "inspections") == {"i1"}  # its enterprise's inspections
    outsider = pull(client, device(sync_world["outside_inspector"], "dev-x"))
    assert outsider["changes"]["hazards"]["created"] == []
    assert outsider["changes"]["inspections"]["created"] == []


def test_idempotency_key_replays_and_refuses_reuse(client, session, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes)
    original = push(client, headers, changes, first["timestamp"], key="batch-1")
    replay = push(client, headers, changes, first["timestamp"], key="batch-1")
    assert replay.json == original.json
    other = offline_inspection(sync_world["inside"], version_id, codes, prefix="i2")
    push(client, headers, other, first["timestamp"], key="batch-1", expect=422)
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_a_push_that_dies_takes_its_idempotency_key_with_it(
    client, session, sync_world, device, monkeypatch
):
    """Killed between recording the key and committing, a push must not block its retry."""
    from backend.sync_adapter import services as sync_service

    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes)
    real_apply_push = sync_service.apply_push

    def dies(*args, **kwargs):
        real_apply_push(*args, **kwargs)
        raise RuntimeError("the process died before committing")

    monkeypatch.setattr(sync_service, "apply_push", dies)
    push(client, headers, changes, first["timestamp"], key="batch-1", expect=500)
    monkeypatch.setattr(sync_service, "apply_push", real_apply_push)
    retry = push(client, headers, changes, first["timestamp"], key="batch-1")
    assert retry.json == {"experimentalRejectedIds": {}}
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1
    assert push(client, headers, changes, first["timestamp"], key="batch-1").json == retry.json


def test_a_key_left_unanswered_by_an_older_version_does_not_block(
    client, session, sync_world, device
):
    from backend.models import IdempotencyKey
    from sync.idempotency import fingerprint

    headers = device(sync_world["inspector"], "dev-a")
    body = {"inspections": {"created": [], "updated": [], "deleted": []}}
    raw = json.dumps(body).encode()
    session.add(
        IdempotencyKey(
            user_id=sync_world["inspector"].id,
            key="busy",
            fingerprint=fingerprint("POST", "/api/v1/sync", "last_pulled_at=5", raw),
            completed=False,
        )
    )
    session.commit()
    response = client.post(
        "/api/v1/sync?last_pulled_at=5",
        data=raw,
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "busy"},
    )
    assert response.status_code == 200


def test_bad_requests_are_problem_json(client, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    bad_last = client.get("/api/v1/sync?last_pulled_at=yesterday", headers=headers)
    assert bad_last.status_code == 422
    assert bad_last.json["errors"][0]["field"] == "last_pulled_at"
    bad_shape = client.post(
        "/api/v1/sync?last_pulled_at=1", json={"findings": {"created": "x"}}, headers=headers
    )
    assert bad_shape.status_code == 422
    assert bad_shape.json["errors"][0]["field"] == "changes.findings.created"
    assert client.get("/api/v1/sync").status_code == 401


def test_first_sync_of_a_large_jurisdiction_streams_in_one_pull(
    client, session, sync_world, device, count_queries
):
    from backend.demo import demo_uscc
    from backend.models import Enterprise

    grid_id = sync_world["inside"].jurisdiction_id
    enterprises = [
        Enterprise(
            name=f"批量企业{n}",
            uscc=demo_uscc(500_000 + n),
            industry="industry_trade.machinery" if n % 2 else "hazardous_chemicals",
            scale="above_scale",
            jurisdiction_id=grid_id,
        )
        for n in range(2000)
    ]
    session.add_all(enterprises)
    session.flush()
    session.add_all(
        Hazard(
            id=f"bulk-{e.id}",
            enterprise_id=e.id,
            title="批量隐患",
            grade="general",
            due_on=today_in_shanghai(),
            reported_by_id=sync_world["admin"].id,
        )
        for e in enterprises
    )
    session.commit()
    headers = device(sync_world["inspector"], "dev-a")
    with count_queries() as queries:
        body = pull(client, headers)
    assert len(body["changes"]["enterprises"]["created"]) == 2001
    assert len(body["changes"]["hazards"]["created"]) == 2000
    assert len(queries) < 60  # batched reads, not one query per record


def test_hazard_actions_taken_offline_move_the_hazard_and_stale_ones_are_refused(
    client, session, sync_world, device
):
    inspector = device(sync_world["inspector"], "dev-a")
    manager = device(sync_world["manager"], "phone")
    first = pull(client, inspector)
    version_id, codes = wuluoshi(first)
    push(
        client,
        inspector,
        offline_inspection(sync_world["inside"], version_id, codes, codes[:1]),
        first["timestamp"],
    )
    m_first = pull(client, manager)
    (hazard_id,) = ids(m_first["changes"], "hazards")
    action = {"hazard_id": hazard_id, "note": "", "created_at": 946_684_800_000}
    changes = {
        "photos": {
            "created": [
                {
                    "id": "after-1",
                    "sha256": "b" * 64,
                    "owner_table": "hazard_actions",
                    "owner_id": "act-2",
                }
            ],
            "updated": [],
            "deleted": [],
        },
        "hazard_actions": {
            "created": [
                {
                    **action,
                    "id": "act-1",
                    "action": "start_rectification",
                    "plan": json.dumps({"owner": "李安全", "measures": "更新制度并公开"}),
                },
                {**action, "id": "act-2", "action": "submit", "note": "已整改"},
            ],
            "updated": [],
            "deleted": [],
        },
    }
    result = push(client, manager, changes, m_first["timestamp"]).json
    assert result["experimentalRejectedIds"] == {}
    assert session.get(Hazard, hazard_id).status == "submitted"
    i_second = pull(client, inspector, first["timestamp"])
    pulled_actions = {a["id"]: a for a in i_second["changes"]["hazard_actions"]["created"]}
    assert {"act-1", "act-2"} <= set(pulled_actions)
    assert pulled_actions["act-2"]["created_at"] == 946_684_800_000  # device time, as reported
    verify = {
        "hazard_actions": {
            "created": [{"id": "ver-1", "hazard_id": hazard_id, "action": "verify"}],
            "updated": [],
            "deleted": [],
        }
    }
    assert push(client, inspector, verify, i_second["timestamp"]).json == {
        "experimentalRejectedIds": {}
    }
    assert session.get(Hazard, hazard_id).status == "closed"
    # A second device verifying the already-closed hazard is refused alone, with the reason.
    late = {
        "hazard_actions": {
            "created": [{"id": "ver-2", "hazard_id": hazard_id, "action": "verify"}],
            "updated": [],
            "deleted": [],
        }
    }
    other_device = device(sync_world["inspector"], "dev-b")
    refused = push(client, other_device, late, i_second["timestamp"]).json
    assert refused["experimentalRejectedIds"] == {"hazard_actions": ["ver-2"]}
    reason = session.scalar(select(SyncRejection.reason).where(SyncRejection.record_id == "ver-2"))
    assert "closed" in reason
    # Replaying the accepted batch changes nothing.
    assert push(client, manager, changes, m_first["timestamp"]).json == {
        "experimentalRejectedIds": {}
    }


def test_records_the_database_or_the_schema_refuses_are_rejected_alone(
    client, session, sync_world, device
):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    push(
        client,
        headers,
        offline_inspection(sync_world["inside"], version_id, codes, finished=False),
        first["timestamp"],
    )
    second = offline_inspection(
        sync_world["inside"], version_id, codes[:2], finished=False, prefix="i2"
    )
    taken_id = dict(second["findings"]["created"][0], id="i1-f0")  # already a finding of i1
    nested = dict(second["findings"]["created"][1], note=["不是", "字符串"])
    second["findings"]["created"] = [taken_id, nested]
    result = push(client, headers, second, first["timestamp"]).json
    assert result["experimentalRejectedIds"] == {"findings": ["i1-f0", "i2-f1"]}
    assert session.get(Inspection, "i2") is not None  # the rest of the batch applied
    reasons = {
        r.record_id: r.reason
        for r in session.scalars(
            select(SyncRejection).where(SyncRejection.table_name == "findings")
        )
    }
    assert "database refused" in reasons["i1-f0"] and "scalars" in reasons["i2-f1"]
    assert session.get(Finding, "i1-f0").inspection_id == "i1"  # untouched
