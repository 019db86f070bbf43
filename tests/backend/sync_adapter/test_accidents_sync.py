"""Accidents reach the devices of officials in scope read-only (issue 17 item 6): pulled with
the enterprises they belong to, never pushed — a pushed accident is refused alone, with its
reason — and never sent to an enterprise's devices (it reads its accidents online)."""

from datetime import UTC, datetime

import pytest

from backend.accidents import services as accidents
from backend.models import Accident, Inspection
from tests.backend.fixtures.sync import ids, offline_inspection, pull, push, wuluoshi


@pytest.fixture
def record(session, sync_world, make_user):
    supervisor = make_user("supervisor", jurisdiction=sync_world["district"])
    other = make_user("supervisor", jurisdiction=sync_world["other"])

    def make(enterprise="inside", **fields):
        writer = supervisor if enterprise == "inside" else other
        accident = accidents.record_accident(
            writer,
            enterprise_id=sync_world[enterprise].id,
            occurred_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            place="储罐区",
            accident_type="fire",
            **{"deaths": 1, "responsible": True, "investigation_report": "调查报告全文", **fields},
        )
        session.commit()
        return accident

    make.supervisor = supervisor
    return make


def test_an_inspector_pulls_the_accidents_of_the_scope(client, sync_world, device, record):
    inside, outside = record(), record("outside")
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    assert ids(first["changes"], "accidents") == {inside.id}
    assert outside.id not in str(first["changes"])
    (raw,) = first["changes"]["accidents"]["created"]
    assert raw["enterprise_id"] == str(sync_world["inside"].id)
    assert (raw["level"], raw["deaths"], raw["responsible"]) == ("general", 1, True)
    assert raw["occurred_at"] == int(datetime(2026, 3, 2, 1, 30, tzinfo=UTC).timestamp() * 1000)
    # Not the investigation report, nor the blacklist proposal (the supervisors' business).
    assert not {"investigation_report", "blacklist_trigger", "blacklist_list_level"} & set(raw)


def test_a_new_and_a_changed_accident_come_with_the_next_pull(
    client, session, sync_world, device, record
):
    earlier = record()
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    later = record(deaths=0, serious_injuries=2)
    accidents.update_accident(record.supervisor, earlier.id, {"deaths": 3})
    session.commit()
    changes = pull(client, headers, first["timestamp"])["changes"]["accidents"]
    assert [raw["id"] for raw in changes["created"]] == [later.id]
    (updated,) = changes["updated"]
    assert (updated["id"], updated["deaths"], updated["level"]) == (earlier.id, 3, "larger")


def test_an_enterprise_device_never_hears_of_accidents(client, session, sync_world, device, record):
    headers = device(sync_world["manager"], "dev-ent")
    record()
    first = pull(client, headers)
    assert first["changes"]["accidents"] == {"created": [], "updated": [], "deleted": []}
    record(deaths=2)
    later = pull(client, headers, first["timestamp"])["changes"]["accidents"]
    assert later == {"created": [], "updated": [], "deleted": []}


def test_a_pushed_accident_is_refused_alone_with_its_reason(
    client, session, sync_world, device, record
):
    accident = record()
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes)
    changes["accidents"] = {
        "created": [{"id": "acc-new", "enterprise_id": str(sync_world["inside"].id), "deaths": 9}],
        "updated": [{"id": accident.id, "deaths": 0, "responsible": False}],
        "deleted": [accident.id],
    }
    rejected = push(client, headers, changes, first["timestamp"]).json["experimentalRejectedIds"]
    assert set(rejected) == {"accidents"}  # the inspection of the same batch was applied
    assert set(rejected["accidents"]) == {"acc-new", accident.id}
    assert session.get(Inspection, "i1").status == "finished"
    session.expire_all()
    kept = session.get(Accident, accident.id)
    assert (kept.deaths, kept.responsible) == (1, True)
    assert session.get(Accident, "acc-new") is None
    reasons = {
        raw["record_id"]: raw["reason"]
        for raw in pull(client, headers, first["timestamp"])["changes"]["sync_rejections"][
            "created"
        ]
    }
    assert "accidents is pull-only" in reasons["acc-new"]


def test_an_enterprises_accidents_move_with_it(
    client, session, sync_world, device, record, auth_header
):
    accident = record()
    headers = device(sync_world["inspector"], "dev-a")
    elsewhere = device(sync_world["outside_inspector"], "dev-x")
    first, other_first = pull(client, headers), pull(client, elsewhere)
    moved = client.patch(
        f"/api/v1/enterprises/{sync_world['inside'].id}",
        json={"jurisdiction_id": sync_world["other"].id},
        headers=auth_header(sync_world["admin"]),
    )
    assert moved.status_code == 200
    after = pull(client, headers, first["timestamp"])["changes"]["accidents"]
    assert after["deleted"] == [accident.id]
    arrived = pull(client, elsewhere, other_first["timestamp"])["changes"]["accidents"]
    assert [raw["id"] for raw in arrived["created"] + arrived["updated"]] == [accident.id]
