"""End to end: the real WatermelonDB client against the real app over HTTP.

tests/sync_e2e/client.mjs runs WatermelonDB's own synchronize() in Node, one in-memory LokiJS
database per simulated phone, and plays a script of steps (sync, create, update, ...). Each test
serves a fresh app (its own SQLite file, the migrations, the shipped checklists and the demo) with
a real WSGI server on 127.0.0.1, plays a script against it and checks both the phones' local
records and the server's REST API.

Needs node and `npm ci --prefix tests/sync_e2e`: skipped without them, failed under CI.
"""

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import require_tool

E2E_DIR = Path(__file__).resolve().parents[1] / "sync_e2e"
CLIENT = E2E_DIR / "client.mjs"
NODE_TIMEOUT_SECONDS = 120
CHECKLIST = "wuluoshi"  # 6 items, every industry, no photo required on failure


# ---------------------------------------------------------------- the node driver


@pytest.fixture(scope="module")
def node() -> str:
    path = require_tool("node")
    if not (E2E_DIR / "node_modules" / "@nozbe" / "watermelondb").is_dir():
        message = "WatermelonDB is not installed: run `npm ci --prefix tests/sync_e2e`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# ---------------------------------------------------------------- the served app


@dataclass
class Server:
    base: str
    ids: dict = field(default_factory=dict)  # demo jurisdiction code -> id
    _tokens: dict = field(default_factory=dict)

    def call(self, method: str, path: str, token: str | None = None, body=None):
        """(status, parsed JSON body) of one request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, (json.loads(raw) if raw else None)

    def ok(self, method: str, path: str, token: str, body=None, status: int = 200):
        got, answer = self.call(method, path, token, body)
        assert got == status, f"{method} {path}: {got} {answer}"
        return answer

    def token(self, username: str, device_id: str | None = None) -> str:
        """A bearer token of a demo user (one per device id)."""
        key = (username, device_id)
        if key not in self._tokens:
            body = {"username": username, "password": f"demo-{username}-pass"}
            if device_id:
                body["device_id"] = device_id
            self._tokens[key] = self.ok("POST", "/api/v1/auth/token", None, body, 201)[
                "access_token"
            ]
        return self._tokens[key]

    def all_pages(self, path: str, token: str) -> list:
        separator = "&" if "?" in path else "?"
        items, page = [], 1
        while True:
            batch = self.ok("GET", f"{path}{separator}page={page}&page_size=100", token)
            items += batch
            if len(batch) < 100:
                return items
            page += 1


@pytest.fixture
def server(tmp_path, monkeypatch) -> Server:
    """The whole app on a fresh SQLite file, served by werkzeug on a free port."""
    from backend.app import create_app
    from backend.checklists.services import publish_shipped
    from backend.core.db import EXTENSION_KEY, db
    from backend.demo import seed_demo
    from backend.migrate import upgrade

    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SECRET_KEY": "e2e-secret-0123456789abcdef0123456789",
        }
    )
    upgrade(url)
    with app.app_context():
        publish_shipped()
        seed_demo()
        db.session.commit()
        db.session.remove()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    served = Server(f"http://127.0.0.1:{http.server_port}")
    admin = served.token("admin")
    served.ids = {j["code"]: j["id"] for j in served.all_pages("/api/v1/jurisdictions", admin)}
    yield served
    http.shutdown()
    thread.join(timeout=10)
    http.server_close()
    app.extensions[EXTENSION_KEY].dispose()


class Run:
    """The results of a script: by position, or by the label a step carried."""

    def __init__(self, results: list[dict]):
        self.results = results
        self.labelled = {r["label"]: r for r in results if "label" in r}

    def __getitem__(self, label: str) -> dict:
        return self.labelled[label]


def play(node: str, server: Server, steps: list[dict], tmp_path: Path, **script) -> Run:
    """Run a script with the node driver."""
    path = tmp_path / f"script-{time.monotonic_ns()}.json"
    path.write_text(json.dumps({"base": server.base, **script, "steps": steps}))
    done = subprocess.run(
        [node, str(CLIENT), str(path)],
        cwd=E2E_DIR,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_SECONDS,
    )
    assert done.returncode == 0, f"driver failed ({done.returncode}):\n{done.stderr[-4000:]}"
    results = json.loads(done.stdout.strip().splitlines()[-1])["results"]
    assert len(results) == len(steps)
    return Run(results)


def ok(result: dict) -> dict:
    assert result["ok"], f"step {result['op']} on {result['device']} failed: {result.get('error')}"
    return result


def records(result: dict) -> dict[str, dict]:
    """The local records of a `query` step, by id."""
    return {record["id"]: record for record in ok(result)["records"]}


def all_synced(result: dict) -> bool:
    return all(record["_status"] == "synced" for record in records(result).values())


def sync_errors(result: dict) -> list[str]:
    """WatermelonDB's complaints about what the server sent (e.g. a new record as `updated`)."""
    return [line for line in result.get("logs", []) if "[Sync]" in line]


