"""The hazard workflow: every action × every role × every state, plans, extensions, reopening,
立查立改, the audit trail."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai
from backend.models import HazardAction, Photo
from tests.backend.fixtures.hazards import FULL_PLAN, SHA_A, SHA_B, SHA_C, act

STATES = ("reported", "rectifying", "submitted", "closed")
IN_SCOPE_ROLES = ("manager", "viewer", "inspector", "supervisor", "admin")
OUT_OF_SCOPE_ROLES = ("other_manager", "other_inspector", "other_supervisor")

# The workflow as the issue states it, written out independently of the service's table:
# action → (states it may be taken from, the state it leads to or None to stay, roles). A
# department official (行业主管部门) verifies and rejects like an inspector, for its enterprises.
WORKFLOW = {
    "file_plan": ({"reported", "rectifying"}, None, {"manager"}),
    "start_rectification": ({"reported"}, "rectifying", {"manager"}),
    "submit": ({"rectifying"}, "submitted", {"manager"}),
    "verify": ({"submitted"}, "closed", {"inspector", "supervisor", "department"}),
    "reject": ({"submitted"}, "rectifying", {"inspector", "supervisor", "department"}),
    "request_extension": ({"reported", "rectifying"}, None, {"manager"}),
    "approve_extension": ({"reported", "rectifying", "submitted"}, None, {"supervisor"}),
    "deny_extension": ({"reported", "rectifying", "submitted"}, None, {"supervisor"}),
    "reopen": ({"closed"}, "rectifying", {"supervisor"}),
    "set_flags": (set(STATES), None, {"supervisor"}),
}


def _valid_body(action):
    later = (today_in_shanghai() + timedelta(days=30)).isoformat()
    return {
        "file_plan": {"plan": {"owner": "张三"}},
        "start_rectification": {"plan": FULL_PLAN},
        "submit": {"photos": [SHA_A], "note": "已更换"},
        "verify": {"note": "现场核验合格"},
        "reject": {"note": "报警器仍未联动"},
        "request_extension": {"due_on": later, "note": "设备到货延迟"},
        "approve_extension": {},
        "deny_extension": {"note": "理由不充分"},
        "reopen": {"note": "复查发现反弹"},
        "set_flags": {"stop_work_order": True, "listed_for_supervision": True},
    }[action]


def test_the_service_table_is_the_documented_workflow():
    from backend.hazards.services import TRANSITIONS

    roles = {
        "enterprise_manager": "manager",
        "inspector": "inspector",
        "supervisor": "supervisor",
        "department_official": "department",
    }
    assert set(TRANSITIONS) == set(WORKFLOW)
    for action, transition in TRANSITIONS.items():
        states, to_state, allowed = WORKFLOW[action]
        assert set(transition.from_states) == states, action
        assert transition.to_state == to_state, action
        assert {roles[role] for role in transition.roles} == allowed, action


@pytest.mark.parametrize("action", list(WORKFLOW))
def test_every_action_for_every_role_in_every_state(client, world, make_hazard, action):
    states, to_state, allowed_roles = WORKFLOW[action]
    for state in STATES:
        for role in IN_SCOPE_ROLES + OUT_OF_SCOPE_ROLES:
            pending = {}
            if action in ("approve_extension", "deny_extension"):
                pending["extension_requested_due_on"] = today_in_shanghai() + timedelta(days=20)
            hazard = make_hazard(state, **pending)
            response = act(client, world["headers"][role], hazard, action, **_valid_body(action))
            where = f"{action} by {role} on {state}"
            if role in OUT_OF_SCOPE_ROLES:
                expected = 404
            elif role not in allowed_roles:
                expected = 403
            elif state not in states:
                expected = 409
            else:
                expected = 200
            assert response.status_code == expected, (where, response.json)
            if expected != 200:
                assert response.mimetype == PROBLEM_MIME, where
            if expected == 409:
                assert response.json["current_state"] == state, where
            if expected == 200:
                assert response.json["status"] == (to_state or state), where
                history = client.get(
                    f"/api/v1/hazards/{hazard.id}/history", headers=world["headers"][role]
                ).json
                assert history[-1]["action"] == action
                assert history[-1]["from_status"] == state
                assert history[-1]["to_status"] == (to_state or state)


def test_a_major_hazard_needs_the_full_governance_plan(client, world, make_hazard):
    hazard = make_hazard(grade="major")
    headers = world["headers"]["manager"]
    bare = act(client, headers, hazard, "start_rectification")
    assert bare.status_code == 422
    assert bare.json["errors"][0]["field"] == "plan"
    assert set(bare.json["missing"]) == set(FULL_PLAN)
    assert "objectives (治理的目标和任务)" in bare.json["detail"]
    partial = {key: FULL_PLAN[key] for key in ("owner", "measures", "funds", "objectives")}
    filed = client.put(f"/api/v1/hazards/{hazard.id}/plan", json=partial, headers=headers)
    assert filed.status_code == 200, filed.json
    assert filed.json["plan"]["owner"] == FULL_PLAN["owner"]
    assert filed.json["status"] == "reported"
    still = act(client, headers, hazard, "start_rectification")
    assert still.status_code == 422
    assert set(still.json["missing"]) == {
        "contingency_plan",
        "methods",
        "funds_and_materials",
        "organisation",
        "time_limit",
        "safety_measures",
    }
    rest = {key: value for key, value in FULL_PLAN.items() if key not in partial}
    started = act(client, headers, hazard, "start_rectification", plan=rest)
    assert started.status_code == 200, started.json
    assert started.json["status"] == "rectifying"
    assert started.json["plan"] == FULL_PLAN


def test_a_general_hazard_needs_an_owner_and_has_its_deadline(client, world, make_hazard):
    hazard = make_hazard()
    headers = world["headers"]["manager"]
    missing = act(client, headers, hazard, "start_rectification")
    assert missing.status_code == 422
    assert missing.json["missing"] == ["owner"]
    blank = act(client, headers, hazard, "start_rectification", plan={"owner": "  "})
    assert blank.status_code == 422
    started = act(client, headers, hazard, "start_rectification", plan={"owner": "王五"})
    assert started.status_code == 200
    assert started.json["due_on"] == hazard.due_on.isoformat()


def test_submit_needs_after_photos_attached_to_the_action(client, world, make_hazard, session):
    hazard = make_hazard("rectifying")
    headers = world["headers"]["manager"]
    bare = act(client, headers, hazard, "submit")
    assert bare.status_code == 422
    assert bare.json["errors"][0]["field"] == "photos"
    done = act(client, headers, hazard, "submit", photos=[SHA_A, SHA_B, SHA_A], id="dev-sub-1")
    assert done.status_code == 200
    photos = session.scalars(
        select(Photo).where(Photo.owner_table == "hazard_actions", Photo.owner_id == "dev-sub-1")
    ).all()
    assert sorted(photo.sha256 for photo in photos) == [SHA_A, SHA_B]


def test_the_whole_loop_with_one_rejection_and_its_history(client, world, make_hazard):
    hazard = make_hazard()
    manager, inspector = world["headers"]["manager"], world["headers"]["inspector"]
    steps = [
        (manager, "start_rectification", {"plan": {"owner": "王五"}}, "rectifying"),
        (manager, "submit", {"photos": [SHA_A]}, "submitted"),
        (inspector, "reject", {"note": "未加装防护罩", "photos": [SHA_C]}, "rectifying"),
        (
            manager,
            "submit",
            {"photos": [SHA_B], "device_time": "2026-01-01T08:00:00+08:00"},
            "submitted",
        ),
        (inspector, "verify", {}, "closed"),
    ]
    for headers, action, body, status in steps:
        response = act(client, headers, hazard, action, **body)
        assert response.status_code == 200, (action, response.json)
        assert response.json["status"] == status
    assert response.json["closed_at"] is not None
    history = client.get(f"/api/v1/hazards/{hazard.id}/history", headers=manager).json
    assert [entry["action"] for entry in history] == [
        "report",
        "start_rectification",
        "submit",
        "reject",
        "submit",
        "verify",
    ]
    assert [entry["seq"] for entry in history] == [1, 2, 3, 4, 5, 6]
    assert history[0]["from_status"] is None and history[0]["to_status"] == "reported"
    assert history[2]["photos"] == [SHA_A]
    assert history[3]["photos"] == [SHA_C] and history[3]["note"] == "未加装防护罩"
    assert history[3]["actor_role"] == "inspector"
    assert history[3]["actor_id"] == world["users"]["inspector"].id
    assert history[4]["device_time"].startswith("2026-01-01T00:00:00")
    assert history[5]["action_label"] == "现场核验销号"
    # Device time is stored, never used for ordering: server order stays by arrival.
    assert history[4]["received_at"] <= history[5]["received_at"]


def test_illegal_transition_is_409_naming_the_current_state(client, world, make_hazard):
    hazard = make_hazard("closed")
    response = act(client, world["headers"]["manager"], hazard, "submit", photos=[SHA_A])
    assert response.status_code == 409
    assert response.mimetype == PROBLEM_MIME
    assert response.json["current_state"] == "closed"
    assert "closed" in response.json["detail"]


def test_role_not_allowed_is_403_and_out_of_scope_is_404(client, world, make_hazard):
    hazard = make_hazard("submitted")
    viewer = act(client, world["headers"]["viewer"], hazard, "verify")
    assert viewer.status_code == 403
    manager = act(client, world["headers"]["manager"], hazard, "verify")
    assert manager.status_code == 403
    other_enterprise = act(client, world["headers"]["manager2"], hazard, "verify")
    assert other_enterprise.status_code == 404
    unknown = act(client, world["headers"]["inspector"], "nope", "verify")
    assert unknown.status_code == 404


def test_extension_request_approved_and_denied_with_history(client, world, make_hazard):
    hazard = make_hazard(due_in_days=5)
    manager, supervisor = world["headers"]["manager"], world["headers"]["supervisor"]
    original = hazard.due_on
    asked = (original + timedelta(days=20)).isoformat()
    no_reason = act(client, manager, hazard, "request_extension", due_on=asked)
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "note"
    earlier = act(
        client, manager, hazard, "request_extension", due_on=original.isoformat(), note="x"
    )
    assert earlier.status_code == 422 and earlier.json["errors"][0]["field"] == "due_on"
    nothing = act(client, supervisor, hazard, "approve_extension")
    assert nothing.status_code == 409
    requested = act(client, manager, hazard, "request_extension", due_on=asked, note="设备到货延迟")
    assert requested.status_code == 200
    assert requested.json["extension_requested_due_on"] == asked
    assert requested.json["due_on"] == original.isoformat()
    again = act(client, manager, hazard, "request_extension", due_on=asked, note="再次")
    assert again.status_code == 409
    inspector = act(client, world["headers"]["inspector"], hazard, "approve_extension")
    assert inspector.status_code == 403
    approved = act(client, supervisor, hazard, "approve_extension", note="同意")
    assert approved.status_code == 200
    assert approved.json["due_on"] == asked
    assert approved.json["extension_requested_due_on"] is None
    # A second request, this time denied: the deadline stays.
    later = (original + timedelta(days=40)).isoformat()
    act(client, manager, hazard, "request_extension", due_on=later, note="仍需时间")
    denied = act(client, supervisor, hazard, "deny_extension", note="不予延期")
    assert denied.status_code == 200
    assert denied.json["due_on"] == asked
    assert denied.json["extension_requested_due_on"] is None
    history = client.get(f"/api/v1/hazards/{hazard.id}/history", headers=manager).json
    entries = [entry for entry in history if "extension" in entry["action"]]
    assert [entry["action"] for entry in entries] == [
        "request_extension",
        "approve_extension",
        "request_extension",
        "deny_extension",
    ]
    assert entries[0]["payload"] == {"requested_due_on": asked}
    assert entries[1]["due_on_before"] == original.isoformat()
    assert entries[1]["due_on_after"] == asked
    assert (
        entries[3]["due_on_before"] is None and entries[3]["payload"]["requested_due_on"] == later
    )


def test_supervisor_may_approve_a_different_deadline(client, world, make_hazard):
    hazard = make_hazard(due_in_days=5)
    asked = (hazard.due_on + timedelta(days=30)).isoformat()
    granted = (hazard.due_on + timedelta(days=10)).isoformat()
    act(client, world["headers"]["manager"], hazard, "request_extension", due_on=asked, note="r")
    approved = act(
        client, world["headers"]["supervisor"], hazard, "approve_extension", due_on=granted
    )
    assert approved.json["due_on"] == granted


def test_reopen_a_closed_hazard(client, world, make_hazard):
    hazard = make_hazard("closed", due_in_days=0)
    supervisor = world["headers"]["supervisor"]
    no_reason = act(client, supervisor, hazard, "reopen")
    assert no_reason.status_code == 422
    new_due = (today_in_shanghai() + timedelta(days=10)).isoformat()
    reopened = act(client, supervisor, hazard, "reopen", note="复查反弹", due_on=new_due)
    assert reopened.status_code == 200
    assert reopened.json["status"] == "rectifying"
    assert reopened.json["closed_at"] is None
    assert reopened.json["due_on"] == new_due
    inspector = act(client, world["headers"]["inspector"], hazard, "reopen", note="x")
    assert inspector.status_code == 403


def test_flags_are_set_by_supervisors(client, world, make_hazard):
    hazard = make_hazard(grade="major")
    supervisor = world["headers"]["supervisor"]
    empty = act(client, supervisor, hazard, "set_flags")
    assert empty.status_code == 422
    flagged = act(client, supervisor, hazard, "set_flags", stop_work_order=True)
    assert flagged.json["stop_work_order"] is True
    assert flagged.json["listed_for_supervision"] is False
    listed = act(client, supervisor, hazard, "set_flags", listed_for_supervision=True)
    assert listed.json["stop_work_order"] is True and listed.json["listed_for_supervision"] is True
    assert (
        act(
            client, world["headers"]["inspector"], hazard, "set_flags", stop_work_order=False
        ).status_code
        == 403
    )


def test_a_replayed_action_id_is_a_no_op(client, world, make_hazard, session):
    hazard = make_hazard("rectifying")
    headers = world["headers"]["manager"]
    first = act(client, headers, hazard, "submit", photos=[SHA_A], id="device-1.a_b")
    assert first.status_code == 200
    replay = act(client, headers, hazard, "submit", photos=[SHA_A], id="device-1.a_b")
    assert replay.status_code == 200
    assert replay.json["status"] == "submitted"
    count = session.scalars(select(HazardAction).where(HazardAction.hazard_id == hazard.id)).all()
    assert len(count) == 2  # report + one submit
    other = make_hazard("rectifying")
    clash = act(client, headers, other, "submit", photos=[SHA_A], id="device-1.a_b")
    assert clash.status_code == 409
    bad_id = act(client, headers, other, "submit", photos=[SHA_A], id="no spaces")
    assert bad_id.status_code == 422


def test_apply_action_is_the_one_entry_point_with_device_time(world, make_hazard, session):
    """What the sync push will call: the same function, a device-chosen id and time."""
    from datetime import UTC, datetime

    from backend.hazards.services import apply_action

    hazard = make_hazard("rectifying")
    device_time = datetime(2020, 1, 1, tzinfo=UTC)  # a wrong device clock changes no order
    apply_action(
        world["users"]["manager"],
        hazard,
        "submit",
        id="sync-action-1",
        photos=[SHA_A],
        device_time=device_time,
    )
    entry = session.get(HazardAction, "sync-action-1")
    assert entry.device_time == device_time
    assert entry.received_at > device_time
    assert entry.seq == 2
    assert hazard.status == "submitted"


# --- Reporting on site, 立查立改 ---------------------------------------------------------------


def _report(client, headers, enterprise, **body):
    payload = {
        "enterprise_id": enterprise.id,
        "title": "配电箱未接地",
        "due_on": (today_in_shanghai() + timedelta(days=3)).isoformat(),
        **body,
    }
    return client.post("/api/v1/hazards", json=payload, headers=headers)


def test_inspector_reports_a_hazard_on_site(client, world):
    ent = world["enterprises"]["ent"]
    response = _report(client, world["headers"]["inspector"], ent, photos=[SHA_A], id="hz-site-1")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"] == "hz-site-1"
    assert body["status"] == "reported" and body["fixed_on_spot"] is False
    assert body["overdue"] is False and body["days_overdue"] == 0
    history = client.get("/api/v1/hazards/hz-site-1/history", headers=world["headers"]["manager"])
    assert history.json[0]["action"] == "report" and history.json[0]["photos"] == [SHA_A]
    duplicate = _report(client, world["headers"]["inspector"], ent, id="hz-site-1")
    assert duplicate.status_code == 409
    reserved = _report(client, world["headers"]["inspector"], ent, id="stats")
    assert reserved.status_code == 422


def test_reporting_needs_a_reporter_in_scope_and_a_deadline(client, world):
    """Officials and the enterprise's own safety managers report (方案4 L140 自报); the
    enterprise's viewer does not, and nobody reports for an enterprise outside their scope."""
    ent = world["enterprises"]["ent"]
    assert _report(client, world["headers"]["viewer"], ent).status_code == 403
    assert _report(client, world["headers"]["other_inspector"], ent).status_code == 404
    assert _report(client, world["headers"]["other_manager"], ent).status_code == 404
    no_deadline = _report(client, world["headers"]["inspector"], ent, due_on=None)
    assert no_deadline.status_code == 422 and no_deadline.json["errors"][0]["field"] == "due_on"
    past = (today_in_shanghai() - timedelta(days=1)).isoformat()
    assert _report(client, world["headers"]["inspector"], ent, due_on=past).status_code == 422


