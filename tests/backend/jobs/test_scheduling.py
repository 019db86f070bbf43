"""Scheduling the jobs: staggered first runs, a held lock told apart from a busy database,
leases freed when the process stops, and `xuncha serve` with several gunicorn workers.

Like the job-lock tests in test_hazards_jobs.py, these use a file database and real
connections (no rolled-back session); the serve tests run `xuncha serve` in a subprocess."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, event, select

from backend.jobs import registry as jobs
from backend.jobs.registry import JOBS, Job, LeaseLost, LockAttempt, LockOutcome

REPO = Path(__file__).resolve().parents[3]
XUNCHA = Path(sys.executable).with_name("xuncha")
T0 = datetime(2026, 3, 1, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def lock_db(tmp_path, monkeypatch):
    """A migrated file database, an app on it, a test job, and an empty lease registry."""
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY
    from backend.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(jobs, "_held", set())
    monkeypatch.setitem(JOBS, "test_job", Job("test_job", lambda now: {"ran": True}, 1, "test"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    engine = app.extensions[EXTENSION_KEY]
    yield {"app": app, "engine": engine, "url": url, "path": tmp_path / "jobs.db"}
    engine.dispose()


def _lock_row(url: str, name: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(jobs.LOCKS).where(jobs.LOCKS.c.name == name))
            return dict(row.mappings().one())
    finally:
        engine.dispose()


# --- 1. Staggered first runs ----------------------------------------------------------------------


def test_no_two_jobs_ever_start_together(app):
    from backend.jobs.scheduler import start_scheduler

    scheduler = start_scheduler(app)
    try:
        first_runs = [scheduler.get_job(name).next_run_time for name in JOBS]
    finally:
        scheduler.shutdown(wait=False)
    assert first_runs == sorted(first_runs)
    # Every interval is whole minutes: distinct offsets within a minute never meet again.
    offsets = {(run - first_runs[0]).total_seconds() % 60 for run in first_runs}
    assert len(offsets) == len(JOBS)
    assert all(job.every_minutes == int(job.every_minutes) for job in JOBS.values())


# --- 2. Held by another process, or the database busy ---------------------------------------------


def test_a_held_lock_names_its_holder(lock_db, caplog):
    from backend.jobs.registry import acquire_lock, run_job

    engine = lock_db["engine"]
    assert acquire_lock(engine, "test_job", "other-host:42:1:abcd", T0, LEASE).taken
    with lock_db["app"].app_context(), caplog.at_level("INFO", logger="xuncha.jobs"):
        attempt = run_job("test_job", now=T0 + timedelta(minutes=1))
    assert attempt == LockAttempt(LockOutcome.HELD, "other-host:42:1:abcd", T0 + LEASE)
    assert "job test_job skipped: held by other-host:42:1:abcd until" in caplog.text


def test_a_busy_database_is_not_taken_for_a_holder(lock_db, caplog):
    from backend.core.db import make_engine
    from backend.jobs.registry import acquire_lock, release_lock, run_job

    acquire_lock(lock_db["engine"], "test_job", "earlier", T0, LEASE)
    release_lock(lock_db["engine"], "test_job", "earlier", T0)
    impatient = make_engine(lock_db["url"])

    @event.listens_for(impatient, "connect")
    def wait_briefly(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    writer = sqlite3.connect(lock_db["path"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another write transaction holds SQLite's one write lock
    try:
        attempt = acquire_lock(impatient, "test_job", "me", T0, LEASE)
        with lock_db["app"].app_context(), caplog.at_level("INFO", logger="xuncha.jobs"):
            skipped = run_job("test_job", now=T0, engine=impatient)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        impatient.dispose()
    assert attempt.outcome is LockOutcome.BUSY and "locked" in attempt.error
    assert skipped.outcome is LockOutcome.BUSY
    assert "job test_job skipped: database busy: database is locked" in caplog.text
    assert _lock_row(lock_db["url"], "test_job")["holder"] is None


def test_other_database_errors_are_not_called_busy(tmp_path):
    from sqlalchemy.exc import OperationalError

    from backend.core.db import make_engine
    from backend.jobs.registry import acquire_lock

    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(OperationalError, match="no such table"):
            acquire_lock(unmigrated, "test_job", "me", T0, LEASE)
    finally:
        unmigrated.dispose()


def test_jobs_run_says_held_or_busy(lock_db, monkeypatch):
    from backend.cli import main
    from backend.jobs.registry import acquire_lock

    acquire_lock(lock_db["engine"], "test_job", "other-host:42:1:abcd", jobs.utcnow(), LEASE)
    held = CliRunner().invoke(main, ["jobs", "run", "test_job"])
    assert held.exit_code == 0, held.output
    assert "test_job: skipped, held by other-host:42:1:abcd until" in held.output

    busy = LockAttempt(LockOutcome.BUSY, error="database is locked")
    monkeypatch.setattr(jobs, "acquire_lock", lambda *args: busy)
    refused = CliRunner().invoke(main, ["jobs", "run", "test_job"])
    assert refused.exit_code == 1
    assert "test_job: not run, database busy: database is locked" in refused.output


def test_jobs_list_shows_the_holder_and_an_expired_lease(lock_db, monkeypatch):
    from backend.cli import main
    from backend.jobs.registry import acquire_lock

    monkeypatch.setitem(JOBS, "crashed_job", Job("crashed_job", lambda now: {}, 1, "crashed"))
    acquire_lock(lock_db["engine"], "test_job", "other-host:42:1:abcd", jobs.utcnow(), LEASE)
    acquire_lock(lock_db["engine"], "crashed_job", "gone-host:7:1:beef", T0, LEASE)
    listed = CliRunner().invoke(main, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line for line in listed.output.splitlines() if line[:1].strip()}
    assert "held by other-host:42:1:abcd until" in lines["test_job"]
    assert "free (lease of gone-host:7:1:beef expired" in lines["crashed_job"]


# --- 3. Leases freed when the process stops -------------------------------------------------------


def test_shutdown_frees_only_the_leases_this_process_holds(lock_db):
    from backend.jobs.registry import acquire_lock, release_held_leases

    engine = lock_db["engine"]
    for name, holder in {"ours": "this-process", "theirs": "other-process"}.items():
        assert acquire_lock(engine, name, holder, T0, LEASE).taken
    jobs._held.discard((engine, "theirs", "other-process"))  # as if another process took it
    release_held_leases()
    ours, theirs = _lock_row(lock_db["url"], "ours"), _lock_row(lock_db["url"], "theirs")
    assert ours["holder"] is None and ours["locked_until"] is None
    assert ours["last_error"] == "interrupted: its process stopped"
    assert theirs["holder"] == "other-process"
    assert jobs._held == set()


def test_a_job_whose_lease_was_released_does_not_commit(lock_db, monkeypatch):
    from backend.core.db import db
    from backend.jobs.registry import release_held_leases, run_job
    from backend.models import JobLock

    def interrupted(now):
        release_held_leases()  # the shutdown, from another thread, while the job works
        db.session.add(JobLock(name="written_by_the_job"))
        db.session.flush()
        return {"ran": True}

    monkeypatch.setitem(JOBS, "interrupted", Job("interrupted", interrupted, 1, "interrupted"))
    with lock_db["app"].app_context(), pytest.raises(LeaseLost):
        run_job("interrupted", now=T0)
    assert "written_by_the_job" not in jobs.lock_states(lock_db["engine"])
    assert _lock_row(lock_db["url"], "interrupted")["holder"] is None


def test_ctrl_c_during_a_job_releases_its_lease(lock_db, monkeypatch):
    from backend.jobs.registry import run_job

    def interrupted(now):
        raise KeyboardInterrupt

    monkeypatch.setitem(JOBS, "interrupted", Job("interrupted", interrupted, 1, "interrupted"))
    with lock_db["app"].app_context(), pytest.raises(KeyboardInterrupt):
        run_job("interrupted", now=T0)
    row = _lock_row(lock_db["url"], "interrupted")
    assert row["holder"] is None and row["last_error"] == "KeyboardInterrupt: "
    assert jobs._held == set()


# A server whose only job runs until the file `finish` appears, from its first second on.
SLOW_JOB_SERVER = textwrap.dedent(
    """
    import sys
    import time
    from datetime import timedelta
    from pathlib import Path

    from backend.jobs import scheduler
    from backend.jobs import registry as jobs
    from backend.cli import main

    started, finish, port, workers = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]

    def slow(now):
        started.touch()
        deadline = time.monotonic() + 60
        while not finish.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"finished": True}

    jobs.JOBS.clear()
    jobs.JOBS["slow"] = jobs.Job("slow", slow, 60, "runs until told to finish")
    scheduler.FIRST_RUN_DELAY = timedelta(0)
    main(["serve", "--port", port, "--workers", workers], prog_name="xuncha")
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(condition, timeout: float, log: Path, server: subprocess.Popen | None) -> None:
    """Wait for condition(); with a server, fail as soon as it exits."""
    deadline = time.monotonic() + timeout
    while not condition():
        if server is not None and server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s:\n{log.read_text()}")
        time.sleep(0.1)


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so cleanup reaches the workers
        )