def rejected(result: dict) -> dict:
    """experimentalRejectedIds of a sync step, without empty tables."""
    return {table: ids for table, ids in (ok(result)["rejected"] or {}).items() if ids}


# ---------------------------------------------------------------- demo data and steps


def now_ms() -> int:
    return int(time.time() * 1000)


def enterprises_under(server: Server, code: str) -> dict[str, dict]:
    """The demo enterprises in a jurisdiction subtree, by sync id (the integer id as text)."""
    admin = server.token("admin")
    found = server.all_pages(f"/api/v1/enterprises?jurisdiction_id={server.ids[code]}", admin)
    return {str(e["id"]): e for e in found}


def checklist_for(server: Server, enterprise_id: str, code: str = CHECKLIST):
    """(version id, item codes) of the current `code` checklist for this enterprise."""
    token = server.token("admin")
    versions = server.ok("GET", f"/api/v1/enterprises/{enterprise_id}/checklists", token)
    version = next(v for v in versions if v["code"] == code)
    content = server.ok("GET", f"/api/v1/checklists/{version['id']}", token)["content"]
    items = [item["code"] for section in content["sections"] for item in section["items"]]
    assert len(items) == version["item_count"]
    return version["id"], items


def inspection_steps(
    device: str,
    inspection_id: str,
    enterprise_id: str,
    version_id: str,
    items: list[str],
    failed: tuple[str, ...] = (),
    finished: bool = False,
) -> list[dict]:
    """Create, offline, an inspection and one finding per item (`failed` ones fail)."""
    steps = [
        {
            "op": "create",
            "device": device,
            "table": "inspections",
            "fields": {
                "id": inspection_id,
                "enterprise_id": enterprise_id,
                "checklist_id": version_id,
                "kind": "supervision",
                "started_at": now_ms() - 600_000,
                "finished_at": now_ms() if finished else None,
                "latitude": 22.817,
                "longitude": 108.366,
            },
        }
    ]
    for code in items:
        failed_here = code in failed
        steps.append(
            {
                "op": "create",
                "device": device,
                "table": "findings",
                "fields": {
                    "id": finding_id(inspection_id, code),
                    "inspection_id": inspection_id,
                    "item_code": code,
                    "result": "fail" if failed_here else "pass",
                    "note": f"{code} 不符合要求" if failed_here else "",
                },
            }
        )
    return steps


def finding_id(inspection_id: str, item_code: str) -> str:
    return f"{inspection_id}-{item_code}"


def sync(device: str, label: str | None = None, **extra) -> dict:
    return step("sync", device, label, **extra)


def query(device: str, table: str, label: str | None = None) -> dict:
    return step("query", device, label, table=table)


def step(op: str, device: str, label: str | None = None, **fields) -> dict:
    return {"op": op, "device": device, **({"label": label} if label else {}), **fields}


def finish_online(server: Server, token: str, enterprise_id: str, failed: tuple[str, ...]):
    """An inspection done through the online API: the hazards of its failed items."""
    version_id, items = checklist_for(server, enterprise_id)
    inspection = server.ok(
        "POST",
        "/api/v1/inspections",
        token,
        {
            "enterprise_id": int(enterprise_id),
            "checklist_version_id": version_id,
            "kind": "supervision",
        },
        201,
    )
    for code in items:
        result = {"result": "fail" if code in failed else "pass"}
        server.ok("PUT", f"/api/v1/inspections/{inspection['id']}/findings/{code}", token, result)
    done = server.ok("POST", f"/api/v1/inspections/{inspection['id']}/finish", token, {})
    return inspection["id"], done["hazards"]