def test_fixed_on_spot_closes_at_once_with_before_and_after_photos(client, world):
    ent, headers = world["enterprises"]["ent"], world["headers"]["inspector"]
    response = _report(
        client,
        headers,
        ent,
        due_on=None,
        fixed_on_spot=True,
        photos=[SHA_A],
        after_photos=[SHA_B],
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "closed" and body["fixed_on_spot"] is True
    assert body["closed_at"] is not None
    assert body["due_on"] == today_in_shanghai().isoformat()
    history = client.get(f"/api/v1/hazards/{body['id']}/history", headers=headers).json
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("report", None, "reported"),
        ("fix_on_spot", "reported", "closed"),
    ]
    assert history[0]["photos"] == [SHA_A] and history[1]["photos"] == [SHA_B]


def test_fixed_on_spot_needs_both_photos_and_a_general_grade(client, world):
    ent, headers = world["enterprises"]["ent"], world["headers"]["inspector"]
    no_after = _report(client, headers, ent, fixed_on_spot=True, photos=[SHA_A])
    assert no_after.status_code == 422 and no_after.json["errors"][0]["field"] == "after_photos"
    no_before = _report(client, headers, ent, fixed_on_spot=True, after_photos=[SHA_A])
    assert no_before.status_code == 422 and no_before.json["errors"][0]["field"] == "photos"
    major = _report(
        client,
        headers,
        ent,
        fixed_on_spot=True,
        grade="major",
        photos=[SHA_A],
        after_photos=[SHA_B],
    )
    assert major.status_code == 422 and major.json["errors"][0]["field"] == "fixed_on_spot"


