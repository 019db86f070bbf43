"""Sync under crashes: SIGKILL the server at random moments while devices push, then check
that every batch landed exactly once.

The script serves the app itself (`xuncha serve` in a child process, on a free loopback
port), on a fresh SQLite file by default or on --database-url (an empty database: it is
migrated and gets the demo data). N devices, each its own inspector, push whole duty31
inspections; even-numbered devices send an Idempotency-Key, odd-numbered ones none. Meanwhile
the server is killed (SIGKILL) after a uniform random delay, restarted, and waited for on
/healthz, --kills times at most within --duration. A device retries the *same* batch (same
body, same key) on no answer, a 5xx (honouring Retry-After) or a 409 "in progress" (counted
as blocked) until it is answered, within bounds, and only then moves on.

Then it checks the database: every batch answered 200 is there exactly once (the inspection,
its findings, one hazard for the failed finding, its key once), no batch was left without a
200, none was blocked, none had ids rejected.

    .venv/bin/python bench/load/kill.py --kills 10 --duration 30
    .venv/bin/python bench/load/kill.py --database-url postgresql+psycopg://…/scratch

Exit status 0 on PASS, 1 on FAIL, 2 when the server could not be set up, 130 on Ctrl-C.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402  (the load generator next to this file)
    IN_FLIGHT,
    Batch,
    Device,
    Http,
    _chunks,
    ensure_inspector,
    final_sync,
    find_jurisdiction,
    first_sync,
    guarded,
    login,
    make_changes,
    percentile,
    require_loopback,
    verify,
)

REPO = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT_SECONDS = 60.0
START_ATTEMPTS = 3
MAX_RETRY_WAIT_SECONDS = 5.0  # a Retry-After longer than this is shortened
IN_FLIGHT_DETAIL = "being processed"  # "A request with this Idempotency-Key is being processed."


# ---------------------------------------------------------------- the server under test


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def xuncha_command() -> str:
    beside = Path(sys.executable).with_name("xuncha")
    return str(beside if beside.exists() else REPO / ".venv" / "bin" / "xuncha")


class Server:
    """`xuncha serve` in a child process (its own session, so a Ctrl-C reaches only us)."""

    def __init__(self, command: str, port: int, env: dict, log_path: Path) -> None:
        self.command = command
        self.port = port
        self.env = env
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 (kept open across restarts)
        self.process: subprocess.Popen | None = None
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self) -> float:
        """Start and wait for /healthz; the seconds it took. RuntimeError when it never came."""
        began = time.monotonic()
        for _ in range(START_ATTEMPTS):
            self.log.write(f"--- kill.py: start at {datetime.now(UTC).isoformat()}\n".encode())
            self.log.flush()
            self.process = subprocess.Popen(
                [self.command, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
                + ["--no-scheduler"],
                env=self.env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if self._healthy():
                return time.monotonic() - began
            self.stop()
        raise RuntimeError(f"the server did not become healthy; see {self.log_path}")

    def _healthy(self) -> bool:
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        probe = Http(self.base_url, 2.0)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                status, _, _, _ = probe.call("GET", "/healthz")
            except (OSError, http.client.HTTPException):
                status = None
            if status == 200:
                if probe.connection is not None:
                    probe.connection.close()
                return True
            time.sleep(0.05)
        return False

    def kill(self) -> float:
        """SIGKILL and wait for the process to be gone; the wall time of the signal."""
        sent = time.time()
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.write(f"--- kill.py: SIGKILL at {datetime.fromtimestamp(sent, UTC)}\n".encode())
        self.log.flush()
        return sent

    def stop(self) -> None:
        """SIGTERM (waitress ends cleanly), SIGKILL after 10 s. Safe to call at any time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            process.terminate()
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()

    def log_errors(self) -> list[str]:
        """Lines of the server log that tell of an error (tracebacks, unhandled errors)."""
        text = self.log_path.read_text(errors="replace")
        return [
            line
            for line in text.splitlines()
            if "Traceback" in line or "unhandled error" in line or "ERROR" in line
        ]