def hazards_of(server: Server, enterprise_id: str) -> list[dict]:
    return server.all_pages(f"/api/v1/hazards?enterprise_id={enterprise_id}", server.token("admin"))


def inspections_of(server: Server, enterprise_id: str) -> list[dict]:
    return server.all_pages(
        f"/api/v1/inspections?enterprise_id={enterprise_id}", server.token("admin")
    )


# ---------------------------------------------------------------- scenarios


def test_first_sync_brings_the_scope_and_the_checklists_it_needs(node, server, tmp_path):
    in_scope = enterprises_under(server, "DEMO-S1")  # the demo inspector's street
    outside = enterprises_under(server, "DEMO-S2")
    assert in_scope and outside
    run = play(
        node,
        server,
        [
            sync("A", "first"),
            query("A", "enterprises", "enterprises"),
            query("A", "checklists", "checklists"),
            query("A", "hazards", "hazards"),
        ],
        tmp_path,
        token=server.token("inspector", "phone-a"),
    )
    first = ok(run["first"])
    assert isinstance(first["timestamp"], int) and first["timestamp"] > 0
    assert first["lastPulledAt"] == first["timestamp"]
    assert first["pushed"] is None
    assert sync_errors(first) == [], "a first sync sends every record as `created`"

    local = records(run["enterprises"])
    assert set(local) == set(in_scope)
    assert not set(local) & set(outside)
    for sync_id, enterprise in local.items():
        assert enterprise["_status"] == "synced"
        assert enterprise["name"] == in_scope[sync_id]["name"]
        assert enterprise["uscc"] == in_scope[sync_id]["uscc"]
        assert enterprise["industry"] == in_scope[sync_id]["industry"]
        assert enterprise["jurisdiction_id"] == str(in_scope[sync_id]["jurisdiction_id"])

    admin = server.token("admin")
    needed = set()
    for sync_id in in_scope:
        versions = server.ok("GET", f"/api/v1/enterprises/{sync_id}/checklists", admin)
        needed |= {version["id"] for version in versions}
    checklists = records(run["checklists"])
    assert needed <= set(checklists), "every checklist an enterprise in scope needs"
    assert set(checklists) <= needed, "no checklist only enterprises outside the scope need"
    for version in checklists.values():
        content = json.loads(version["content"])
        assert content["code"] == version["code"] and content["sections"]
        assert version["_status"] == "synced"
    assert records(run["hazards"]) == {}


def test_offline_inspection_syncs_and_its_failed_items_come_back_as_hazards(node, server, tmp_path):
    enterprise_id = next(iter(enterprises_under(server, "DEMO-S1-G1")))
    version_id, items = checklist_for(server, enterprise_id)
    failed = (items[0], items[3])
    token = server.token("inspector", "phone-a")
    steps = [
        sync("A"),
        query("A", "checklists", "checklists"),
        *inspection_steps("A", "insp-a-1", enterprise_id, version_id, items, failed),
        sync("A", "push open"),
        step("http", "A", "online view", path="/api/v1/inspections/insp-a-1"),
        step("update", "A", table="inspections", id="insp-a-1", fields={"finished_at": now_ms()}),
        sync("A", "push finished"),  # the server finishes the inspection
        sync("A", "pull hazards"),
        query("A", "hazards", "hazards"),
        query("A", "inspections", "inspections"),
        query("A", "findings", "findings"),
    ]
    run = play(node, server, steps, tmp_path, token=token)
    pulled_content = json.loads(records(run["checklists"])[version_id]["content"])
    assert [i["code"] for s in pulled_content["sections"] for i in s["items"]] == items

    first_push = ok(run["push open"])
    assert first_push["pushed"]["inspections"]["created"] == ["insp-a-1"]
    assert sorted(first_push["pushed"]["findings"]["created"]) == sorted(
        finding_id("insp-a-1", code) for code in items
    )
    assert rejected(first_push) == {}
    online = ok(run["online view"])
    assert online["status"] == 200, online["body"]
    assert online["body"]["status"] == "in_progress"
    assert online["body"]["enterprise_id"] == int(enterprise_id)
    assert online["body"]["checklist_version_id"] == version_id
    assert {f["item_code"]: f["result"] for f in online["body"]["findings"]} == {
        code: "fail" if code in failed else "pass" for code in items
    }

    finish_push = ok(run["push finished"])
    assert finish_push["pushed"]["inspections"]["updated"] == ["insp-a-1"]
    assert rejected(finish_push) == {}
    assert "hazards" in (ok(run["pull hazards"])["pulled"] or {})

    assert server.ok("GET", "/api/v1/inspections/insp-a-1", token)["status"] == "finished"
    server_hazards = {h["id"]: h for h in hazards_of(server, enterprise_id)}
    assert sorted(h["finding_id"] for h in server_hazards.values()) == sorted(
        finding_id("insp-a-1", code) for code in failed
    )
    local_hazards = records(run["hazards"])
    assert set(local_hazards) == set(server_hazards)
    for hazard_id, hazard in local_hazards.items():
        assert hazard["enterprise_id"] == enterprise_id
        assert hazard["finding_id"] == server_hazards[hazard_id]["finding_id"]
        assert hazard["title"] == server_hazards[hazard_id]["title"]
        assert hazard["grade"] == server_hazards[hazard_id]["grade"]
        assert hazard["status"] == server_hazards[hazard_id]["status"]
        assert hazard["due_on"] == server_hazards[hazard_id]["due_on"]
        assert hazard["_status"] == "synced"
    assert records(run["inspections"])["insp-a-1"]["finished_at"] is not None
    assert all_synced(run["inspections"]) and all_synced(run["findings"])