def test_enterprise_users_see_only_their_own_hazards(client, world, make_hazard):
    own = make_hazard()
    make_hazard(enterprise=world["enterprises"]["ent2"])
    make_hazard(enterprise=world["enterprises"]["far"])
    for role in ("manager", "viewer"):
        listed = client.get("/api/v1/hazards", headers=world["headers"][role]).json
        assert [hazard["id"] for hazard in listed] == [own.id]
    assert (
        client.get(f"/api/v1/hazards/{own.id}", headers=world["headers"]["manager2"]).status_code
        == 404
    )
    history = client.get(f"/api/v1/hazards/{own.id}/history", headers=world["headers"]["manager2"])
    assert history.status_code == 404


def test_submit_counts_photos_synced_before_the_action(world, make_hazard, session):
    from backend.hazards.services import apply_action
    from backend.photos.services import attach_photos

    hazard = make_hazard("rectifying")
    manager = world["users"]["manager"]
    attach_photos(manager, "hazard_actions", "sync-action-2", [SHA_B])
    apply_action(manager, hazard, "submit", id="sync-action-2")
    assert hazard.status == "submitted"
    (entry,) = [item for item in history_of(hazard) if item["entry"].id == "sync-action-2"]
    assert entry["photos"] == [SHA_B]


def history_of(hazard):
    from backend.hazards.services import history

    return history(hazard)
