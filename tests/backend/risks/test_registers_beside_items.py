"""Beside a checklist item, the register it concerns (issue 18 item 5): the mapping is data
(backend/checklists/register_items.yaml), the state comes from the register's summary; the app
reads it with the enterprise's checklists (and the scan context), and a device pulls the
registers of its enterprises read-only."""

import json

from sqlalchemy import select

from backend.checklists import registers
from backend.models import Hazard, User
from backend.risks.services import create_risk_point, declare_installation, update_risk_point
from tests.backend.fixtures.sync import ids, offline_inspection, pull, push, wuluoshi


def _point(user, enterprise, lec_c=40):
    return create_risk_point(
        user,
        enterprise_id=enterprise.id,
        kind="place",
        name="储罐区",
        location="",
        hazard_types=["fire"],
        method="lec",
        lec_l=3,
        lec_e=6,
        lec_c=lec_c,
        control_measures="动火审批",
        control_level="company",
        responsible_person="赵六",
    )


def _unit(user, enterprise, q=62.5):
    return declare_installation(
        user,
        enterprise_id=enterprise.id,
        name="液氯储罐区",
        unit_kind="storage",
        substances=[{"substance": "chlorine", "quantity_t": q}],
        exposed_people=120,
    )


def test_the_mapping_names_items_that_exist_and_kinds_each_plug_in_with_one_line(app):
    from checklists.loader import shipped_checklists

    items = {
        c.code: {item.code for section in c.sections for item in section.items}
        for c in shipped_checklists()
    }
    for code, mapped in registers._item_registers().items():
        assert set(mapped) <= items[code], code
    assert registers.registers_of_items("duty31") == {
        "D10": ["training_records"],
        "D13": ["risk_points", "hazard_installations"],
        "D14": ["hazard_installations"],
        "D15": ["hazard_installations"],
        "D17": ["drills"],
        "D20": ["risk_points"],
    }
    # A register this deployment does not keep is skipped.
    drills = registers.REGISTERS.pop("drills")
    try:
        assert "D17" not in registers.registers_of_items("duty31")
    finally:
        registers.REGISTERS["drills"] = drills


def test_training_and_drills_show_beside_d10_and_d17(client, world):
    ent = world["enterprises"]["ent"]
    answer = client.get(
        f"/api/v1/enterprises/{ent.id}/checklists", headers=world["headers"]["inspector"]
    )
    (duty,) = [row for row in answer.json if row["code"] == "duty31"]
    (training,) = duty["registers"]["D10"]
    (drills,) = duty["registers"]["D17"]
    assert training["kind"] == "training_records" and "持证上岗率" in str(training["summary"])
    assert drills["kind"] == "drills" and drills["summary"]


def test_the_inspector_sees_the_register_beside_the_item(client, session, world):
    ent = world["enterprises"]["ent"]
    manager = world["users"]["manager"]
    _point(manager, ent)
    _unit(manager, ent)
    _unit(manager, ent, q=1)  # S = 0.2: declared, not a major hazard
    session.commit()
    answer = client.get(
        f"/api/v1/enterprises/{ent.id}/checklists", headers=world["headers"]["inspector"]
    )
    assert answer.status_code == 200
    (duty,) = [row for row in answer.json if row["code"] == "duty31"]
    beside = {state["kind"]: state for state in duty["registers"]["D13"]}
    assert beside["risk_points"]["summary"] == {
        "total": 1,
        "by_level": {"major": 1, "larger": 0, "general": 0, "low": 0},
    }
    units = beside["hazard_installations"]["summary"]
    assert (units["total"], units["major"], units["by_grade"]["1"], units["not_filed"]) == (
        2,
        1,
        1,
        1,
    )
    assert [s["kind"] for s in duty["registers"]["D15"]] == ["hazard_installations"]
    every = client.get(
        f"/api/v1/enterprises/{ent.id}/registers", headers=world["headers"]["inspector"]
    )
    assert {state["kind"] for state in every.json} == {
        "risk_points",
        "hazard_installations",
        "training_records",
        "drills",
    }
    hidden = client.get(
        f"/api/v1/enterprises/{ent.id}/registers", headers=world["headers"]["other_inspector"]
    )
    assert hidden.status_code == 404


def test_a_device_pulls_the_registers_of_its_enterprises_read_only(
    client, session, sync_world, device
):
    inside, outside = sync_world["inside"], sync_world["outside"]
    point = _point(sync_world["manager"], inside)
    unit = _unit(sync_world["manager"], inside)
    outside_manager = User(
        username="outside-manager",
        password_hash="x",
        role="enterprise_manager",
        enterprise_id=outside.id,
    )
    session.add(outside_manager)
    session.flush()
    outside_manager_point = _point(outside_manager, outside)
    session.commit()

    headers = device(sync_world["inspector"], "tablet-1")
    first = pull(client, headers)
    changes = first["changes"]
    assert ids(changes, "risk_points") == {point.id}
    assert outside_manager_point.id not in ids(changes, "risk_points")
    (pulled_unit,) = changes["hazard_installations"]["created"]
    assert (pulled_unit["id"], pulled_unit["grade"], pulled_unit["is_major"]) == (unit.id, 1, True)
    (duty,) = [c for c in changes["checklists"]["created"] if c["code"] == "duty31"]
    assert json.loads(duty["registers"])["D15"] == ["hazard_installations"]

    answer = push(
        client,
        headers,
        {"risk_points": {"created": [], "updated": [{"id": point.id, "name": "x"}], "deleted": []}},
        first["timestamp"],
    )
    assert point.id in str(answer.json.get("experimentalRejectedIds", {}))
    session.expire_all()
    assert point.name == "储罐区"

    update_risk_point(sync_world["manager"], point.id, {"lec_c": 1})
    session.commit()
    later = pull(client, headers, first["timestamp"])["changes"]
    (changed,) = later["risk_points"]["updated"]
    assert (changed["id"], changed["level"]) == (point.id, "low")


def test_an_inspector_links_a_failed_item_to_a_risk_point_offline(
    client, session, sync_world, device
):
    """The finding names the risk point the item was checked at; the hazard it becomes names it
    too. A point of another enterprise is refused, with its reason."""
    inside = sync_world["inside"]
    point = _point(sync_world["manager"], inside)
    outside_manager = User(
        username="outside-manager-2",
        password_hash="x",
        role="enterprise_manager",
        enterprise_id=sync_world["outside"].id,
    )
    session.add(outside_manager)
    session.flush()
    elsewhere = _point(outside_manager, sync_world["outside"])
    session.commit()
    headers = device(sync_world["inspector"], "tablet-2")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    refused = offline_inspection(inside, version_id, codes, failures=codes[:1], prefix="i0")
    refused["findings"]["created"][0]["risk_point_id"] = elsewhere.id
    answer = push(client, headers, refused, first["timestamp"])
    assert answer.json["experimentalRejectedIds"]["findings"] == ["i0-f0"]

    later = pull(client, headers, first["timestamp"])
    changes = offline_inspection(inside, version_id, codes, failures=codes[:2])
    changes["findings"]["created"][0]["risk_point_id"] = point.id
    answer = push(client, headers, changes, later["timestamp"])
    assert not answer.json.get("experimentalRejectedIds")
    session.expire_all()
    hazards = session.scalars(select(Hazard).where(Hazard.inspection_id == "i1")).all()
    assert {h.item_code: h.risk_point_id for h in hazards} == {
        codes[0]: point.id,
        codes[1]: None,
    }
    assert (
        client.delete(
            f"/api/v1/risk-points/{point.id}", headers=device(sync_world["manager"], "x")
        ).status_code
        == 409
    )
