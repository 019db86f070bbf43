"""A grid worker's patrol log (巡查记录) made offline reaches the server through the sync
exactly once, is refused alone when it reaches out of the worker's grid, and comes back
read-only to its author only; officials in scope read it over REST."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.core.db import db
from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard, Patrol, PatrolEnterprise, SyncRejection
from backend.patrols import services as patrols
from tests.backend.fixtures.sync import ids, pull, push

MS = 1_764_000_000_000


def patrol_record(pid, enterprises, *, route=None, hazards=None, day=None):
    return {
        "id": pid,
        "patrol_date": (day or today_in_shanghai()).isoformat(),
        "started_at": MS,
        "ended_at": MS + 3_600_000,
        "route": json.dumps(
            route
            if route is not None
            else [
                {"lat": 31.23, "lon": 121.47, "at": MS},
                {"lat": 31.24, "lon": 121.48, "at": MS + 600_000},
            ]
        ),
        "places": json.dumps(["村委会", "东一路沿街商铺"], ensure_ascii=False),
        "observations": "东一化工厂区通道畅通；东一机械车间消防栓被遮挡",
        "enterprise_ids": json.dumps([str(e.id) for e in enterprises]),
        "hazards": json.dumps(hazards or [], ensure_ascii=False),
        "hazard_note": "",
    }


def changes_of(*records):
    return {"patrols": {"created": list(records), "updated": [], "deleted": []}}


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_offline_patrol_arrives_exactly_once(client, grids_world, device):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    due_on = (today_in_shanghai() + timedelta(days=7)).isoformat()
    hazard = {"enterprise_id": str(w["trade"].id), "title": "车间消防栓被遮挡", "due_on": due_on}
    record = patrol_record("pt-1", [w["chem"]], hazards=[hazard])

    first = push(client, headers, changes_of(record), last).json
    # The answer was lost: the device pushes the same records again.
    again = push(client, headers, changes_of(record), last).json

    assert first.get("experimentalRejectedIds", {}) == {}
    assert again.get("experimentalRejectedIds", {}) == {}
    assert _count(Patrol) == 1
    patrol = db.session.get(Patrol, "pt-1")
    assert patrol.user_id == w["worker"].id and patrol.jurisdiction_id == w["grid"].id
    assert [point["lat"] for point in patrol.route] == [31.23, 31.24]
    # The hazard went through the hazards' intake, once; its enterprise counts as visited.
    assert _count(Hazard, Hazard.enterprise_id == w["trade"].id) == 1
    visited = set(
        db.session.scalars(
            select(PatrolEnterprise.enterprise_id).where(PatrolEnterprise.patrol_id == "pt-1")
        )
    )
    assert visited == {w["chem"].id, w["trade"].id}


def test_an_out_of_grid_enterprise_refuses_that_patrol_alone(client, grids_world, device):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    good = patrol_record("pt-good", [w["chem"]])
    outside = patrol_record("pt-out", [w["chem"], w["chem_west"]])

    answer = push(client, headers, changes_of(good, outside), last).json

    assert answer["experimentalRejectedIds"] == {"patrols": ["pt-out"]}
    assert db.session.get(Patrol, "pt-good") is not None
    assert db.session.get(Patrol, "pt-out") is None
    reason = db.session.scalar(
        select(SyncRejection.reason).where(SyncRejection.record_id == "pt-out")
    )
    assert reason == f"enterprise {w['chem_west'].id} not found"


def test_bad_gps_points_refuse_the_record_naming_the_point(client, grids_world, device):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    bad = patrol_record("pt-bad", [w["chem"]], route=[{"lat": 95, "lon": 121.4, "at": MS}])
    not_points = patrol_record("pt-str", [w["chem"]], route=["31.2,121.4"])
    future = patrol_record("pt-future", [], day=today_in_shanghai() + timedelta(days=2))

    answer = push(client, headers, changes_of(bad, not_points, future), last).json

    assert set(answer["experimentalRejectedIds"]["patrols"]) == {"pt-bad", "pt-str", "pt-future"}
    reasons = dict(db.session.execute(select(SyncRejection.record_id, SyncRejection.reason)).all())
    assert reasons["pt-bad"] == "route[0].lat must be between -90 and 90."
    assert reasons["pt-str"].startswith("route[0] must be an object")
    assert reasons["pt-future"] == "patrol_date lies in the future."


def test_only_grid_workers_push_patrols_and_logs_are_never_deleted(client, grids_world, device):
    w = grids_world
    inspector = device(w["inspector"], "inspector-phone")
    last = pull(client, inspector)["timestamp"]
    answer = push(client, inspector, changes_of(patrol_record("pt-i", [w["chem"]])), last).json
    assert answer["experimentalRejectedIds"] == {"patrols": ["pt-i"]}

    worker = device(w["worker"], "worker-phone")
    push(client, worker, changes_of(patrol_record("pt-w", [w["chem"]])), last)
    deletion = {"patrols": {"created": [], "updated": [], "deleted": ["pt-w"]}}
    answer = push(client, worker, deletion, last).json
    assert answer["experimentalRejectedIds"] == {"patrols": ["pt-w"]}
    assert db.session.get(Patrol, "pt-w") is not None


def test_a_patrol_id_of_another_worker_is_refused(client, grids_world, device):
    w = grids_world
    mine = device(w["worker"], "worker-phone")
    last = pull(client, mine)["timestamp"]
    push(client, mine, changes_of(patrol_record("pt-x", [w["chem"]])), last)

    theirs = device(w["west_worker"], "west-phone")
    record = patrol_record("pt-x", [w["chem_west"]])
    answer = push(client, theirs, changes_of(record), last).json

    assert answer["experimentalRejectedIds"] == {"patrols": ["pt-x"]}
    assert db.session.get(Patrol, "pt-x").user_id == w["worker"].id


def test_the_log_comes_back_to_its_author_only(client, grids_world, device):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    push(client, headers, changes_of(patrol_record("pt-back", [w["chem"]])), last)

    first = pull(client, device(w["worker"], "worker-new-phone"))["changes"]
    (back,) = first["patrols"]["created"]
    assert back["id"] == "pt-back"
    assert json.loads(back["enterprise_ids"]) == [str(w["chem"].id)]
    for other in ("west_worker", "inspector", "supervisor"):
        changes = pull(client, device(w[other], f"{other}-phone"))["changes"]
        assert ids(changes, "patrols") == set(), other
    # Incrementally, the author's own device sees its record as updated, nobody else's.
    later = pull(client, headers, last)["changes"]
    assert ids(later, "patrols", "updated") == {"pt-back"}


def test_officials_in_scope_read_patrols_over_rest(client, grids_world, device, auth_header):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    push(client, headers, changes_of(patrol_record("pt-rest", [w["chem"]])), last)

    for reader in ("supervisor", "inspector", "worker"):
        listed = client.get("/api/v1/patrols", headers=auth_header(w[reader])).json
        assert [row["id"] for row in listed] == ["pt-rest"], reader
        one = client.get("/api/v1/patrols/pt-rest", headers=auth_header(w[reader]))
        assert one.status_code == 200
        assert one.json["enterprise_ids"] == [w["chem"].id]
    for outsider in ("away_inspector", "west_worker", "official"):
        assert client.get("/api/v1/patrols", headers=auth_header(w[outsider])).json == []
        response = client.get("/api/v1/patrols/pt-rest", headers=auth_header(w[outsider]))
        assert response.status_code == 404, outsider


# Every role pushes, in one batch, a new patrol of an enterprise of the grid ("mine"), a
# patrol under a colleague's existing id ("colleague"), a new one naming an enterprise out of
# the grid ("outside"): only a grid worker's own log in their grid lands, each refusal alone
# and kept with its reason (the patrols counterpart of sync_adapter/test_push_matrix.py).
PUSHERS = {
    "admin": "refused refused refused",
    "supervisor": "refused refused refused",
    "inspector": "refused refused refused",
    "official": "refused refused refused",
    "manager": "refused refused refused",
    "worker": "kept refused refused",
}


@pytest.mark.parametrize("role", list(PUSHERS))
def test_who_may_push_which_patrol(client, grids_world, device, make_user, role):
    w = grids_world
    if role == "manager":
        w["manager"] = make_user("enterprise_manager", enterprise=w["chem"])
    colleague = make_user("grid_worker", jurisdiction=w["grid"])
    patrols.record_patrol(
        colleague, id="pt-colleague", patrol_date=today_in_shanghai(), enterprise_ids=[]
    )
    db.session.commit()
    headers = device(w[role], f"{role}-phone")
    last = pull(client, headers)["timestamp"]
    records = {
        "mine": patrol_record(f"pt-{role}-new", [w["chem"]]),
        "colleague": patrol_record("pt-colleague", []),
        "outside": patrol_record(f"pt-{role}-out", [w["chem_west"]]),
    }

    answer = push(client, headers, changes_of(*records.values()), last).json

    refused_ids = set(answer.get("experimentalRejectedIds", {}).get("patrols", []))
    expected = dict(zip(records, PUSHERS[role].split(), strict=True))
    for owner, record in records.items():
        assert (record["id"] in refused_ids) is (expected[owner] == "refused"), owner
    reasons = dict(
        db.session.execute(
            select(SyncRejection.record_id, SyncRejection.reason).where(
                SyncRejection.user_id == w[role].id
            )
        ).all()
    )
    assert all(reasons.get(record_id) for record_id in refused_ids)
    assert db.session.get(Patrol, "pt-colleague").user_id == colleague.id
    assert (db.session.get(Patrol, f"pt-{role}-new") is not None) is (role == "worker")


def test_pulling_patrols_reads_their_visits_in_one_query_per_batch(
    client, grids_world, device, count_queries
):
    w = grids_world
    headers = device(w["worker"], "worker-phone")
    last = pull(client, headers)["timestamp"]
    push(client, headers, changes_of(patrol_record("pt-a", [w["chem"]])), last)

    def statements_of_a_first_pull(phone):
        with count_queries() as statements:
            body = pull(client, device(w["worker"], phone))
        return len(statements), body

    one, _ = statements_of_a_first_pull("phone-1")
    more = [patrol_record(f"pt-{n}", [w["chem"], w["trade"]]) for n in "bcd"]
    push(client, headers, changes_of(*more), last)
    four, body = statements_of_a_first_pull("phone-2")
    assert ids(body["changes"], "patrols") == {"pt-a", "pt-b", "pt-c", "pt-d"}
    by_id = {row["id"]: row for row in body["changes"]["patrols"]["created"]}
    assert json.loads(by_id["pt-c"]["enterprise_ids"]) == sorted(
        [str(w["chem"].id), str(w["trade"].id)], key=int
    )
    assert four == one
