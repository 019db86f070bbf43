"""The enterprise's registers reach the devices read-only: an inspector's device pulls those of
its enterprises (first sync and later changes), never another jurisdiction's; a push to them
is refused per record."""

import json
from datetime import UTC, date, datetime

import pytest

from tests.backend.fixtures.sync import ids, pull, push

REGISTER_TABLES = (
    "enterprise_people",
    "certificates",
    "training_sessions",
    "emergency_plans",
    "emergency_drills",
)


@pytest.fixture
def registers(session, sync_world, make_user):
    from backend.emergency import services as emergency
    from backend.training import services as training

    made = {}
    for key in ("inside", "outside"):
        enterprise = sync_world[key]
        manager = (
            sync_world["manager"]
            if key == "inside"
            else make_user("enterprise_manager", enterprise=enterprise)
        )
        person = training.add_person(
            manager, enterprise_id=enterprise.id, name=f"{key}-电工", role="special_operator"
        )
        certificate = training.add_certificate(
            manager,
            person_id=person.id,
            cert_type="special_operation",
            operation_category="electrical",
            number=f"T-{key}",
            issuer="市应急管理局",
            issued_on=date(2024, 1, 1),
            valid_until=date(2030, 1, 1),
        )
        session_ = training.record_training(
            manager,
            enterprise_id=enterprise.id,
            held_at=datetime(2026, 3, 2, 1, tzinfo=UTC),
            content="用电安全",
            hours=4,
            participants=[{"person_id": person.id, "assessment": "passed"}],
        )
        plan = emergency.add_plan(
            manager, enterprise_id=enterprise.id, kind="on_site", title="触电现场处置方案"
        )
        drill = emergency.record_drill(
            manager,
            enterprise_id=enterprise.id,
            drill_type="on_site",
            held_on=date(2026, 3, 2),
            participants_count=6,
            plan_id=plan.id,
        )
        made[key] = {
            "enterprise_people": person.id,
            "certificates": certificate.id,
            "training_sessions": session_.id,
            "emergency_plans": plan.id,
            "emergency_drills": drill.id,
        }
    session.commit()
    return made


def test_an_inspector_pulls_the_registers_of_its_enterprises_only(
    client, sync_world, device, registers
):
    body = pull(client, device(sync_world["inspector"], "dev-a"))
    for table in REGISTER_TABLES:
        assert ids(body["changes"], table) == {registers["inside"][table]}, table
    (certificate,) = body["changes"]["certificates"]["created"]
    assert (certificate["number"], certificate["valid_until"]) == ("T-inside", "2030-01-01")
    (training,) = body["changes"]["training_sessions"]["created"]
    assert json.loads(training["participants"]) == [
        {"person_id": registers["inside"]["enterprise_people"], "assessment": "passed"}
    ]
    outside = pull(client, device(sync_world["outside_inspector"], "dev-b"))
    assert ids(outside["changes"], "certificates") == {registers["outside"]["certificates"]}


def test_a_later_change_comes_with_the_next_pull(client, session, sync_world, device, registers):
    from backend.training.services import update_certificate

    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    update_certificate(
        sync_world["manager"],
        registers["inside"]["certificates"],
        {"valid_until": date(2031, 1, 1)},
    )
    session.commit()
    later = pull(client, headers, first["timestamp"])["changes"]["certificates"]
    assert [c["valid_until"] for c in later["updated"]] == ["2031-01-01"]


def test_a_corrected_training_comes_with_the_next_pull_and_a_removed_one_goes(
    client, session, sync_world, device, registers
):
    from backend.training.services import delete_training, update_training

    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    training_id = registers["inside"]["training_sessions"]
    person_id = registers["inside"]["enterprise_people"]
    update_training(
        sync_world["manager"],
        training_id,
        {"participants": [{"person_id": person_id, "assessment": "failed"}]},
    )
    session.commit()
    second = pull(client, headers, first["timestamp"])
    (training,) = second["changes"]["training_sessions"]["updated"]
    assert json.loads(training["participants"]) == [
        {"person_id": person_id, "assessment": "failed"}
    ]
    delete_training(sync_world["manager"], training_id)
    session.commit()
    third = pull(client, headers, second["timestamp"])["changes"]["training_sessions"]
    assert third["deleted"] == [training_id]


def test_a_push_to_a_register_is_refused(client, sync_world, device, registers):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    changes = {
        "certificates": {
            "created": [],
            "updated": [{"id": registers["inside"]["certificates"], "valid_until": "2040-01-01"}],
            "deleted": [],
        }
    }
    result = push(client, headers, changes, first["timestamp"]).json
    assert result["experimentalRejectedIds"] == {
        "certificates": [registers["inside"]["certificates"]]
    }


def test_a_first_pull_reads_the_training_participants_in_one_query_not_one_per_session(
    client, session, sync_world, device, registers, count_queries
):
    from backend.training import services as training

    manager = sync_world["manager"]
    person = registers["inside"]["enterprise_people"]
    for day in range(2, 12):
        training.record_training(
            manager,
            enterprise_id=sync_world["inside"].id,
            held_at=datetime(2026, 4, day, 1, tzinfo=UTC),
            content=f"班前会{day}",
            hours=1,
            participants=[{"person_id": person, "assessment": "passed"}],
        )
    session.commit()
    with count_queries() as statements:
        body = pull(client, device(sync_world["inspector"], "dev-c"))
    assert len(body["changes"]["training_sessions"]["created"]) == 11
    participant_reads = [s for s in statements if "FROM training_participants" in s]
    assert len(participant_reads) == 1
