"""Deadline jobs: overdue in Asia/Shanghai whatever the server's zone, idempotent notifications,
escalation, bad credit records, webhook retries with backoff, and the one-runner job lock."""

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from backend.hazards.services import days_overdue, is_overdue
from backend.jobs import deadlines
from backend.models import BadCreditRecord, HazardAction, Notification
from backend.notifications.services import deliver_webhooks, webhook_outbox

DUE = date(2026, 3, 1)
LAST_MINUTE = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
MIDNIGHT = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 in Shanghai


@pytest.fixture
def server_zone(monkeypatch):
    """Run with the process in a zone far from Shanghai, to show it does not matter."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_overdue_starts_at_midnight_in_shanghai(world, make_hazard, session, server_zone):
    hazard = make_hazard("rectifying", due_on=DUE)
    assert not is_overdue(hazard, LAST_MINUTE)
    assert days_overdue(hazard, LAST_MINUTE) == 0
    assert is_overdue(hazard, MIDNIGHT)
    assert days_overdue(hazard, MIDNIGHT) == 1
    assert days_overdue(hazard, MIDNIGHT + timedelta(days=2, hours=7)) == 3
    assert deadlines.mark_overdue(LAST_MINUTE) == {"marked": 0}
    assert hazard.marked_overdue_at is None
    assert deadlines.mark_overdue(MIDNIGHT) == {"marked": 1}
    assert hazard.marked_overdue_at == MIDNIGHT
    assert deadlines.mark_overdue(MIDNIGHT + timedelta(hours=1)) == {"marked": 0}
    entry = session.scalars(
        select(HazardAction).where(HazardAction.hazard_id == hazard.id).order_by(HazardAction.seq)
    ).all()[-1]
    assert (entry.action, entry.actor_id, entry.actor_role) == ("mark_overdue", None, "system")
    assert entry.payload == {"due_on": "2026-03-01", "days_overdue": 1}


def test_a_closed_hazard_is_never_overdue(world, make_hazard):
    hazard = make_hazard("closed", due_on=DUE)
    assert not is_overdue(hazard, MIDNIGHT + timedelta(days=10))
    assert deadlines.mark_overdue(MIDNIGHT + timedelta(days=10)) == {"marked": 0}


def test_an_approved_extension_clears_the_overdue_mark(world, make_hazard):
    from backend.core.timeutil import today_in_shanghai
    from backend.hazards.services import apply_action

    hazard = make_hazard("rectifying", due_in_days=1)
    hazard.due_on = today_in_shanghai() - timedelta(days=1)
    deadlines.mark_overdue(datetime.now(UTC))
    assert hazard.marked_overdue_at is not None
    hazard.extension_requested_due_on = today_in_shanghai() + timedelta(days=9)
    apply_action(world["users"]["supervisor"], hazard, "approve_extension")
    assert hazard.marked_overdue_at is None
    assert not is_overdue(hazard)


def test_due_soon_reminders_once_per_deadline(world, make_hazard, session):
    soon = make_hazard("rectifying", due_on=DUE)
    make_hazard("rectifying", due_on=DUE + timedelta(days=10))
    make_hazard("submitted", due_on=DUE)
    two_days_before = datetime(2026, 2, 27, 2, 0, tzinfo=UTC)
    assert deadlines.due_soon_reminders(two_days_before) == {"notified": 2}  # manager, viewer
    assert deadlines.due_soon_reminders(two_days_before + timedelta(hours=5)) == {"notified": 0}
    rows = session.scalars(select(Notification).order_by(Notification.recipient_id)).all()
    assert {row.recipient_id for row in rows} == {
        world["users"]["manager"].id,
        world["users"]["viewer"].id,
    }
    assert rows[0].kind == "hazard_due_soon" and rows[0].hazard_id == soon.id
    assert rows[0].payload["days_left"] == 2 and rows[0].payload["enterprise_name"] == "甲化工"


def test_escalation_enterprise_then_supervisors_and_never_twice(
    app, world, make_hazard, session, monkeypatch
):
    monkeypatch.setitem(app.config, "ESCALATION_DAYS", 3)
    general = make_hazard("rectifying", due_on=DUE)
    major = make_hazard("reported", due_on=DUE, grade="major")
    day1 = MIDNIGHT + timedelta(hours=1)
    first = deadlines.escalate_overdue(day1)
    # Both hazards were not rectified by their deadline; only the major one is proposed as a
    # credit candidate for a supervisor to decide (credit/records.py).
    assert first == {"notified_enterprise": 4, "escalated": 0, "credit_candidates": 1}
    assert deadlines.escalate_overdue(day1 + timedelta(hours=2)) == {
        "notified_enterprise": 0,
        "escalated": 0,
        "credit_candidates": 0,
    }
    day3 = MIDNIGHT + timedelta(days=2)  # 3 days overdue: not yet more than ESCALATION_DAYS
    assert deadlines.escalate_overdue(day3)["escalated"] == 0
    day4 = MIDNIGHT + timedelta(days=3)
    fourth = deadlines.escalate_overdue(day4)
    assert fourth == {"notified_enterprise": 0, "escalated": 4, "credit_candidates": 0}
    assert deadlines.escalate_overdue(day4 + timedelta(days=1))["escalated"] == 0
    escalated = session.scalars(
        select(Notification).where(Notification.kind == "hazard_escalated")
    ).all()
    chain = {world["users"]["supervisor"].id, world["users"]["street_supervisor"].id}
    assert {row.recipient_id for row in escalated} == chain  # not the other district's
    assert {row.hazard_id for row in escalated} == {general.id, major.id}
    records = session.scalars(select(BadCreditRecord).order_by(BadCreditRecord.trigger)).all()
    # The major hazard an official reported, and its missed deadline: candidates, not records.
    assert [(r.hazard_id, r.trigger, r.source, r.status) for r in records] == [
        (major.id, "major_hazard_found", "system", "proposed"),
        (major.id, "major_hazard_overdue", "system", "proposed"),
    ]
    # A new deadline starts a new round of notices.
    general.due_on = date(2026, 3, 10)
    again = deadlines.escalate_overdue(datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    assert again["notified_enterprise"] == 2


def test_overdue_notices_reach_the_enterprise_through_the_api(client, world, make_hazard):
    make_hazard("rectifying", due_on=DUE)
    deadlines.escalate_overdue(MIDNIGHT)
    listed = client.get("/api/v1/notifications?unread=true", headers=world["headers"]["manager"])
    assert listed.status_code == 200
    # The overdue notice only: a missed deadline makes no bad credit record by itself.
    notices = {notice["kind"]: notice for notice in listed.json}
    assert set(notices) == {"hazard_overdue"}
    notice = notices["hazard_overdue"]
    assert notice["payload"]["days_overdue"] == 1
    assert client.get("/api/v1/notifications", headers=world["headers"]["inspector"]).json == []


# --- Webhooks ---------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    fail_first = 1
    received: list

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((json.loads(body), self.headers["X-Xuncha-Dedupe-Key"]))
        failing = len(type(self).received) <= type(self).fail_first
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    def start(fail_first):
        handler = type("Receiver", (_Receiver,), {"fail_first": fail_first, "received": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/hook", handler

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _queue(session, world, make_hazard, key="k1"):
    hazard = make_hazard()
    notice = Notification(
        recipient_id=world["users"]["manager"].id,
        kind="hazard_overdue",
        hazard_id=hazard.id,
        payload={"title": "报警器失效"},
        dedupe_key=key,
        attempts=0,
    )
    session.add(notice)
    session.commit()
    return notice


def test_webhook_retries_with_exponential_backoff(world, make_hazard, session, receiver):
    notice = _queue(session, world, make_hazard)
    url, handler = receiver(fail_first=1)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    assert deliver_webhooks(t0, url=url, backoff_seconds=60) == {"delivered": 0, "failed": 1}
    assert (notice.attempts, notice.last_error) == (1, "HTTP 500")
    assert notice.next_attempt_at == t0 + timedelta(seconds=60)
    # Not due yet: nothing is sent.
    assert deliver_webhooks(t0 + timedelta(seconds=59), url=url, backoff_seconds=60) == {
        "delivered": 0,
        "failed": 0,
    }
    assert len(handler.received) == 1
    later = t0 + timedelta(seconds=60)
    assert deliver_webhooks(later, url=url, backoff_seconds=60) == {"delivered": 1, "failed": 0}
    assert notice.delivered_at == later and notice.attempts == 2 and notice.last_error is None
    body, dedupe_key = handler.received[-1]
    assert dedupe_key == "k1"
    assert body["kind"] == "hazard_overdue" and body["payload"] == {"title": "报警器失效"}
    assert deliver_webhooks(later + timedelta(days=1), url=url) == {"delivered": 0, "failed": 0}


def test_webhook_backoff_doubles_and_gives_up(world, make_hazard, session, receiver):
    notice = _queue(session, world, make_hazard)
    url, handler = receiver(fail_first=100)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    delays = []
    for _ in range(3):
        deliver_webhooks(now, url=url, backoff_seconds=10, max_attempts=3)
        delays.append((notice.next_attempt_at - now).total_seconds())
        now = notice.next_attempt_at
    assert delays == [10, 20, 40]
    assert deliver_webhooks(now, url=url, backoff_seconds=10, max_attempts=3)["failed"] == 0
    assert len(handler.received) == 3 and notice.delivered_at is None


def test_webhook_unreachable_and_unset(world, make_hazard, session):
    notice = _queue(session, world, make_hazard)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert "skipped" in deliver_webhooks(now, url=None)
    result = deliver_webhooks(now, url="http://127.0.0.1:9/closed", timeout=2)
    assert result == {"delivered": 0, "failed": 1}
    assert notice.last_error and notice.attempts == 1


def test_the_webhook_outbox_counts_each_delivery_state(world, make_hazard, session, receiver):
    """`xuncha jobs queue` shows the webhooks waiting, retrying, given up and delivered."""
    notices = [_queue(session, world, make_hazard, key=f"k{i}") for i in range(4)]
    url, _ = receiver(fail_first=100)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert webhook_outbox(max_attempts=2) == {
        "waiting": 4,
        "retrying": 0,
        "given_up": 0,
        "delivered": 0,
    }
    deliver_webhooks(now, url=url, backoff_seconds=10, max_attempts=2)
    notices[0].attempts, notices[1].delivered_at = 2, now
    notices[2].attempts = notices[3].attempts = 0
    session.flush()
    assert webhook_outbox(max_attempts=2) == {
        "waiting": 2,
        "retrying": 0,
        "given_up": 1,
        "delivered": 1,
    }
    notices[2].attempts = 1
    session.flush()
    assert webhook_outbox(max_attempts=2)["retrying"] == 1


# --- The job lock (a file-based database, real connections, no rollback session) ---------------


@pytest.fixture
def job_app(tmp_path, monkeypatch):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY
    from backend.jobs.registry import JOBS, Job
    from backend.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    runs = []
    returned = threading.Event()

    def slow_job(now):
        # Holds the lock until some other attempt has returned, so attempts truly overlap.
        returned.wait(timeout=5)
        runs.append(now)
        return {"ran": True}

    monkeypatch.setitem(JOBS, "test_job", Job("test_job", slow_job, 1, "a test job"))
    yield {"app": app, "engine": app.extensions[EXTENSION_KEY], "runs": runs, "returned": returned}
    app.extensions[EXTENSION_KEY].dispose()


def test_two_processes_racing_run_the_job_once(job_app):
    from backend.jobs.registry import LockAttempt, LockOutcome, run_job

    app, barrier, results = job_app["app"], threading.Barrier(2), {}
    now = datetime(2026, 3, 1, tzinfo=UTC)

    def attempt(index):
        with app.app_context():
            barrier.wait()
            results[index] = run_job("test_job", now=now)
            job_app["returned"].set()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    skipped = [result for result in results.values() if isinstance(result, LockAttempt)]
    ran = [result for result in results.values() if not isinstance(result, LockAttempt)]
    assert [attempt.outcome for attempt in skipped] == [LockOutcome.HELD] and ran == [{"ran": True}]
    assert len(job_app["runs"]) == 1


def test_a_crashed_holders_lease_expires(job_app):
    from backend.jobs.registry import LockOutcome, acquire_lock, lock_states, release_lock, run_job

    app, engine = job_app["app"], job_app["engine"]
    job_app["returned"].set()
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    assert acquire_lock(engine, "test_job", "crashed-process", t0, lease).taken
    with app.app_context():
        skipped = run_job("test_job", now=t0 + timedelta(minutes=1))
        assert skipped.outcome is LockOutcome.HELD and skipped.holder == "crashed-process"
        # Only the holder releases its lock.
        release_lock(engine, "test_job", "somebody-else", t0 + timedelta(minutes=2))
        assert run_job("test_job", now=t0 + timedelta(minutes=2)).outcome is LockOutcome.HELD
        assert run_job("test_job", now=t0 + lease + timedelta(seconds=1)) == {"ran": True}
        state = lock_states()["test_job"]
    assert state["holder"] is None and state["locked_until"] is None
    assert json.loads(state["last_result"]) == {"ran": True}
    assert len(job_app["runs"]) == 1
    # Released at once after a clean run.
    with app.app_context():
        assert run_job("test_job", now=t0 + lease + timedelta(seconds=2)) == {"ran": True}


def test_a_failing_job_rolls_back_records_the_error_and_releases(job_app, monkeypatch):
    from backend.jobs.registry import JOBS, Job, lock_states, run_job

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "broken", Job("broken", broken, 1, "fails"))
    app = job_app["app"]
    with app.app_context():
        with pytest.raises(RuntimeError):
            run_job("broken")
        state = lock_states()["broken"]
        assert state["holder"] is None and state["last_error"] == "RuntimeError: boom"
