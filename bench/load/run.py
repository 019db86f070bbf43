"""Sync under load: N devices push whole inspections to a served app for D seconds.

Each device is its own inspector (created by an admin for this run) with its own device id.
It pulls once, then pushes one finished duty31 inspection with all its findings (exactly one
failed) per request, retrying a 5xx or a broken connection with the same Idempotency-Key, and
ends with an incremental pull. With --database-url, the database is then checked against the
answers: what was answered 200 is there exactly once, what was not accepted is not.

    .venv/bin/python bench/load/run.py --base-url http://127.0.0.1:8000 --devices 8 \\
        --duration 60 --database-url sqlite:///var/xuncha.db [--json]

Exit status 1 when the check fails or any request was answered 5xx.
"""

import argparse
import http.client
import ipaddress
import json
import random
import socket
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

SHANGHAI = timezone(timedelta(hours=8))  # deadlines are dates in Asia/Shanghai (no DST)
MAX_ATTEMPTS = 5  # per batch: the first send and four retries
MAX_BACKOFF_SECONDS = 10.0
IN_FLIGHT = "Request in progress"  # the 409 title of a key whose first request is unfinished


class Http:
    """A keep-alive HTTP/1.1 connection to the app; one per thread."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.connection = None

    def call(self, method, path, body=None, token=None, headers=None):
        """(status, headers, JSON body or None, seconds); raises OSError or HTTPException when
        no answer came (the connection is then dropped and reopened by the next call)."""
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        sent = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if self.connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self.connection = kind(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.connection.request(method, self.prefix + path, body=data, headers=sent)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        seconds = time.perf_counter() - started
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        return response.status, response.headers, answer, seconds


def require_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as error:
        raise SystemExit(f"cannot resolve {host}: {error}") from None
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"refusing {base_url}: this load generator only targets loopback")


def expect(status, answer, wanted, what):
    if status != wanted:
        detail = (answer or {}).get("detail") if isinstance(answer, dict) else answer
        raise SystemExit(f"{what}: HTTP {status} {detail}")
    return answer


def login(client: Http, username, password, device_id=None) -> str:
    body = {"username": username, "password": password, "device_id": device_id}
    status, _, answer, _ = client.call("POST", "/api/v1/auth/token", body)
    return expect(status, answer, 201, f"login as {username}")["access_token"]


def find_jurisdiction(client: Http, token, code) -> int:
    for page in range(1, 101):
        status, _, answer, _ = client.call(
            "GET", f"/api/v1/jurisdictions?page={page}&page_size=100", token=token
        )
        rows = expect(status, answer, 200, "list jurisdictions")
        for row in rows:
            if row.get("code") == code:
                return row["id"]
        if len(rows) < 100:
            break
    raise SystemExit(f"no jurisdiction with code {code} (load the demo: xuncha seed-demo)")


def ensure_inspector(client: Http, token, username, password, jurisdiction_id) -> None:
    body = {
        "username": username,
        "password": password,
        "role": "inspector",
        "display_name": username,
        "jurisdiction_id": jurisdiction_id,
    }
    status, _, answer, _ = client.call("POST", "/api/v1/users", body, token=token)
    if status != 409:  # 409: the name is taken, from an earlier run with this --run-id
        expect(status, answer, 201, f"create user {username}")


# ---------------------------------------------------------------- what a device pushes


def applies(rule, enterprise) -> bool:
    """A checklist/section/item applicability rule, as far as a pulled enterprise tells."""
    if not rule:
        return True
    industry = enterprise["industry"]
    wanted = rule.get("industries") or []
    if (
        wanted
        and "*" not in wanted
        and not any(industry == w or industry.startswith(w + ".") for w in wanted)
    ):
        return False
    if rule.get("scales") and enterprise.get("scale") not in rule["scales"]:
        return False
    if rule.get("kinds") and "supervision" not in rule["kinds"]:
        return False
    return not rule.get("risk_features")  # a pulled enterprise does not carry its features


def targets_from(pull) -> list[tuple[str, str, list[dict]]]:
    """(enterprise id, duty31 version id, items) for every enterprise the device received."""
    changes = pull["changes"]
    versions = [
        c for c in changes["checklists"]["created"] if c["code"] == "duty31" and c["is_current"]
    ]
    targets = []
    for enterprise in changes["enterprises"]["created"]:
        for version in versions:
            content = json.loads(version["content"])
            if not applies(content.get("applicability"), enterprise):
                continue
            items = [
                item
                for section in content["sections"]
                if applies(section.get("applicability"), enterprise)
                for item in section["items"]
                if applies(item.get("applicability"), enterprise)
            ]
            if any(not item.get("photo_required_on_fail") for item in items):
                targets.append((enterprise["id"], version["id"], items))
    return targets


@dataclass
class Batch:
    inspection_id: str
    finding_ids: list[str]
    failed_id: str
    status: int | None = None  # the last answer; None when the last attempt got none
    unanswered: bool = False  # some attempt got no answer: the outcome may be unknown
    rejected: dict = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status == 200

    def accepted_inspection(self) -> bool:
        return self.accepted and self.inspection_id not in self.rejected.get("inspections", [])

    def accepted_findings(self) -> list[str]:
        refused = set(self.rejected.get("findings", []))
        return [f for f in self.finding_ids if f not in refused] if self.accepted else []


def make_changes(target, rng: random.Random) -> tuple[Batch, dict]:
    enterprise_id, checklist_id, items = target
    inspection_id = uuid.uuid4().hex
    now = int(time.time() * 1000)
    failing = rng.choice([item for item in items if not item.get("photo_required_on_fail")])
    findings = []
    for item in items:
        finding = {
            "id": uuid.uuid4().hex,
            "inspection_id": inspection_id,
            "item_code": item["code"],
            "result": "pass",
            "note": "",
            "grade": None,
            "due_on": None,
        }
        if item is failing:
            finding.update(result="fail", note="load test")
            if rng.random() < 0.5:
                finding["grade"] = "general"
            else:
                finding["due_on"] = (datetime.now(SHANGHAI).date() + timedelta(days=7)).isoformat()
            failed_id = finding["id"]
        findings.append(finding)
    inspection = {
        "id": inspection_id,
        "enterprise_id": enterprise_id,
        "checklist_id": checklist_id,
        "kind": "supervision",
        "started_at": now - 20 * 60 * 1000,
        "finished_at": now,
        "latitude": round(22.8 + rng.random() / 10, 6),
        "longitude": round(108.3 + rng.random() / 10, 6),
    }
    changes = {
        "inspections": {"created": [inspection], "updated": [], "deleted": []},
        "findings": {"created": findings, "updated": [], "deleted": []},
    }
    return Batch(inspection_id, [f["id"] for f in findings], failed_id), changes


# ---------------------------------------------------------------- one device


@dataclass
class Device:
    index: int
    username: str
    device_id: str
    client: Http
    token: str = ""
    timestamp: int = 0
    targets: list = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    push_ms: list[float] = field(default_factory=list)
    push_requests: int = 0
    server_errors: int = 0
    first_pull_ms: float = 0.0
    final_pull_ms: float = 0.0
    error: str = ""


def pull(device: Device, last_pulled_at) -> tuple[dict, float]:
    path = f"/api/v1/sync?last_pulled_at={last_pulled_at}&schema_version=1"
    status, _, answer, seconds = device.client.call("GET", path, token=device.token)
    device.statuses[f"pull {status}"] += 1
    device.server_errors += status >= 500
    return expect(status, answer, 200, f"{device.username} pull"), seconds * 1000


def first_sync(device: Device, password: str) -> None:
    device.token = login(device.client, device.username, password, device.device_id)
    body, device.first_pull_ms = pull(device, "null")
    device.timestamp = body["timestamp"]
    targets = targets_from(body)
    if not targets:
        raise SystemExit(f"{device.username} received no enterprise that duty31 applies to")
    shift = device.index % len(targets)  # devices start on different enterprises
    device.targets = targets[shift:] + targets[:shift]


def retry_delay(attempt: int, headers, rng: random.Random) -> float:
    after = headers.get("Retry-After") if headers is not None else None
    if after and after.strip().isdigit():
        return min(float(after), MAX_BACKOFF_SECONDS)
    return min(0.2 * 2**attempt, MAX_BACKOFF_SECONDS) * (0.5 + rng.random())


def push(device: Device, batch: Batch, changes: dict, rng: random.Random) -> None:
    """One batch, retried with the same key on a 5xx, no answer, or the key still in flight."""
    body = json.dumps(changes).encode()  # the same bytes on every attempt
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/api/v1/sync?last_pulled_at={device.timestamp}"
    for attempt in range(MAX_ATTEMPTS):
        answer = response_headers = None
        in_flight = False
        device.push_requests += 1
        try:
            status, response_headers, answer, seconds = device.client.call(
                "POST", path, body, device.token, headers
            )
        except (OSError, http.client.HTTPException) as error:
            status, batch.unanswered = None, True
            device.statuses[f"no answer ({type(error).__name__})"] += 1
        else:
            device.push_ms.append(seconds * 1000)
            in_flight = status == 409 and (answer or {}).get("title") == IN_FLIGHT
            device.statuses[f"{status} ({IN_FLIGHT})" if in_flight else str(status)] += 1
            device.server_errors += status >= 500
        batch.status = status
        if status is not None and status < 500 and not in_flight:
            break
        if attempt + 1 < MAX_ATTEMPTS:
            time.sleep(retry_delay(attempt, response_headers, rng))
    if batch.status == 200:
        batch.rejected = (answer or {}).get("experimentalRejectedIds") or {}


def push_until(device: Device, deadline: float) -> None:
    rng = random.Random(device.index)
    count = 0
    while time.monotonic() < deadline:
        batch, changes = make_changes(device.targets[count % len(device.targets)], rng)
        device.batches.append(batch)
        push(device, batch, changes, rng)
        count += 1


def guarded(work, device: Device, *args) -> None:
    """Run one phase of a device; an unexpected failure is recorded, not raised in the pool."""
    try:
        work(device, *args)
    except (SystemExit, Exception) as error:
        device.error = device.error or f"{type(error).__name__}: {error}"


def final_sync(device: Device) -> None:
    _, device.final_pull_ms = pull(device, device.timestamp)


# ---------------------------------------------------------------- verification


def _chunks(ids, size=500):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def verify(database_url: str, batches: list[Batch]) -> tuple[list[str], int]:
    """Problems found (empty = PASS) and how many batches had an unknown outcome."""
    from sqlalchemy import bindparam, create_engine, text

    known = [b for b in batches if b.accepted or not b.unanswered]
    unknown = len(batches) - len(known)
    want_inspections = {b.inspection_id: b.accepted_inspection() for b in known}
    accepted_findings = {f for b in known for f in b.accepted_findings()}
    want_findings = {f: f in accepted_findings for b in known for f in b.finding_ids}
    failed = {b.failed_id for b in known if b.accepted_inspection()} & accepted_findings

    def counts(connection, sql, ids):
        query = text(sql).bindparams(bindparam("ids", expanding=True))
        found = {}
        for chunk in _chunks(ids):
            found.update({row[0]: row[1:] for row in connection.execute(query, {"ids": chunk})})
        return found

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            inspections = counts(
                connection,
                "SELECT id, count(*), max(status) FROM inspections WHERE id IN :ids GROUP BY id",
                want_inspections,
            )
            findings = counts(
                connection,
                "SELECT id, count(*) FROM findings WHERE id IN :ids GROUP BY id",
                want_findings,
            )
            hazards = counts(
                connection,
                "SELECT finding_id, count(*) FROM hazards WHERE finding_id IN :ids"
                " GROUP BY finding_id",
                want_findings,
            )
    finally:
        engine.dispose()
    problems = []
    for record_id, accepted in want_inspections.items():
        count, status = inspections.get(record_id, (0, None))
        if accepted and (count, status) != (1, "finished"):
            problems.append(f"inspection {record_id} answered 200: {count} row(s), {status}")
        elif not accepted and count:
            problems.append(f"inspection {record_id} not accepted but present ({status})")
    for record_id, accepted in want_findings.items():
        count = findings.get(record_id, (0,))[0]
        if count != (1 if accepted else 0):
            problems.append(f"finding {record_id} (accepted: {accepted}): {count} row(s)")
        hazard_count = hazards.get(record_id, (0,))[0]
        if hazard_count != (1 if record_id in failed else 0):
            problems.append(f"finding {record_id}: {hazard_count} hazard(s)")
    return problems, unknown


# ---------------------------------------------------------------- the run


def percentile(values, share) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))], 1)


def spread(values) -> dict | None:
    return {"p50": percentile(values, 0.5), "max": percentile(values, 1.0)} if values else None


def summarize(args, devices, push_seconds, problems, unknown) -> dict:
    batches = [b for d in devices for b in d.batches]
    latencies = [ms for d in devices for ms in d.push_ms]
    statuses = sum((d.statuses for d in devices), Counter())
    accepted = sum(len(b.accepted_findings()) for b in batches)
    return {
        "devices": len(devices),
        "duration_s": args.duration,
        "push_phase_s": round(push_seconds, 2),
        "findings_per_s": round(accepted / push_seconds, 1) if push_seconds else 0.0,
        "findings_accepted": accepted,
        "pushes": len(batches),
        "pushes_200": sum(b.accepted for b in batches),
        "push_requests": sum(d.push_requests for d in devices),
        "push_ms": {
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "max": percentile(latencies, 1.0),
        },
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(d.server_errors for d in devices),
        "rejected_ids": sum(len(ids) for b in batches for ids in b.rejected.values()),
        "first_pull_ms": spread([d.first_pull_ms for d in devices if d.first_pull_ms]),
        "final_pull_ms": spread([d.final_pull_ms for d in devices if d.final_pull_ms]),
        "device_errors": [f"{d.username}: {d.error}" for d in devices if d.error],
        "verification": None if problems is None else ("FAIL" if problems else "PASS"),
        "verification_problems": (problems or [])[:20],
        "verification_problem_count": len(problems or []),
        "unknown_outcome_pushes": unknown,
    }


def print_summary(s: dict) -> None:
    ms = s["push_ms"]
    print(f"devices            {s['devices']}")
    print(f"duration           {s['duration_s']} s (push phase {s['push_phase_s']} s)")
    print(f"findings/s         {s['findings_per_s']} ({s['findings_accepted']} accepted)")
    print(
        f"pushes             {s['pushes']} ({s['pushes_200']} answered 200, "
        f"{s['push_requests']} requests incl. retries)"
    )
    print(f"push latency       p50 {ms['p50']} ms  p95 {ms['p95']} ms  max {ms['max']} ms")
    print("status codes       " + ", ".join(f"{k}: {v}" for k, v in s["statuses"].items()))
    print(f"5xx                {s['server_errors']}")
    print(f"rejected ids       {s['rejected_ids']}")
    for name in ("first_pull_ms", "final_pull_ms"):
        pulls = s[name]
        shown = f"p50 {pulls['p50']} ms  max {pulls['max']} ms" if pulls else "none"
        print(f"{name[:-3].replace('_', ' '):<19}{shown}")
    for error in s["device_errors"]:
        print(f"device error       {error}")
    if s["verification"] is None:
        print("verification       skipped (no --database-url)")
        return
    extra = f", {s['unknown_outcome_pushes']} push(es) never answered, not checked"
    print(f"verification       {s['verification']}{extra if s['unknown_outcome_pushes'] else ''}")
    for problem in s["verification_problems"]:
        print(f"  {problem}")
    if s["verification_problem_count"] > len(s["verification_problems"]):
        print(f"  … {s['verification_problem_count']} problems in all")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of pushing")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--admin-password", default="demo-admin-pass")
    parser.add_argument("--jurisdiction-code", default="DEMO", help="the inspectors' scope")
    parser.add_argument("--run-id", help="reuse the inspectors of an earlier run")
    parser.add_argument("--inspector-password", default="load-test-password")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--database-url", help="check the database afterwards (SQLAlchemy URL)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args()
    if not 1 <= args.devices <= 1000 or not 0 < args.duration <= 24 * 3600:
        parser.error("--devices must be 1..1000 and --duration 0..86400 seconds")
    require_loopback(args.base_url)
    run_id = args.run_id or uuid.uuid4().hex[:8]
    log = sys.stderr if args.json else sys.stdout

    admin_client = Http(args.base_url, args.timeout)
    admin = login(admin_client, args.admin_user, args.admin_password)
    jurisdiction_id = find_jurisdiction(admin_client, admin, args.jurisdiction_code)
    devices = []
    for index in range(args.devices):
        username = f"load-{run_id}-{index}"
        ensure_inspector(admin_client, admin, username, args.inspector_password, jurisdiction_id)
        device_id = f"{username}-{uuid.uuid4().hex[:6]}"
        devices.append(Device(index, username, device_id, Http(args.base_url, args.timeout)))
    print(f"run {run_id}: {args.devices} inspector(s) in {args.jurisdiction_code}", file=log)

    with ThreadPoolExecutor(max_workers=args.devices) as pool:
        list(pool.map(lambda d: guarded(first_sync, d, args.inspector_password), devices))
        ready = [d for d in devices if not d.error]
        started = time.monotonic()
        deadline = started + args.duration
        list(pool.map(lambda d: guarded(push_until, d, deadline), ready))
        push_seconds = time.monotonic() - started
        list(pool.map(lambda d: guarded(final_sync, d), ready))
    print(f"pushing done in {push_seconds:.1f} s", file=log)

    problems = unknown = None
    if args.database_url:
        problems, unknown = verify(args.database_url, [b for d in devices for b in d.batches])
    summary = summarize(args, devices, push_seconds, problems, unknown or 0)
    summary["run_id"] = run_id
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print_summary(summary)
    failed = (
        summary["verification"] == "FAIL" or summary["server_errors"] or summary["device_errors"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