def prepare_database(command: str, env: dict) -> None:
    for step in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(
            [command, *step], env=env, cwd=REPO, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"xuncha {' '.join(step)} failed:\n{done.stdout}{done.stderr}")


def require_loopback_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    host = make_url(url).host
    if host:  # no host: SQLite, or a local socket
        require_loopback(f"http://{'[' + host + ']' if ':' in host else host}/")


# ---------------------------------------------------------------- devices


@dataclass
class KillBatch(Batch):
    key: str | None = None  # the Idempotency-Key, None for a device that sends none
    body: bytes = b""
    attempts: int = 0
    lost_at: list[float] = field(default_factory=list)  # wall times of attempts left unanswered
    blocked: int = 0  # answers 409 "in progress"
    answer: dict | None = None  # the 200 answer


@dataclass
class KillDevice(Device):
    use_key: bool = False
    in_flight: bool = False  # a push is on the wire (read by the killer, for the report)
    blocked: int = 0
    resent: int = 0
    resend_problems: list[str] = field(default_factory=list)


def is_in_flight(status, answer) -> bool:
    if status != 409 or not isinstance(answer, dict):
        return False
    return answer.get("title") == IN_FLIGHT or IN_FLIGHT_DETAIL in str(answer.get("detail"))


def retry_wait(attempt: int, headers, rng: random.Random) -> float:
    after = headers.get("Retry-After") if headers is not None else None
    if after and after.strip().isdigit():
        return min(float(after), MAX_RETRY_WAIT_SECONDS)
    return min(0.05 * 2**attempt, 1.0) * (0.5 + rng.random())  # a restart takes about a second


def send(device: KillDevice, batch: KillBatch):
    """One attempt: (status or None, headers, answer)."""
    headers = {"Idempotency-Key": batch.key} if batch.key else {}
    path = f"/api/v1/sync?last_pulled_at={device.timestamp}"
    device.push_requests += 1
    device.in_flight = True
    try:
        status, response_headers, answer, seconds = device.client.call(
            "POST", path, batch.body, device.token, headers
        )
    except (OSError, http.client.HTTPException) as error:
        device.statuses[f"no answer ({type(error).__name__})"] += 1
        return None, None, None
    finally:
        device.in_flight = False
    device.push_ms.append(seconds * 1000)
    blocked = is_in_flight(status, answer)
    device.statuses[f"{status} ({IN_FLIGHT})" if blocked else str(status)] += 1
    device.server_errors += status >= 500 and status != 503
    return status, response_headers, answer


def push_batch(device: KillDevice, batch: KillBatch, args, stop, rng) -> None:
    """The same batch until it is answered other than 5xx / 409 in progress, or the bounds."""
    began = time.monotonic()
    while not stop.is_set():
        batch.attempts += 1
        status, headers, answer = send(device, batch)
        batch.status = status
        if status is None:
            batch.unanswered = True
            batch.lost_at.append(time.time())
        if status == 200:
            batch.answer = answer if isinstance(answer, dict) else {}
            batch.rejected = batch.answer.get("experimentalRejectedIds") or {}
            return
        blocked = is_in_flight(status, answer)
        batch.blocked += blocked
        device.blocked += blocked
        if status is not None and status < 500 and not blocked:
            return  # a final refusal: the check counts it as a failed batch
        if batch.attempts >= args.max_attempts or time.monotonic() - began > args.batch_timeout:
            return
        stop.wait(retry_wait(batch.attempts - 1, headers, rng))


def push_until(device: KillDevice, deadline: float, args, stop) -> None:
    rng = random.Random(f"{args.seed}-{device.index}")
    count = 0
    while time.monotonic() < deadline and not stop.is_set():
        plain, changes = make_changes(device.targets[count % len(device.targets)], rng)
        batch = KillBatch(**vars(plain))
        batch.key = str(uuid.uuid4()) if device.use_key else None
        batch.body = json.dumps(changes).encode()
        device.batches.append(batch)
        push_batch(device, batch, args, stop, rng)
        count += 1


