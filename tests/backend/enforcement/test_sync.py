"""Sync: orders, review opinions and penalty decisions of the caller's scope are pulled; the
rectification order made on the device with its inspection is pushed with it and numbered when
it arrives; who may push one is checked per record, like every pushed table."""

import json

import pytest

from backend.models import RectificationOrder, SyncRejection
from tests.backend.fixtures.credit import finish_inspection
from tests.backend.fixtures.sync import offline_inspection, pull, push, wuluoshi

from .conftest import OFFICIALS


def order_record(order_id, inspection_id, names=OFFICIALS):
    return {
        "id": order_id,
        "inspection_id": inspection_id,
        "official_names": json.dumps(names, ensure_ascii=False),
        "number": None,  # 「待编号」 on the device until the server numbers it
    }


def orders(*created, deleted=()):
    return {
        "rectification_orders": {"created": list(created), "updated": [], "deleted": list(deleted)}
    }


def pulled_ids(changes, table):
    return {r["id"] for r in changes[table]["created"] + changes[table]["updated"]}


def test_an_order_made_offline_is_numbered_when_it_arrives(client, session, world, device):
    headers = device(world["users"]["inspector"], "dev-inspector")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    batch = offline_inspection(
        world["enterprises"]["ent"], version_id, codes, failures=codes[:2], prefix="off1"
    )
    batch |= orders(order_record("ord-off1", "off1"))
    response = push(client, headers, batch, first["timestamp"])
    assert response.json["experimentalRejectedIds"] == {}
    order = session.get(RectificationOrder, "ord-off1")
    assert order.number.startswith("（D应急）责改〔")
    assert [item["item_code"] for item in order.items] == sorted(codes[:2])
    assert order.official_names == OFFICIALS
    later = pull(client, headers, first["timestamp"])["changes"]["rectification_orders"]
    (mine,) = [r for r in later["created"] + later["updated"] if r["id"] == "ord-off1"]
    assert mine["number"] == order.number
    assert json.loads(mine["items"])[0]["legal_basis"]
    replay = push(client, headers, orders(order_record("ord-off1", "off1")), first["timestamp"])
    assert replay.json["experimentalRejectedIds"] == {}


def test_an_order_for_an_inspection_without_failures_is_refused_with_its_reason(
    client, session, world, device
):
    headers = device(world["users"]["inspector"], "dev-inspector")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    batch = offline_inspection(world["enterprises"]["ent"], version_id, codes, prefix="ok1")
    batch |= orders(order_record("ord-ok1", "ok1"))
    rejected = push(client, headers, batch, first["timestamp"]).json["experimentalRejectedIds"]
    assert rejected == {"rectification_orders": ["ord-ok1"]}
    assert session.get(RectificationOrder, "ord-ok1") is None
    reason = session.query(SyncRejection).filter_by(record_id="ord-ok1").one().reason
    assert "nothing to rectify" in reason


# Whose finished inspection (two items failed) each pushed order is for.
PUSH_MATRIX = {
    # role: (the inspector's, a colleague's in scope, one in district X)
    "inspector": ("kept", "refused", "refused"),
    "supervisor": ("kept", "kept", "refused"),
    "street_supervisor": ("kept", "kept", "refused"),
    "admin": ("refused", "refused", "refused"),
    "manager": ("refused", "refused", "refused"),
    "other_inspector": ("refused", "refused", "kept"),
}


@pytest.fixture
def finished_inspections(session, world, make_user, failed_inspection):
    colleague = make_user("inspector", jurisdiction=world["nodes"]["s"])
    ent, far = world["enterprises"]["ent"], world["enterprises"]["far"]
    return (
        failed_inspection,
        finish_inspection(colleague, ent, session, fail_major=2),
        finish_inspection(world["users"]["other_inspector"], far, session, fail_major=2),
    )


@pytest.mark.parametrize("role", list(PUSH_MATRIX))
def test_who_may_push_an_order(client, session, world, device, finished_inspections, role):
    headers = device(world["users"][role], f"dev-{role}")
    last = pull(client, headers)["timestamp"]
    records = [
        order_record(f"ord-{role}-{n}", inspection.id)
        for n, inspection in enumerate(finished_inspections)
    ]
    rejected = push(client, headers, orders(*records), last).json["experimentalRejectedIds"]
    refused = set(rejected.get("rectification_orders", []))
    reasons = {
        row.record_id: row.reason
        for row in session.query(SyncRejection).filter_by(user_id=world["users"][role].id)
    }
    for record, expected in zip(records, PUSH_MATRIX[role], strict=True):
        assert (record["id"] in refused) is (expected == "refused"), (role, record["id"])
        written = session.get(RectificationOrder, record["id"]) is not None
        assert written is (expected == "kept"), (role, record["id"])
        if expected == "refused":
            assert reasons[record["id"]]


def test_orders_are_never_deleted_and_decisions_are_pull_only(
    client, world, device, make_order, make_decision
):
    order = make_order()
    headers = device(world["users"]["inspector"], "dev-inspector")
    last = pull(client, headers)["timestamp"]
    decision = {"id": "pd-device", "enterprise_id": str(world["enterprises"]["ent"].id)}
    changes = orders(deleted=[order.id]) | {
        "penalty_decisions": {"created": [decision], "updated": [], "deleted": []}
    }
    rejected = push(client, headers, changes, last).json["experimentalRejectedIds"]
    assert rejected == {"rectification_orders": [order.id], "penalty_decisions": ["pd-device"]}


def test_documents_are_pulled_in_scope_only(client, world, device, make_order, make_decision):
    order = make_order()
    mine = make_decision("ent")
    theirs = make_decision("far", user="other_supervisor")
    for role, expected in {
        "inspector": {mine.id},
        "manager": {mine.id},
        "manager2": set(),
        "other_inspector": {theirs.id},
    }.items():
        changes = pull(client, device(world["users"][role], f"dev-{role}"))["changes"]
        assert pulled_ids(changes, "penalty_decisions") == expected, role
        expected_orders = {order.id} if mine.id in expected else set()
        assert pulled_ids(changes, "rectification_orders") == expected_orders, role
    pulled = pull(client, device(world["users"]["manager"], "dev-m"))["changes"]
    (decision,) = pulled["penalty_decisions"]["created"]
    assert decision["number"] == mine.number and decision["amount_fen"] == 2_000_000