def test_a_lost_push_response_and_its_retry_make_no_duplicates(node, server, tmp_path):
    enterprise_id = next(iter(enterprises_under(server, "DEMO-S1-G2")))
    version_id, items = checklist_for(server, enterprise_id)
    failed = (items[1], items[2], items[5])
    steps = [
        sync("A"),
        *inspection_steps("A", "insp-lost", enterprise_id, version_id, items, failed, True),
        step("dropResponse", "A"),
        sync("A", "lost"),  # the server applies the push; the phone never hears back
        query("A", "inspections", "after loss"),
        sync("A", "retry"),  # the phone pushes the same records again
        sync("A", "again"),
        query("A", "inspections", "inspections"),
        query("A", "findings", "findings"),
        query("A", "hazards", "hazards"),
    ]
    run = play(node, server, steps, tmp_path, token=server.token("inspector", "phone-a"))
    lost = run["lost"]
    assert not lost["ok"] and "lost" in lost["error"], lost
    assert records(run["after loss"])["insp-lost"]["_status"] == "created"
    retry = ok(run["retry"])
    assert retry["pushed"]["inspections"]["created"] == ["insp-lost"]
    assert rejected(retry) == {}, "a record the server already holds is not refused"
    ok(run["again"])

    assert [i["id"] for i in inspections_of(server, enterprise_id)] == ["insp-lost"]
    hazards = hazards_of(server, enterprise_id)
    assert sorted(h["finding_id"] for h in hazards) == sorted(
        finding_id("insp-lost", code) for code in failed
    )
    assert all_synced(run["inspections"]) and all_synced(run["findings"])
    assert set(records(run["hazards"])) == {h["id"] for h in hazards}


def test_a_push_racing_another_device_gets_409_then_pulls_and_succeeds(node, server, tmp_path):
    enterprise_id = next(iter(enterprises_under(server, "DEMO-S1-G1")))
    version_id, items = checklist_for(server, enterprise_id)
    edited = finding_id("insp-race", items[0])
    tokens = {
        "A": server.token("inspector", "phone-a"),
        "B": server.token("inspector", "phone-b"),
    }
    a_edit = {"result": "fail", "note": "A: 消防通道堵塞"}
    b_edit = {"note": "B: 已拍照"}
    steps = [
        sync("A"),
        *inspection_steps("A", "insp-race", enterprise_id, version_id, items),
        sync("A"),
        sync("B"),  # B gets the inspection A started
        query("B", "findings", "B before"),
        step("update", "A", table="findings", id=edited, fields=a_edit),
        step("update", "B", table="findings", id=edited, fields=b_edit),
        # B pulls; then A pushes its edit; then B pushes its own, now stale: 409.
        sync("B", "race", beforePush=[sync("A", "A wins")]),
        query("B", "findings", "B after 409"),
        sync("B", "B retries"),  # pulls A's edit, keeps its own changed column, pushes
        sync("A", "A catches up"),
        query("A", "findings", "A final"),
        query("B", "findings", "B final"),
    ]
    run = play(node, server, steps, tmp_path, tokens=tokens)
    assert edited in records(run["B before"])
    race = run["race"]
    assert not race["ok"] and race["status"] == 409, race
    a_wins = ok(race["beforePush"][0])
    assert a_wins["pushed"]["findings"]["updated"] == [edited]
    assert records(run["B after 409"])[edited]["_status"] == "updated", "B keeps its edit"
    retry = ok(run["B retries"])
    assert "findings" in (retry["pulled"] or {}), "B pulls A's edit first"
    assert retry["pushed"]["findings"]["updated"] == [edited]
    assert rejected(retry) == {}
    ok(run["A catches up"])

    final = server.ok("GET", "/api/v1/inspections/insp-race", tokens["A"])
    on_server = {f["item_code"]: f for f in final["findings"]}[items[0]]
    # Column by column: A's result, B's note (B changed only the note).
    assert (on_server["result"], on_server["note"]) == ("fail", b_edit["note"])
    for label in ("A final", "B final"):
        finding = records(run[label])[edited]
        assert (finding["result"], finding["note"], finding["_status"]) == (
            "fail",
            b_edit["note"],
            "synced",
        ), label