def resend(device: KillDevice, count: int, args) -> None:
    """Send batches already answered 200 once more, as a device that never saw the answer
    would: the same body (and key). Expected: 200, nothing rejected, the same answer."""
    rng = random.Random(f"{args.seed}-resend-{device.index}")
    done = [b for b in device.batches if b.status == 200]
    for batch in rng.sample(done, min(count, len(done))):
        status, _, answer = send(device, batch)
        device.resent += 1
        rejected = (answer or {}).get("experimentalRejectedIds") if status == 200 else None
        if status != 200 or rejected or (batch.key and answer != batch.answer):
            device.resend_problems.append(
                f"batch {batch.inspection_id} (key: {bool(batch.key)}) re-sent after its 200:"
                f" HTTP {status} {json.dumps(answer, ensure_ascii=False)[:200]}"
            )


# ---------------------------------------------------------------- the killer


@dataclass
class Kill:
    at: float  # wall time of the SIGKILL
    pushes_in_flight: int
    restart_seconds: float


def kill_loop(server: Server, devices, threads, args, deadline: float) -> list[Kill]:
    rng = random.Random(f"{args.seed}-killer")
    kills: list[Kill] = []
    while len(kills) < args.kills and any(t.is_alive() for t in threads):
        wait = rng.uniform(args.min_delay, args.max_delay)
        if time.monotonic() + wait >= deadline:
            break
        time.sleep(wait)
        in_flight = sum(d.in_flight for d in devices)
        at = server.kill()
        kills.append(Kill(at, in_flight, server.start()))
        print(
            f"kill {len(kills):>3}: {in_flight} push(es) on the wire,"
            f" back in {kills[-1].restart_seconds:.2f} s",
            flush=True,
        )
    return kills


# ---------------------------------------------------------------- verification


