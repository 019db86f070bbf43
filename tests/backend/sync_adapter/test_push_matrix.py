"""Who may push what: every role × every pushed table and operation × whose record it is.

The sync push counterpart of tests/backend/core/test_scope_matrix.py. One push per cell row:
the role pushes one record per owner column in the same batch, so a refused record is seen to
be refused alone (listed in `experimentalRejectedIds`, kept with its reason in
`sync_rejections`, nothing written) while the kept ones land.

The world: district A (street A1 → grid A1g) and district B (street B1); enterprise `ea` in
grid A1g, `eb` in street B1 (same industry, so only scope tells them apart).

The owner columns:
- mine: a record the pushing user wrote (an inspection they started, its findings and photos;
  a hazard they reported, an action they took). For an enterprise user, a hazard of its own
  enterprise is theirs to rectify, whoever reported it.
- colleague's: another user's record inside the pusher's scope (another inspector of street
  A1; for an enterprise user, an inspector's work at its enterprise).
- out of scope: a record of district B or of enterprise `eb`.
`-` marks a cell that cannot exist (an admin or a viewer never starts an inspection; nothing
lies outside a system-wide admin's scope).

The rules behind the expectations: only who started an inspection writes it, its findings and
its evidence (core/scope.py require_inspection_owner, inspections/services.py); inspections are
run by officials (supervision) and by enterprise managers (self-inspection) within their scope
(core/scope.py INSPECTING_ROLES); a hazard action is taken by the roles its transition names,
on a hazard in scope, whoever reported it (hazards/workflow.py TRANSITIONS); a replayed action
is its actor's alone; inspections, photos and hazard actions are never deleted; the tables the
server owns are pull-only for everyone (docs/sync.md).
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.checklists import services as checklists
from backend.core.db import db
from backend.core.timeutil import today_in_shanghai
from backend.hazards import services as hazards
from backend.inspections import services as inspections
from backend.models import Finding, Hazard, HazardAction, Inspection, Photo, SyncRejection
from backend.photos.services import attach_photo
from tests.backend.fixtures.sync import pull, push

ROLES = ["global_admin", "admin_a", "supervisor_a", "inspector_a1", "manager_ea", "viewer_ea"]
OWNERS = ("mine", "colleague", "outside")
SHA = "cd" * 32


def matrix(text: str) -> dict[str, dict[str, str | None]]:
    """{role: {owner: "kept" | "refused" | None}} from a table of rows `role mine colleague
    outside` (the first row is the header)."""
    rows = [line.split() for line in text.strip().splitlines()[1:]]
    return {
        role: {
            owner: None if cell == "-" else cell for owner, cell in zip(OWNERS, cells, strict=True)
        }
        for role, *cells in rows
    }


# Whose inspection (and its findings and photos) fills each column, per pushing role.
INSPECTION_OF = matrix("""
role          mine        colleague   outside
global_admin  -           inspector   -
admin_a       -           inspector   out_official
supervisor_a  supervisor  inspector   out_official
inspector_a1  inspector   colleague   out_official
manager_ea    manager     inspector   out_manager
viewer_ea     -           manager     out_manager
""")

# Whose hazard fills each column (see the module docstring for an enterprise user's "mine").
HAZARD_OF = matrix("""
role          mine        colleague   outside
global_admin  -           inspector   -
admin_a       -           inspector   out_official
supervisor_a  supervisor  inspector   out_official
inspector_a1  inspector   colleague   out_official
manager_ea    inspector   supervisor  out_official
viewer_ea     inspector   supervisor  out_official
""")

# Whose hazard action fills each column.
ACTION_OF = matrix("""
role          mine        colleague   outside
global_admin  -           inspector   -
admin_a       -           inspector   out_official
supervisor_a  supervisor  inspector   out_official
inspector_a1  inspector   colleague   out_official
manager_ea    manager     inspector   out_official
viewer_ea     -           manager     out_official
""")

# Only who started an inspection writes it and its findings (inspections: a new one in their
# scope for "mine", one under a colleague's id, one at an enterprise out of scope).
ONLY_THE_OWNER = matrix("""
role          mine   colleague  outside
global_admin  -      refused    -
admin_a       -      refused    refused
supervisor_a  kept   refused    refused
inspector_a1  kept   refused    refused
manager_ea    kept   refused    refused
viewer_ea     -      refused    refused
""")

# Starting a new inspection at an enterprise: officials supervise, managers self-inspect, in
# scope ("mine" and "colleague's" both mean an enterprise in scope here).
START_INSPECTION = matrix("""
role          mine     colleague  outside
global_admin  refused  refused    -
admin_a       refused  refused    refused
supervisor_a  kept     kept       refused
inspector_a1  kept     kept       refused
manager_ea    kept     kept       refused
viewer_ea     refused  refused    refused
""")

# A hazard action of the role's own kind (officials verify a submitted hazard, enterprise
# users file a plan for a reported one): the transition's roles, in scope, whoever reported.
HAZARD_ACTION = matrix("""
role          mine     colleague  outside
global_admin  -        refused    -
admin_a       -        refused    refused
supervisor_a  kept     kept       refused
inspector_a1  kept     kept       refused
manager_ea    kept     kept       refused
viewer_ea     refused  refused    refused
""")

NEVER_DELETED = matrix("""
role          mine     colleague  outside
global_admin  -        refused    -
admin_a       -        refused    refused
supervisor_a  refused  refused    refused
inspector_a1  refused  refused    refused
manager_ea    refused  refused    refused
viewer_ea     -        refused    refused
""")

ROLE_ACTION = {
    "global_admin": ("verify", "submitted"),
    "admin_a": ("verify", "submitted"),
    "supervisor_a": ("verify", "submitted"),
    "inspector_a1": ("verify", "submitted"),
    "manager_ea": ("file_plan", "reported"),
    "viewer_ea": ("file_plan", "reported"),
}
KIND = {"manager_ea": "self_inspection", "viewer_ea": "self_inspection"}


@pytest.fixture
def push_world(session, make_jurisdiction, make_enterprise, make_user, device):
    a = make_jurisdiction("district", name="A区")
    a1 = make_jurisdiction("street", a, name="A1街道")
    a1g = make_jurisdiction("grid", a1, name="A1网格")
    b = make_jurisdiction("district", name="B区")
    b1 = make_jurisdiction("street", b, name="B1街道")
    ea = make_enterprise(a1g, name="甲企业", industry="hazardous_chemicals")
    eb = make_enterprise(b1, name="丙企业", industry="hazardous_chemicals")
    users = {
        "global_admin": make_user("admin"),
        "admin_a": make_user("admin", jurisdiction=a),
        "supervisor_a": make_user("supervisor", jurisdiction=a),
        "inspector_a1": make_user("inspector", jurisdiction=a1),
        "manager_ea": make_user("enterprise_manager", enterprise=ea),
        "viewer_ea": make_user("enterprise_viewer", enterprise=ea),
    }
    writers = {
        "supervisor": (users["supervisor_a"], ea, "supervision"),
        "inspector": (users["inspector_a1"], ea, "supervision"),
        "colleague": (make_user("inspector", jurisdiction=a1), ea, "supervision"),
        "manager": (users["manager_ea"], ea, "self_inspection"),
        "out_official": (make_user("inspector", jurisdiction=b1), eb, "supervision"),
        "out_manager": (make_user("enterprise_manager", enterprise=eb), eb, "self_inspection"),
    }
    world = {"users": users, "ea": ea, "eb": eb, "writers": writers}
    world["inspections"] = {name: _open_inspection(name, *w) for name, w in writers.items()}
    world["hazards"], world["actions"] = _hazards_and_actions(writers)
    session.commit()
    world["device"] = lambda role: device(users[role], f"dev-{role}")
    return world


def _version(enterprise, kind):
    return checklists.applicable_versions(enterprise, kind)[0]


def _item_codes(inspection):
    checklist = checklists.checklist_of(inspection.checklist_version)
    _sections, items = checklists.items_for(inspection.enterprise, checklist, inspection.kind)
    return list(items)


def _open_inspection(name, user, enterprise, kind):
    """An open inspection with one finding and one photo, all written by `user`."""
    inspection = inspections.start_inspection(
        user,
        id=f"insp-{name}",
        enterprise_id=enterprise.id,
        checklist_version_id=_version(enterprise, kind).id,
        kind=kind,
    )
    inspections.record_finding(
        user, inspection, item_code=_item_codes(inspection)[0], result="pass", id=f"f-{name}"
    )
    attach_photo(user, f"photo-{name}", SHA, "inspections", inspection.id)
    return inspection


def _hazards_and_actions(writers):
    due_on = today_in_shanghai() + timedelta(days=7)
    found = {}
    for name in ("supervisor", "inspector", "colleague", "out_official"):
        user, enterprise, _kind = writers[name]
        found[name] = hazards.report_hazard(
            user, enterprise_id=enterprise.id, title=f"{name} 报告的隐患", due_on=due_on
        )
    actions = {name: _report_action(hazard) for name, hazard in found.items()}
    manager = writers["manager"][0]
    hazards.apply_action(
        manager, found["inspector"], "file_plan", id="act-manager", plan={"owner": "张三"}
    )
    actions["manager"] = "act-manager"
    return found, actions


def _report_action(hazard):
    return db.session.scalar(
        select(HazardAction.id).where(
            HazardAction.hazard_id == hazard.id, HazardAction.action == "report"
        )
    )


def _push_cells(client, world, role, table, operation, records_by_owner):
    """Push one record per owner in one batch; the set of owners whose record was refused,
    after checking each refusal is kept with its reason."""
    headers = world["device"](role)
    last = pull(client, headers)["timestamp"]
    records = list(records_by_owner.values())
    changes = {table: {"created": [], "updated": [], "deleted": []}}
    changes[table][operation] = records
    rejected = push(client, headers, changes, last).json["experimentalRejectedIds"]
    assert set(rejected) <= {table}, rejected
    refused_ids = set(rejected.get(table, []))
    kept_reasons = _kept_rejections(world["users"][role], table)
    for record_id in refused_ids:
        assert kept_reasons.get(record_id), f"{record_id} was refused without a kept reason"
    return {
        owner
        for owner, record in records_by_owner.items()
        if (record if operation == "deleted" else record["id"]) in refused_ids
    }


def _kept_rejections(user, table):
    rows = db.session.scalars(
        select(SyncRejection).where(
            SyncRejection.user_id == user.id, SyncRejection.table_name == table
        )
    )
    return {row.record_id: row.reason for row in rows}


def _cells(expected, role):
    """The owners of the cells that exist for this role."""
    return [owner for owner in OWNERS if expected[role][owner] is not None]


def _refused(expected, role):
    return {owner for owner in _cells(expected, role) if expected[role][owner] == "refused"}


def _inspection_record(inspection, **changes):
    return {
        "id": inspection.id,
        "enterprise_id": str(inspection.enterprise_id),
        "checklist_id": inspection.checklist_version_id,
        "kind": inspection.kind,
        "started_at": None,
        "finished_at": None,
        "latitude": None,
        "longitude": None,
        **changes,
    }


# ---------------------------------------------------------------- inspections


@pytest.mark.parametrize("role", ROLES)
def test_starting_an_inspection(client, session, push_world, role):
    kind = KIND.get(role, "supervision")
    enterprises = {
        "mine": push_world["ea"],
        "colleague": push_world["ea"],
        "outside": push_world["eb"],
    }
    records = {
        owner: {
            "id": f"new-{role}-{owner}",
            "enterprise_id": str(enterprises[owner].id),
            "checklist_id": _version(enterprises[owner], kind).id,
            "kind": kind,
            "started_at": 946_684_800_000,
            "finished_at": None,
        }
        for owner in _cells(START_INSPECTION, role)
    }
    refused = _push_cells(client, push_world, role, "inspections", "created", records)
    assert refused == _refused(START_INSPECTION, role)
    for owner, record in records.items():
        assert (session.get(Inspection, record["id"]) is None) is (owner in refused)


@pytest.mark.parametrize("role", ROLES)
def test_pushing_an_inspection_under_an_existing_id(client, session, push_world, role):
    """Created (a device that never saw the server's copy) or updated, an existing inspection
    is its inspector's: anyone else's push of it is refused and changes nothing."""
    for operation in ("created", "updated"):
        records = {
            owner: _inspection_record(
                push_world["inspections"][INSPECTION_OF[role][owner]], longitude=108.3
            )
            for owner in _cells(ONLY_THE_OWNER, role)
        }
        refused = _push_cells(client, push_world, role, "inspections", operation, records)
        assert refused == _refused(ONLY_THE_OWNER, role), operation
        for owner, record in records.items():
            inspection = session.get(Inspection, record["id"])
            assert inspection.status == "in_progress"
            assert (
                inspection.inspector_id == push_world["writers"][INSPECTION_OF[role][owner]][0].id
            )


@pytest.mark.parametrize("role", ROLES)
def test_finishing_an_inspection(client, session, push_world, role):
    records = {
        owner: _inspection_record(
            push_world["inspections"][INSPECTION_OF[role][owner]], finished_at=946_688_400_000
        )
        for owner in _cells(ONLY_THE_OWNER, role)
    }
    refused = _push_cells(client, push_world, role, "inspections", "updated", records)
    # The owner's finish is refused too, but by the checklist (items not yet answered), not
    # by authority: what matters here is that nobody else's push finishes an inspection.
    assert refused >= _refused(ONLY_THE_OWNER, role)
    for record in records.values():
        assert session.get(Inspection, record["id"]).status == "in_progress"


@pytest.mark.parametrize("role", ROLES)
def test_deleting_an_inspection(client, session, push_world, role):
    ids = {
        owner: push_world["inspections"][INSPECTION_OF[role][owner]].id
        for owner in _cells(NEVER_DELETED, role)
    }
    refused = _push_cells(client, push_world, role, "inspections", "deleted", ids)
    assert refused == _refused(NEVER_DELETED, role)
    assert all(session.get(Inspection, inspection_id) for inspection_id in ids.values())


# ---------------------------------------------------------------- findings


def _finding_record(world, role, owner, **changes):
    inspection = world["inspections"][INSPECTION_OF[role][owner]]
    return {
        "id": f"f-{INSPECTION_OF[role][owner]}",
        "inspection_id": inspection.id,
        "item_code": _item_codes(inspection)[0],
        "result": "pass",
        "note": "",
        **changes,
    }


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_finding(client, session, push_world, role):
    records = {}
    for owner in _cells(ONLY_THE_OWNER, role):
        inspection = push_world["inspections"][INSPECTION_OF[role][owner]]
        records[owner] = {
            "id": f"nf-{role}-{owner}",
            "inspection_id": inspection.id,
            "item_code": _item_codes(inspection)[1],
            "result": "na",
        }
    refused = _push_cells(client, push_world, role, "findings", "created", records)
    assert refused == _refused(ONLY_THE_OWNER, role)
    for owner, record in records.items():
        assert (session.get(Finding, record["id"]) is None) is (owner in refused)


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_finding(client, session, push_world, role):
    records = {
        owner: _finding_record(push_world, role, owner, note=f"{role} 改过")
        for owner in _cells(ONLY_THE_OWNER, role)
    }
    refused = _push_cells(client, push_world, role, "findings", "updated", records)
    assert refused == _refused(ONLY_THE_OWNER, role)
    for owner, record in records.items():
        changed = session.get(Finding, record["id"]).note == record["note"]
        assert changed is (owner not in refused)


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_finding(client, session, push_world, role):
    ids = {
        owner: _finding_record(push_world, role, owner)["id"]
        for owner in _cells(ONLY_THE_OWNER, role)
    }
    refused = _push_cells(client, push_world, role, "findings", "deleted", ids)
    assert refused == _refused(ONLY_THE_OWNER, role)
    for owner, finding_id in ids.items():
        assert (session.get(Finding, finding_id) is None) is (owner not in refused)


# ---------------------------------------------------------------- photos


def _photo_record(world, role, owner):
    writer = INSPECTION_OF[role][owner]
    return {
        "id": f"photo-{writer}",
        "sha256": SHA,
        "owner_table": "inspections",
        "owner_id": world["inspections"][writer].id,
    }


@pytest.mark.parametrize("role", ROLES)
def test_attaching_a_photo(client, session, push_world, role):
    records = {
        owner: {**_photo_record(push_world, role, owner), "id": f"np-{role}-{owner}"}
        for owner in _cells(ONLY_THE_OWNER, role)
    }
    refused = _push_cells(client, push_world, role, "photos", "created", records)
    assert refused == _refused(ONLY_THE_OWNER, role)
    for owner, record in records.items():
        assert (session.get(Photo, record["id"]) is None) is (owner in refused)


@pytest.mark.parametrize("role", ROLES)
def test_pushing_an_attached_photo_again(client, session, push_world, role):
    records = {
        owner: _photo_record(push_world, role, owner) for owner in _cells(ONLY_THE_OWNER, role)
    }
    refused = _push_cells(client, push_world, role, "photos", "updated", records)
    assert refused == _refused(ONLY_THE_OWNER, role)
    for record in records.values():
        assert session.get(Photo, record["id"]).owner_id == record["owner_id"]


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_photo(client, session, push_world, role):
    ids = {
        owner: _photo_record(push_world, role, owner)["id"] for owner in _cells(NEVER_DELETED, role)
    }
    refused = _push_cells(client, push_world, role, "photos", "deleted", ids)
    assert refused == _refused(NEVER_DELETED, role)
    assert all(session.get(Photo, photo_id) for photo_id in ids.values())


# ---------------------------------------------------------------- hazard actions


@pytest.mark.parametrize("role", ROLES)
def test_taking_a_hazard_action(client, session, push_world, role):
    action, state = ROLE_ACTION[role]
    records = {}
    for owner in _cells(HAZARD_ACTION, role):
        hazard = push_world["hazards"][HAZARD_OF[role][owner]]
        hazard.status = state
        records[owner] = {
            "id": f"na-{role}-{owner}",
            "hazard_id": hazard.id,
            "action": action,
            "note": "",
            "plan": '{"owner": "张三"}',
        }
    session.commit()
    refused = _push_cells(client, push_world, role, "hazard_actions", "created", records)
    assert refused == _refused(HAZARD_ACTION, role)
    for owner, record in records.items():
        assert (session.get(HazardAction, record["id"]) is None) is (owner in refused)


@pytest.mark.parametrize("role", ROLES)
def test_pushing_a_hazard_action_again(client, session, push_world, role):
    """A replayed action is its own actor's; from anyone else it is refused."""
    records = {}
    for owner in _cells(ONLY_THE_OWNER, role):
        action = session.get(HazardAction, push_world["actions"][ACTION_OF[role][owner]])
        records[owner] = {"id": action.id, "hazard_id": action.hazard_id, "action": action.action}
    count = len(session.scalars(select(HazardAction.id)).all())
    refused = _push_cells(client, push_world, role, "hazard_actions", "updated", records)
    assert refused == _refused(ONLY_THE_OWNER, role)
    assert len(session.scalars(select(HazardAction.id)).all()) == count


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_hazard_action(client, session, push_world, role):
    ids = {
        owner: push_world["actions"][ACTION_OF[role][owner]]
        for owner in _cells(NEVER_DELETED, role)
    }
    refused = _push_cells(client, push_world, role, "hazard_actions", "deleted", ids)
    assert refused == _refused(NEVER_DELETED, role)
    assert all(session.get(HazardAction, action_id) for action_id in ids.values())


# ---------------------------------------------------------------- what the server owns

PULL_ONLY = ("enterprises", "checklists", "inspection_plans", "sync_rejections")


@pytest.mark.parametrize("role", ROLES)
def test_the_tables_the_server_owns_are_pull_only_for_everyone(client, session, push_world, role):
    """Every operation on every server-owned table is refused per record, whatever the role;
    so are a pushed update or deletion of a hazard (devices report hazards, but a reported
    one changes only through its actions), and a report without its fields. The hazard keeps
    its state."""
    hazard = push_world["hazards"]["inspector"]
    existing = {
        "enterprises": str(push_world["ea"].id),
        "checklists": push_world["inspections"]["inspector"].checklist_version_id,
        "hazards": hazard.id,
        "inspection_plans": "plan-1",
        "sync_rejections": "rejection-1",
    }
    changes = {
        table: {
            "created": [{"id": f"new-{table}"}],
            "updated": [{"id": record_id, "status": "closed", "name": "改名"}],
            "deleted": [f"gone-{table}"],
        }
        for table, record_id in existing.items()
    }
    headers = push_world["device"](role)
    last = pull(client, headers)["timestamp"]
    rejected = push(client, headers, changes, last).json["experimentalRejectedIds"]
    for table, record_id in existing.items():
        assert set(rejected[table]) == {f"new-{table}", record_id, f"gone-{table}"}
    reasons = _kept_rejections(push_world["users"][role], "hazards")
    assert "only through hazard actions" in reasons[hazard.id]
    assert (
        "pull-only"
        in _kept_rejections(push_world["users"][role], "enterprises")[str(push_world["ea"].id)]
    )
    assert session.scalar(select(Hazard.status).where(Hazard.id == hazard.id)) == "reported"


# ---------------------------------------------------------------- holes the matrix found


def test_another_users_finding_is_refused_even_unchanged_or_changed_since_the_pull(
    client, session, push_world
):
    """Only the owner writes a finding: a colleague's push of it is refused, whether it
    repeats the server's copy or differs from a copy changed since the colleague's pull (that
    was a 409 aborting the colleague's whole batch, before any authority was checked)."""
    owner = push_world["users"]["inspector_a1"]
    headers = push_world["device"]("supervisor_a")
    last = pull(client, headers)["timestamp"]
    inspection = push_world["inspections"]["inspector"]
    finding = session.get(Finding, "f-inspector")
    inspections.record_finding(owner, inspection, item_code=finding.item_code, result="fail")
    session.commit()
    unchanged = _finding_record(push_world, "inspector_a1", "mine", result="fail")
    changed = {**unchanged, "note": "督查改过"}
    for record in (unchanged, changed):
        changes = {"findings": {"created": [], "updated": [record], "deleted": []}}
        rejected = push(client, headers, changes, last).json["experimentalRejectedIds"]
        assert rejected == {"findings": ["f-inspector"]}
    assert session.get(Finding, "f-inspector").note == ""


def test_a_refusal_names_nothing_out_of_the_pushers_scope(client, session, push_world):
    """An out-of-scope finding or hazard action is reported as not found, the same as one that
    does not exist: the reason names neither its inspection nor that it exists."""
    outside_action = push_world["actions"]["out_official"]
    changes = {
        "findings": {"created": [], "updated": [], "deleted": ["f-out_official"]},
        "photos": {
            "created": [
                {
                    "id": "p-of-finding",
                    "sha256": SHA,
                    "owner_table": "findings",
                    "owner_id": "f-out_official",
                },
                {
                    "id": "p-of-action",
                    "sha256": SHA,
                    "owner_table": "hazard_actions",
                    "owner_id": outside_action,
                },
            ],
            "updated": [],
            "deleted": [],
        },
    }
    headers = push_world["device"]("inspector_a1")
    last = pull(client, headers)["timestamp"]
    push(client, headers, changes, last)
    user = push_world["users"]["inspector_a1"]
    assert _kept_rejections(user, "findings") == {
        "f-out_official": "finding f-out_official not found"
    }
    assert _kept_rejections(user, "photos") == {
        "p-of-finding": "finding f-out_official not found",
        "p-of-action": f"hazard action {outside_action} not found",
    }