def test_moving_an_enterprise_out_of_scope_removes_it_and_its_hazards(node, server, tmp_path):
    in_scope = enterprises_under(server, "DEMO-S1")
    moved = next(iter(enterprises_under(server, "DEMO-S1-G2")))
    inspector = server.token("inspector", "phone-a")
    _inspection, hazards = finish_online(server, inspector, moved, failed=("W01",))
    assert len(hazards) == 1
    move = {"jurisdiction_id": server.ids["DEMO-S2-G1"]}
    steps = [
        sync("A"),
        query("A", "enterprises", "enterprises before"),
        query("A", "hazards", "hazards before"),
        step(
            "http",
            "A",
            "admin moves it",
            method="PATCH",
            path=f"/api/v1/enterprises/{moved}",
            token=server.token("admin"),
            body=move,
        ),
        sync("A", "after move"),
        query("A", "enterprises", "enterprises after"),
        query("A", "hazards", "hazards after"),
    ]
    run = play(node, server, steps, tmp_path, token=inspector)
    assert set(records(run["enterprises before"])) == set(in_scope)
    assert set(records(run["hazards before"])) == {hazards[0]["id"]}
    assert ok(run["admin moves it"])["status"] == 200, run["admin moves it"]
    after = ok(run["after move"])
    assert moved in ((after["pulled"] or {}).get("enterprises") or {}).get("deleted", []), after
    assert set(records(run["enterprises after"])) == set(in_scope) - {moved}
    # Out of scope online, so off the phone too.
    assert server.call("GET", f"/api/v1/enterprises/{moved}", inspector)[0] == 404
    assert server.call("GET", f"/api/v1/hazards/{hazards[0]['id']}", inspector)[0] == 404
    assert records(run["hazards after"]) == {}, "the moved enterprise's hazard left the phone"


def test_a_refused_record_does_not_block_the_others(node, server, tmp_path):
    mine = next(iter(enterprises_under(server, "DEMO-S1-G1")))
    foreign = next(iter(enterprises_under(server, "DEMO-S2-G1")))
    version_id, items = checklist_for(server, mine)
    foreign_version, _ = checklist_for(server, foreign)
    foreign_inspection = {
        "id": "insp-foreign",
        "enterprise_id": foreign,
        "checklist_id": foreign_version,
        "kind": "supervision",
        "started_at": now_ms(),
    }
    steps = [
        sync("A"),
        *inspection_steps("A", "insp-ok", mine, version_id, items[:2]),
        step("create", "A", table="inspections", fields=foreign_inspection),
        sync("A", "push"),
        query("A", "inspections", "after push"),
        sync("A", "next sync"),  # pulls the reason (and offers the refused record again)
        query("A", "sync_rejections", "rejections"),
        query("A", "inspections", "inspections"),
    ]
    run = play(node, server, steps, tmp_path, token=server.token("inspector", "phone-a"))
    push = ok(run["push"])
    assert sorted(push["pushed"]["inspections"]["created"]) == ["insp-foreign", "insp-ok"]
    assert rejected(push) == {"inspections": ["insp-foreign"]}
    local = records(run["after push"])
    assert local["insp-ok"]["_status"] == "synced"
    assert local["insp-foreign"]["_status"] == "created", "kept unsynced on the phone"

    admin = server.token("admin")
    applied = server.ok("GET", "/api/v1/inspections/insp-ok", admin)
    assert sorted(f["item_code"] for f in applied["findings"]) == sorted(items[:2])
    assert server.call("GET", "/api/v1/inspections/insp-foreign", admin)[0] == 404

    ok(run["next sync"])
    reasons = [r for r in records(run["rejections"]).values() if r["record_id"] == "insp-foreign"]
    assert reasons, records(run["rejections"])
    assert all(r["table_name"] == "inspections" and r["reason"].strip() for r in reasons)
    assert records(run["inspections"])["insp-ok"]["_status"] == "synced"