def _kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _server_env(tmp_path: Path, url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "XUNCHA_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.parametrize("workers", [1, 2], ids=["waitress", "gunicorn"])
def test_sigterm_during_a_job_frees_its_lease(tmp_path, workers):
    from backend.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    started, finish, log = tmp_path / "started", tmp_path / "finish", tmp_path / "server.log"
    script = tmp_path / "slow_job_server.py"
    script.write_text(SLOW_JOB_SERVER)
    arguments = [str(started), str(finish), str(_free_port()), str(workers)]
    server = _start([sys.executable, str(script), *arguments], _server_env(tmp_path, url), log)
    try:
        _wait_until(started.exists, 30, log, server)
        assert _lock_row(url, "slow")["holder"]  # the running job holds its lease
        server.send_signal(signal.SIGTERM)
        # Freed at once, not after JOB_LEASE_SECONDS, nor when the job gets to finish.
        _wait_until(lambda: _lock_row(url, "slow")["holder"] is None, 15, log, server=None)
        finish.touch()
        assert server.wait(timeout=40) == 0, log.read_text()
    finally:
        _kill_if_running(server)
    row = _lock_row(url, "slow")
    assert row["last_error"] == "interrupted: its process stopped" and row["last_result"] is None
    assert "its lease was released at shutdown; work rolled back" in log.read_text()


# --- 4. Several worker processes ------------------------------------------------------------------


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_with_two_workers_answers_and_stops_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env, port, log = _server_env(tmp_path, url), _free_port(), tmp_path / "serve.log"
    subprocess.run([XUNCHA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    server = _start([str(XUNCHA), "serve", "--port", str(port), "--workers", "2"], env, log)
    try:
        _wait_until(lambda: _healthy(port), 30, log, server)
        _wait_until(lambda: log.read_text().count("Booting worker") == 2, 15, log, server)
        _wait_until(lambda: "scheduler started" in log.read_text(), 15, log, server)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0, log.read_text()
    finally:
        _kill_if_running(server)
    output = log.read_text()
    assert "gthread" in output  # 8 threads per worker by default
    assert output.count("scheduler started") == 1, output  # in one worker only
    assert output.count("scheduler stopped") == 1, output
