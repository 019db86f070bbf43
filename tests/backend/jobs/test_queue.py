"""The background queue (core/queue.py, jobs/worker.py): each job runs once however many
workers claim at once, a failing job is retried with backoff then dead, queued work survives a
restart. Real commits (the workers are separate transactions): the queue is emptied after."""

import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from backend.core import queue
from backend.core.db import db
from backend.jobs import worker
from backend.models import QueuedJob, utcnow

KIND = "test_kind"


@pytest.fixture
def queue_app(app, monkeypatch):
    """The suite's app with real commits; the queue emptied before and after."""
    with app.app_context():
        db.session.execute(delete(QueuedJob))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.execute(delete(QueuedJob))
        db.session.commit()


def handled_by(monkeypatch, handler):
    monkeypatch.setitem(worker.HANDLERS, KIND, handler)


def enqueue(app, *payloads):
    with app.app_context():
        ids = [queue.enqueue(KIND, payload).id for payload in payloads]
        db.session.commit()
    return ids


def jobs(app) -> list[QueuedJob]:
    with app.app_context():
        return list(db.session.scalars(select(QueuedJob).order_by(QueuedJob.id)))


def test_each_job_runs_once_with_two_workers_claiming_at_once(queue_app, monkeypatch):
    runs: list[int] = []
    guard = threading.Lock()

    def handler(payload):
        time.sleep(0.01)  # long enough for the other worker to try the same job
        with guard:
            runs.append(payload["n"])

    handled_by(monkeypatch, handler)
    enqueue(queue_app, *({"n": n} for n in range(30)))

    def run(name):
        with queue_app.app_context():
            worker.work(worker=name)

    workers = [threading.Thread(target=run, args=(f"worker-{i}",)) for i in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)

    assert sorted(runs) == list(range(30))
    assert jobs(queue_app) == []


def test_a_failing_job_is_retried_with_backoff_then_dead(queue_app, monkeypatch):
    monkeypatch.setitem(queue_app.config, "QUEUE_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(queue_app.config, "QUEUE_BACKOFF_SECONDS", 10)
    attempts = []

    def handler(payload):
        attempts.append(payload)
        raise RuntimeError("receiver down")

    handled_by(monkeypatch, handler)
    (job_id,) = enqueue(queue_app, {"n": 1})
    start = utcnow()
    with queue_app.app_context():
        assert worker.work(now=start) == {"done": 0, "retried": 1, "dead": 0}
        assert worker.work(now=start + timedelta(seconds=9)) == {"done": 0, "retried": 0, "dead": 0}
        assert worker.work(now=start + timedelta(seconds=10))["retried"] == 1
        # The second retry waits twice as long: 20 s after the second attempt.
        assert worker.work(now=start + timedelta(seconds=29))["retried"] == 0
        assert worker.work(now=start + timedelta(seconds=30)) == {
            "done": 0,
            "retried": 0,
            "dead": 1,
        }
        assert worker.work(now=start + timedelta(days=1))["dead"] == 0  # dead stays dead

    (dead,) = jobs(queue_app)
    assert (dead.state, dead.attempts, len(attempts)) == ("dead", 3, 3)
    assert dead.last_error == "RuntimeError: receiver down"

    with queue_app.app_context():
        assert queue.depth(db.engine) == {(KIND, "dead"): 1}
        assert queue.retry(db.engine, job_id)
        assert not queue.retry(db.engine, job_id)  # queued now, no longer dead
    (revived,) = jobs(queue_app)
    assert (revived.state, revived.attempts) == ("queued", 0)


def test_a_job_whose_worker_died_is_claimed_again_once_its_lease_ends(queue_app, monkeypatch):
    runs = []
    handled_by(monkeypatch, runs.append)
    enqueue(queue_app, {"n": 1})
    start = utcnow()
    with queue_app.app_context():
        lease = timedelta(seconds=float(queue_app.config["QUEUE_LEASE_SECONDS"]))
        assert queue.claim(db.engine, "died", start, lease) is not None  # and never finished
        assert worker.work(now=start + lease - timedelta(seconds=1))["done"] == 0
        assert worker.work(now=start + lease)["done"] == 1
    assert runs == [{"n": 1}] and jobs(queue_app) == []


def test_queued_work_survives_a_restart(queue_app, database_url, tmp_path, monkeypatch):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY

    runs = []
    handled_by(monkeypatch, runs.append)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    config = {"DATABASE_URL": database_url, "MEDIA_ROOT": str(tmp_path / "media"), "TESTING": True}
    before = create_app(config)
    enqueue(before, {"n": 7})
    before.extensions[EXTENSION_KEY].dispose()  # the instance stops

    after = create_app(config)
    with after.app_context():
        assert worker.work()["done"] == 1
    after.extensions[EXTENSION_KEY].dispose()
    assert runs == [{"n": 7}] and jobs(queue_app) == []


def test_xuncha_jobs_queue_shows_the_depth_and_retries_a_dead_job(
    queue_app, database_url, tmp_path, monkeypatch
):
    from backend.cli import main

    (job_id,) = enqueue(queue_app, {"n": 1})
    enqueue(queue_app, {"n": 2})
    with queue_app.app_context():
        db.session.get(QueuedJob, job_id).state = "dead"
        db.session.get(QueuedJob, job_id).last_error = "KeyError: 'x'"
        db.session.commit()
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))

    shown = runner.invoke(main, ["jobs", "queue"])
    assert shown.exit_code == 0, shown.output
    assert f"{KIND:<20} dead" in shown.output and f"{KIND:<20} queued" in shown.output
    assert f"dead #{job_id}" in shown.output and "KeyError" in shown.output
    assert "webhooks waiting " in shown.output and "given_up " in shown.output

    assert runner.invoke(main, ["jobs", "retry", str(job_id)]).exit_code == 0
    again = runner.invoke(main, ["jobs", "retry", str(job_id)])
    assert again.exit_code != 0 and "no dead job" in again.output
    with queue_app.app_context():
        counts = queue.depth(db.engine)
        assert counts == {(KIND, "queued"): 2}
        assert db.session.scalar(select(func.count()).select_from(QueuedJob)) == 2