def _as_epoch(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite keeps UTC without an offset
    return value.timestamp()


def extra_checks(database_url: str, batches: list[KillBatch], kills: list[Kill]):
    """Problems beyond run.verify's, and the batches re-sent after a commit a kill hid:
    (problems, {"key": n, "no key": n})."""
    from sqlalchemy import bindparam, create_engine, text

    def grouped(connection, sql, ids):
        query = text(sql).bindparams(bindparam("ids", expanding=True))
        found = {}
        for chunk in _chunks(ids):
            found.update({row[0]: row[1:] for row in connection.execute(query, {"ids": chunk})})
        return found

    inspection_ids = [b.inspection_id for b in batches]
    keys = [b.key for b in batches if b.key]
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            findings = grouped(
                connection,
                "SELECT inspection_id, count(*) FROM findings WHERE inspection_id IN :ids"
                " GROUP BY inspection_id",
                inspection_ids,
            )
            hazards = grouped(
                connection,
                "SELECT inspection_id, count(*) FROM hazards WHERE inspection_id IN :ids"
                " GROUP BY inspection_id",
                inspection_ids,
            )
            created = grouped(
                connection,
                "SELECT id, created_at FROM inspections WHERE id IN :ids",
                [b.inspection_id for b in batches if b.lost_at],
            )
            stored_keys = grouped(
                connection,
                "SELECT key, count(*), max(response_status),"
                " sum(CASE WHEN completed THEN 1 ELSE 0 END) FROM idempotency_keys"
                " WHERE key IN :ids GROUP BY key",
                keys,
            )
    finally:
        engine.dispose()
    problems = []
    for batch in batches:
        if batch.rejected:
            problems.append(f"batch {batch.inspection_id} answered 200 rejected {batch.rejected}")
        count = findings.get(batch.inspection_id, (0,))[0]
        if count != len(batch.finding_ids):
            problems.append(
                f"inspection {batch.inspection_id}: {count} finding(s), pushed"
                f" {len(batch.finding_ids)}"
            )
        count = hazards.get(batch.inspection_id, (0,))[0]
        if count != 1:
            problems.append(f"inspection {batch.inspection_id}: {count} hazard(s), expected 1")
        if batch.key:
            row = stored_keys.get(batch.key, (0, None, 0))
            if tuple(row) != (1, 200, 1):
                problems.append(
                    f"key {batch.key}: {row[0]} row(s), status {row[1]}, {row[2]} completed"
                )
    # A batch whose row was written before a kill that cut one of its attempts short was
    # committed by the killed server, unanswered, and re-sent afterwards.
    kill_times = [k.at for k in kills]
    resent = Counter()
    for batch in batches:
        written = _as_epoch(created.get(batch.inspection_id, (None,))[0])
        if written is None:
            continue
        # the last kill at or before each unanswered attempt ended
        cut = [bisect_right(kill_times, lost) for lost in batch.lost_at]
        if any(cut) and written < kill_times[max(cut) - 1]:
            resent["key" if batch.key else "no key"] += 1
    return problems, resent


# ---------------------------------------------------------------- the run


def summary_lines(devices, kills, args, push_seconds, resent_committed) -> list[str]:
    batches = [b for d in devices for b in d.batches]
    requests = sum(b.attempts for b in batches)
    statuses = sum((d.statuses for d in devices), Counter())
    restarts = [k.restart_seconds for k in kills]
    keyed = [b for b in batches if b.key]
    lines = [
        f"kills              {len(kills)} of {args.kills} asked"
        f" ({sum(k.pushes_in_flight > 0 for k in kills)} with a push on the wire,"
        f" {sum(k.pushes_in_flight for k in kills)} pushes cut),"
        f" restart p50 {percentile(restarts, 0.5):.2f} s max {percentile(restarts, 1.0):.2f} s"
        if kills
        else f"kills              0 of {args.kills} asked",
        f"push phase         {push_seconds:.1f} s",
        f"batches            {len(batches)} ({sum(b.status == 200 for b in batches)} answered"
        f" 200; {len(keyed)} with a key, {len(batches) - len(keyed)} without)",
        f"requests           {requests} ({requests - len(batches)} retries; batches retried"
        f" {sum(b.attempts > 1 for b in batches)}, most attempts for one"
        f" {max((b.attempts for b in batches), default=0)})",
        "status codes       " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
        f"blocked            {sum(d.blocked for d in devices)} (409 in progress)",
        f"re-sent committed  {sum(resent_committed.values())} (a kill hid the 200 of a commit:"
        f" {resent_committed['key']} with a key, {resent_committed['no key']} without)",
        f"re-sent after 200  {sum(d.resent for d in devices)}"
        f" ({sum(len(d.resend_problems) for d in devices)} not answered the same)",
        f"5xx (not 503)      {sum(d.server_errors for d in devices)}",
    ]
    for device in devices:
        lines.append(
            f"  device {device.index} ({'key' if device.use_key else 'no key'}):"
            f" {len(device.batches)} batches, {device.push_requests} requests"
            f" (re-sends included), push p50 {percentile(device.push_ms, 0.5)} ms"
            f" max {percentile(device.push_ms, 1.0)} ms"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs at most")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of pushing")
    parser.add_argument("--min-delay", type=float, default=0.2, help="seconds before a kill")
    parser.add_argument("--max-delay", type=float, default=2.0)
    parser.add_argument("--max-attempts", type=int, default=60, help="per batch")
    parser.add_argument("--batch-timeout", type=float, default=120.0, help="seconds per batch")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--resend", type=int, default=3, help="batches re-sent per device")
    parser.add_argument("--database-url", help="an empty database (default: SQLite, temp dir)")
    parser.add_argument("--seed", default=None, help="for the random delays and choices")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (log, SQLite)")
    args = parser.parse_args()
    if not 1 <= args.devices <= 100 or not 0 < args.duration <= 3600 or args.kills < 0:
        parser.error("--devices must be 1..100, --duration 0..3600 s, --kills >= 0")
    if not 0 <= args.min_delay <= args.max_delay:
        parser.error("--min-delay must be between 0 and --max-delay")
    args.seed = args.seed or uuid.uuid4().hex[:8]

    scratch = Path(tempfile.mkdtemp(prefix="xuncha-kill-"))
    database_url = args.database_url or f"sqlite:///{scratch / 'xuncha.db'}"
    require_loopback_database(database_url)
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=database_url,
        XUNCHA_VAR_DIR=str(scratch / "var"),
        MEDIA_ROOT=str(scratch / "media"),
        PUBLIC_BASE_URL="http://127.0.0.1",
    )
    command = xuncha_command()
    stop = threading.Event()
    server = None
    keep = args.keep
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        prepare_database(command, env)
        server = Server(command, free_port(), env, scratch / "server.log")
        server.start()
        return run(server, database_url, args, stop)
    except RuntimeError as error:
        keep = True
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        keep = True
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        if server is not None:
            server.close()
        signal.signal(signal.SIGTERM, previous_term)
        if keep:
            print(f"kept {scratch} (server.log)", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def run(server: Server, database_url: str, args, stop: threading.Event) -> int:
    run_id = uuid.uuid4().hex[:8]
    admin_client = Http(server.base_url, args.timeout)
    admin = login(admin_client, "admin", "demo-admin-pass")
    jurisdiction_id = find_jurisdiction(admin_client, admin, "DEMO")
    devices = []
    for index in range(args.devices):
        username = f"kill-{run_id}-{index}"
        ensure_inspector(admin_client, admin, username, "kill-test-password", jurisdiction_id)
        device_id = f"{username}-{uuid.uuid4().hex[:6]}"
        client = Http(server.base_url, args.timeout)
        devices.append(KillDevice(index, username, device_id, client, use_key=index % 2 == 0))
    for device in devices:
        guarded(first_sync, device, "kill-test-password")
    print(
        f"run {run_id} (seed {args.seed}): {args.devices} device(s), {server.base_url},"
        f" {database_url.split(':', 1)[0]}; up to {args.kills} kill(s) in {args.duration:g} s",
        flush=True,
    )

    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(target=guarded, args=(push_until, d, deadline, args, stop), daemon=True)
        for d in devices
        if not d.error
    ]
    for thread in threads:
        thread.start()
    kills = kill_loop(server, devices, threads, args, deadline)
    for thread in threads:
        thread.join()
    push_seconds = time.monotonic() - started

    # The server is up after its last restart: every device pulls, and re-sends a few batches.
    ready = [d for d in devices if not d.error]
    for device in ready:
        guarded(final_sync, device)
        guarded(resend, device, args.resend, args)

    batches = [b for d in devices for b in d.batches]
    accepted = [b for b in batches if b.status == 200]
    problems, _ = verify(database_url, accepted)
    more, resent_committed = extra_checks(database_url, accepted, kills)
    problems += more
    for batch in batches:
        if batch.status != 200:
            problems.append(
                f"batch {batch.inspection_id} (key: {bool(batch.key)}) never answered 200:"
                f" last {batch.status or 'no answer'} after {batch.attempts} attempt(s)"
            )
        if batch.blocked:
            problems.append(f"batch {batch.inspection_id} blocked {batch.blocked} time(s)")
    problems += [p for d in devices for p in d.resend_problems]
    problems += [f"{d.username}: {d.error}" for d in devices if d.error]

    for line in summary_lines(devices, kills, args, push_seconds, resent_committed):
        print(line)
    log_errors = server.log_errors()
    example = f", e.g. {log_errors[0]}" if log_errors else ""
    print(f"server log errors  {len(log_errors)} line(s){example}")
    if len(kills) < args.kills:
        print(f"note               only {len(kills)} of {args.kills} kills fit in the duration")
    print(f"verification       {'FAIL' if problems else 'PASS'}")
    for problem in problems[:20]:
        print(f"  {problem}")
    if len(problems) > 20:
        print(f"  … {len(problems)} problems in all")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
