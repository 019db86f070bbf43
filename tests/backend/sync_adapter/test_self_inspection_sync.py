"""自查、自改、自报 through the sync push: a device's self-inspection reports self-found hazards,
the enterprise's safety manager closes them offline, officials reopen them — the same rules as
the REST API, because both call the hazard service.

Sources: 方案4 L141 (seed 000) 自查、自改、自报; 青安委〔2024〕2号 item 31 (seed 004 L56) the safety
managers 核验, 评估整改质量 and 销号; 方案4 L140 the enterprise 接受监督指导.
"""

import json

import pytest
from sqlalchemy import select

from backend.models import Hazard, HazardAction
from tests.backend.fixtures.sync import ids, offline_inspection, pull, push, wuluoshi


def _actions(*records) -> dict:
    return {"hazard_actions": {"created": list(records), "updated": [], "deleted": []}}


def _action(hazard_id, action_id, action, note="", **extra) -> dict:
    return {
        "id": action_id,
        "hazard_id": hazard_id,
        "action": action,
        "note": note,
        "created_at": 946_684_800_000,
        **extra,
    }


@pytest.fixture
def self_found(client, session, sync_world, device):
    """The manager's phone pushes a finished self-inspection with one failed item, then files
    the plan and submits the rectification with its after-photo, all offline."""
    phone = device(sync_world["manager"], "phone")
    first = pull(client, phone)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes, codes[:1], prefix="s1")
    changes["inspections"]["created"][0]["kind"] = "self_inspection"
    push(client, phone, changes, first["timestamp"])
    second = pull(client, phone, first["timestamp"])
    (hazard_id,) = ids(second["changes"], "hazards")
    (pulled,) = second["changes"]["hazards"]["created"]
    assert pulled["self_reported"] is True and pulled["closed_by_enterprise"] is False
    rectified = {
        "photos": {
            "created": [
                {
                    "id": "s1-after",
                    "sha256": "c" * 64,
                    "owner_table": "hazard_actions",
                    "owner_id": "s1-submit",
                }
            ],
            "updated": [],
            "deleted": [],
        },
        **_actions(
            _action(
                hazard_id, "s1-start", "start_rectification", plan=json.dumps({"owner": "王五"})
            ),
            _action(hazard_id, "s1-submit", "submit", note="已整改"),
        ),
    }
    response = push(client, phone, rectified, second["timestamp"])
    assert response.json.get("experimentalRejectedIds", {}) == {}
    return {"hazard_id": hazard_id, "phone": phone, "last": pull(client, phone)["timestamp"]}


def test_the_safety_manager_closes_a_self_found_hazard_offline(
    client, session, sync_world, self_found
):
    hazard_id, phone = self_found["hazard_id"], self_found["phone"]
    no_note = push(
        client, phone, _actions(_action(hazard_id, "s1-v0", "verify")), self_found["last"]
    ).json
    assert no_note["experimentalRejectedIds"] == {"hazard_actions": ["s1-v0"]}
    closed = push(
        client,
        phone,
        _actions(_action(hazard_id, "s1-verify", "verify", note="现场核验，整改质量合格")),
        self_found["last"],
    ).json
    assert closed.get("experimentalRejectedIds", {}) == {}
    hazard = session.get(Hazard, hazard_id)
    session.refresh(hazard)
    assert hazard.status == "closed" and hazard.closed_by_enterprise is True
    entry = session.get(HazardAction, "s1-verify")
    assert entry.actor_role == "enterprise_manager" and entry.payload == {"closure": "enterprise"}
    assert entry.actor_id == sync_world["manager"].id


def test_others_cannot_close_it_through_sync(
    client, session, sync_world, device, make_user, self_found
):
    hazard_id = self_found["hazard_id"]
    others = {
        "viewer": make_user("enterprise_viewer", enterprise=sync_world["inside"]),
        "other_manager": make_user("enterprise_manager", enterprise=sync_world["outside"]),
        "outside_inspector": sync_world["outside_inspector"],
    }
    for name, user in others.items():
        headers = device(user, f"dev-{name}")
        last = pull(client, headers)["timestamp"]
        action = _action(hazard_id, f"v-{name}", "verify", note="核验合格")
        rejected = push(client, headers, _actions(action), last).json["experimentalRejectedIds"]
        assert rejected == {"hazard_actions": [f"v-{name}"]}, name
    assert session.scalar(select(Hazard.status).where(Hazard.id == hazard_id)) == "submitted"


def test_an_inspector_reopens_the_enterprise_close_out_through_sync(
    client, session, sync_world, device, self_found
):
    hazard_id, phone = self_found["hazard_id"], self_found["phone"]
    push(
        client,
        phone,
        _actions(_action(hazard_id, "s1-verify", "verify", note="核验合格")),
        self_found["last"],
    )
    inspector = device(sync_world["inspector"], "dev-i")
    last = pull(client, inspector)["timestamp"]
    reopened = push(
        client,
        inspector,
        _actions(_action(hazard_id, "s1-reopen", "reopen", note="抽查：整改不到位")),
        last,
    ).json
    assert reopened.get("experimentalRejectedIds", {}) == {}
    hazard = session.get(Hazard, hazard_id)
    session.refresh(hazard)
    assert hazard.status == "rectifying" and hazard.closed_by_enterprise is False
    entry = session.get(HazardAction, "s1-reopen")
    assert entry.actor_role == "inspector" and entry.payload == {"spot_check": True}