def test_two_devices_of_one_inspector_converge(node, server, tmp_path):
    g1 = next(iter(enterprises_under(server, "DEMO-S1-G1")))
    g2 = next(iter(enterprises_under(server, "DEMO-S1-G2")))
    v1, items1 = checklist_for(server, g1)
    v2, items2 = checklist_for(server, g2)
    tokens = {
        "A": server.token("inspector", "phone-a"),
        "B": server.token("inspector", "phone-b"),
    }
    rounds = ["A1", "B1", "A2", "B2"]
    steps = [
        sync("A"),
        sync("B"),
        *inspection_steps("A", "insp-from-a", g1, v1, items1[:3], failed=(items1[0],)),
        *inspection_steps("B", "insp-from-b", g2, v2, items2[:2]),
        *(sync(label[0], label) for label in rounds),
        *(
            query(device, table, f"{device} {table}")
            for device in "AB"
            for table in ("inspections", "findings")
        ),
    ]
    run = play(node, server, steps, tmp_path, tokens=tokens)
    for label in rounds:
        assert rejected(run[label]) == {}, label
        assert sync_errors(run[label]) == [], label
    expected_findings = {finding_id("insp-from-a", c) for c in items1[:3]} | {
        finding_id("insp-from-b", c) for c in items2[:2]
    }
    for device in "AB":
        assert set(records(run[f"{device} inspections"])) == {"insp-from-a", "insp-from-b"}
        assert set(records(run[f"{device} findings"])) == expected_findings
        assert all_synced(run[f"{device} inspections"]) and all_synced(run[f"{device} findings"])
    assert records(run["A inspections"]) == records(run["B inspections"])
    assert records(run["A findings"]) == records(run["B findings"])


def test_an_enterprise_users_pull_holds_nothing_of_other_enterprises(node, server, tmp_path):
    manager_token = server.token("manager", "phone-m")
    own = str(server.ok("GET", "/api/v1/users/me", manager_token)["enterprise_id"])
    neighbour = next(e for e in enterprises_under(server, "DEMO-S1-G1") if e != own)
    inspector = server.token("inspector")
    _own_inspection, own_hazards = finish_online(server, inspector, own, ("W02",))
    _other_inspection, other_hazards = finish_online(server, inspector, neighbour, ("W03",))
    tables = [
        "enterprises",
        "checklists",
        "hazards",
        "inspection_plans",
        "inspections",
        "findings",
        "hazard_actions",
        "photos",
        "sync_rejections",
    ]
    steps = [sync("M", "pull"), *(query("M", table, table) for table in tables)]
    run = play(node, server, steps, tmp_path, token=manager_token)
    ok(run["pull"])
    local = {table: records(run[table]) for table in tables}

    assert set(local["enterprises"]) == {own}
    assert {h["id"] for h in own_hazards} <= set(local["hazards"])
    assert not {h["id"] for h in other_hazards} & set(local["hazards"])
    for table in ("hazards", "inspection_plans", "inspections"):
        assert {r["enterprise_id"] for r in local[table].values()} <= {own}, table
    own_inspections = {i["id"] for i in inspections_of(server, own)}
    assert {r["inspection_id"] for r in local["findings"].values()} <= own_inspections
    assert {r["hazard_id"] for r in local["hazard_actions"].values()} <= set(local["hazards"])
    applicable = server.ok("GET", f"/api/v1/enterprises/{own}/checklists", manager_token)
    inspected = {r["checklist_id"] for r in local["inspections"].values()}
    assert set(local["checklists"]) <= {v["id"] for v in applicable} | inspected
    assert local["sync_rejections"] == {}
