"""Who may attach a photo through the sync push: attaching is adding evidence, so it takes the
authority to act on the record, not merely to see it (every role × owner kind)."""

import pytest
from sqlalchemy import select

from backend.models import Finding, Hazard, Photo
from tests.backend.fixtures.sync import offline_inspection, pull, push, wuluoshi

SHA = "ab" * 32


@pytest.fixture
def evidence(client, session, sync_world, device, make_user):
    """An inspector's finished inspection (one failed item, so one hazard) and an open one."""
    inspector = sync_world["inspector"]
    headers = device(inspector, "dev-owner")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    push(
        client,
        headers,
        offline_inspection(
            sync_world["inside"], version_id, codes, failures=codes[:1], prefix="done"
        ),
        first["timestamp"],
    )
    push(
        client,
        headers,
        offline_inspection(
            sync_world["inside"], version_id, codes[:1], finished=False, prefix="open"
        ),
        first["timestamp"],
    )
    hazard = session.scalar(select(Hazard).where(Hazard.inspection_id == "done"))
    users = {
        "owner": inspector,
        "colleague": make_user("inspector", jurisdiction=sync_world["street"]),
        "manager": sync_world["manager"],
        "viewer": make_user("enterprise_viewer", enterprise=sync_world["inside"]),
        "outsider": sync_world["outside_inspector"],
        "supervisor": make_user("supervisor", jurisdiction=sync_world["street"]),
    }
    return {"hazard": hazard, "users": users}


def attach(client, device, user, owner_table, owner_id, extra=None):
    headers = device(user, f"dev-{user.id}")
    last = pull(client, headers)["timestamp"]
    photo = {
        "id": f"p-{user.id}-{owner_id}"[:64],
        "sha256": SHA,
        "owner_table": owner_table,
        "owner_id": owner_id,
    }
    changes = {"photos": {"created": [photo], "updated": [], "deleted": []}, **(extra or {})}
    rejected = push(client, headers, changes, last).json["experimentalRejectedIds"]
    return "photos" not in rejected


OPEN_FINDING, DONE_FINDING = "open-f0", "done-f1"


@pytest.mark.parametrize(
    ("who", "owner", "allowed"),
    [
        ("owner", ("findings", OPEN_FINDING), True),
        ("owner", ("inspections", "open"), True),
        ("owner", ("findings", DONE_FINDING), False),  # finished: its evidence is closed
        ("colleague", ("findings", OPEN_FINDING), False),
        ("colleague", ("inspections", "open"), False),
        ("manager", ("findings", OPEN_FINDING), False),
        ("viewer", ("inspections", "open"), False),
        ("outsider", ("findings", OPEN_FINDING), False),
        ("manager", ("hazards", "HAZARD"), True),  # may plan and rectify it
        ("viewer", ("hazards", "HAZARD"), False),  # may only see it
        ("outsider", ("hazards", "HAZARD"), False),
        ("owner", ("hazard_actions", "never-pushed"), False),
    ],
)
def test_attaching_takes_the_authority_to_act_on_the_owner(
    client, session, device, evidence, who, owner, allowed
):
    owner_table, owner_id = owner
    if owner_id == "HAZARD":
        owner_id = evidence["hazard"].id
    assert attach(client, device, evidence["users"][who], owner_table, owner_id) is allowed
    attached = session.scalar(select(Photo).where(Photo.owner_id == owner_id, Photo.sha256 == SHA))
    assert (attached is not None) is allowed


def test_after_photos_travel_with_the_action_they_prove(client, session, device, evidence):
    hazard = evidence["hazard"]
    manager, viewer = evidence["users"]["manager"], evidence["users"]["viewer"]
    action = {
        "id": "act-1",
        "hazard_id": hazard.id,
        "action": "file_plan",
        "note": "方案",
        "plan": '{"owner": "张三"}',
    }
    extra = {"hazard_actions": {"created": [action], "updated": [], "deleted": []}}
    assert attach(client, device, viewer, "hazard_actions", "act-1", extra) is False
    assert attach(client, device, manager, "hazard_actions", "act-1", extra) is True
    # Afterwards only the action's own actor adds to it.
    assert (
        attach(client, device, evidence["users"]["supervisor"], "hazard_actions", "act-1") is False
    )


def test_a_finding_of_the_evidence_world_exists(session, evidence):
    assert session.get(Finding, OPEN_FINDING) is not None and session.get(Finding, DONE_FINDING)
