"""Scheduled jobs: the registry, the database lock that lets one process run a job at a time,
and `run_job`, which the scheduler and `xuncha jobs run NAME` both call.

The lock is a `job_locks` row per job with a lease: a process takes it with one conditional
UPDATE (`... WHERE name = :name AND (locked_until IS NULL OR locked_until <= :now)`), which the
database serialises on every backend: on PostgreSQL a concurrent UPDATE of the row waits for the
first to commit and re-checks the condition, on SQLite writers are serialised outright. Exactly
one taker sees one updated row. The lease (JOB_LEASE_SECONDS) bounds how long a crashed holder
blocks the job; a clean finish releases at once. A table rather than PostgreSQL advisory locks:
it works the same on SQLite, survives connection pools and PgBouncer (a session advisory lock
belongs to one pooled connection), and shows who holds what (`xuncha jobs list`).

The lock is taken and released on connections of its own, each in a short committed
transaction, so other processes see it while the job's own work runs in the job's session,
committed once at the end (the one commit of a job).

Taking the lock has three outcomes (`LockAttempt`): taken; held, by a holder named in the row;
or busy, when the database stayed locked beyond its timeout (`db.is_lock_contention`, typically
SQLite while another write transaction runs), in which case nobody's lease was even checked.
`run_job` and `xuncha jobs run` report which; any other database error is raised.

Each process keeps a registry of the leases it holds. `release_held_leases` (the scheduler's
shutdown) frees them with the same conditional UPDATE (`WHERE holder = me`), so a job stopped by
a shutdown runs again on its next turn instead of after JOB_LEASE_SECONDS. A job still running
when its lease is released this way does not commit: its work is rolled back (`LeaseLost`).
"""

import contextlib
import enum
import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from ..core.db import db, is_lock_contention
from ..core.metrics import count_job
from ..credit import blacklist
from ..enforcement import services as enforcement
from ..models import JobLock, utcnow
from ..notifications import services as notifications
from ..photos import services as photos
from ..plans import services as inspection_plans
from . import deadlines, registers, retention
from . import reports as report_jobs

log = logging.getLogger("xuncha.jobs")
LOCKS = JobLock.__table__

# The leases this process holds: (engine, job name, holder).
_held: set[tuple[Engine, str, str]] = set()
_held_guard = threading.Lock()


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], dict]
    every_minutes: int
    description: str


def _deliver_webhooks(now: datetime) -> dict:
    config = current_app.config
    return notifications.deliver_webhooks(
        now,
        url=config.get("WEBHOOK_URL"),
        timeout=config.get("WEBHOOK_TIMEOUT_SECONDS", 10),
        max_attempts=config.get("WEBHOOK_MAX_ATTEMPTS", 8),
        backoff_seconds=config.get("WEBHOOK_BACKOFF_SECONDS", 60),
    )


def _refresh_statistics(_now: datetime) -> dict:
    """Keep the query planner's statistics fresh as the change log grows. PostgreSQL's
    autovacuum does this by itself; SQLite analyses only when asked. `analysis_limit` samples
    each index, so the run costs about the same at a million rows as at a thousand."""
    if db.engine.dialect.name != "sqlite":
        return {"skipped": "autovacuum keeps PostgreSQL's statistics"}
    db.session.execute(text("PRAGMA analysis_limit=1000"))
    db.session.execute(text("ANALYZE"))
    return {"analyzed": True}


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("mark_overdue", deadlines.mark_overdue, 10, "Mark hazards whose deadline passed"),
        Job(
            "due_soon_reminders",
            deadlines.due_soon_reminders,
            60,
            "Remind enterprises of deadlines within DUE_SOON_DAYS",
        ),
        Job(
            "escalate_overdue",
            deadlines.escalate_overdue,
            10,
            "Notify enterprises, then supervisors, of overdue hazards; bad credit records",
        ),
        Job(
            "credit_terms",
            blacklist.credit_terms,
            60,
            "Expire bad credit records; remove blacklist entries at the end of their term",
        ),
        Job(
            "plan_inspections",
            inspection_plans.plan_inspections,
            60,
            "Classify enterprises; plan the next inspection of each; mark missed plans overdue",
        ),
        Job(
            "certificate_reminders",
            registers.certificate_reminders,
            360,
            "Remind safety managers of certificates expiring within CERTIFICATE_REMINDER_DAYS",
        ),
        Job(
            "drill_reminders",
            registers.drill_reminders,
            360,
            "Remind safety managers of emergency drills due or overdue (seed 004 item 17)",
        ),
        Job(
            "installation_reminders",
            registers.installation_reminders,
            360,
            "Remind safety managers of major hazards' evaluations due and filings (备案) late",
        ),
        Job(
            "statistics_reminders",
            report_jobs.statistics_reminders,
            360,
            "Remind enterprises of 16号令 statistics due within REPORT_REMINDER_DAYS, unsubmitted",
        ),
        Job(
            "fill_publication_deadlines",
            enforcement.fill_publication_deadlines,
            360,
            "Date the 双公示 deadlines the working-day calendar could not count when recorded",
        ),
        Job("deliver_webhooks", _deliver_webhooks, 1, "POST pending notifications to WEBHOOK_URL"),
        Job("refresh_statistics", _refresh_statistics, 360, "SQLite: refresh planner statistics"),
        Job(
            "prune_change_log",
            retention.prune_change_log,
            1440,
            "Delete sync changes older than SYNC_CHANGE_LOG_RETENTION_DAYS",
        ),
        Job(
            "media_cleanup",
            photos.cleanup_unattached_media,
            60,
            "Delete unattached and orphaned photo bytes; expire unfinished uploads",
        ),
    )
}


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


class LockOutcome(enum.Enum):
    TAKEN = "taken"
    HELD = "held"  # another holder's lease has not expired
    BUSY = "busy"  # the database stayed locked beyond its timeout


@dataclass(frozen=True)
class LockAttempt:
    outcome: LockOutcome
    holder: str | None = None  # the other holder, when held
    locked_until: datetime | None = None
    error: str | None = None  # the database's complaint, when busy

    @property
    def taken(self) -> bool:
        return self.outcome is LockOutcome.TAKEN

    def __str__(self) -> str:
        if self.outcome is LockOutcome.BUSY:
            return f"database busy: {self.error}"
        if self.outcome is LockOutcome.HELD:
            return f"held by {self.holder or 'another process'} until {self.locked_until}"
        return "taken"


class LeaseLost(RuntimeError):
    """The job's lease was released (at shutdown) before the job could commit."""


def acquire_lock(
    engine: Engine, name: str, holder: str, now: datetime, lease: timedelta
) -> LockAttempt:
    """Take the job's lease if it is free or expired."""
    try:
        _ensure_lock_row(engine, name)
        with engine.begin() as connection:
            taken = connection.execute(
                update(LOCKS)
                .where(
                    LOCKS.c.name == name,
                    or_(LOCKS.c.locked_until.is_(None), LOCKS.c.locked_until <= now),
                )
                .values(holder=holder, locked_until=now + lease, last_started_at=now)
            )
            if taken.rowcount != 1:
                other = connection.execute(
                    select(LOCKS.c.holder, LOCKS.c.locked_until).where(LOCKS.c.name == name)
                ).one()
                return LockAttempt(LockOutcome.HELD, other.holder, other.locked_until)
    except OperationalError as error:
        if not is_lock_contention(error):
            raise
        return LockAttempt(LockOutcome.BUSY, error=str(error.orig))
    with _held_guard:
        _held.add((engine, name, holder))
    return LockAttempt(LockOutcome.TAKEN)


def _ensure_lock_row(engine: Engine, name: str) -> None:
    # An IntegrityError means another process inserted the row first, which is just as good.
    with contextlib.suppress(IntegrityError), engine.begin() as connection:
        if connection.execute(LOCKS.select().where(LOCKS.c.name == name)).first() is None:
            connection.execute(insert(LOCKS).values(name=name))


def release_lock(
    engine: Engine,
    name: str,
    holder: str,
    now: datetime,
    *,
    result: dict | None = None,
    error: str | None = None,
) -> None:
    with _held_guard:
        _held.discard((engine, name, holder))
    with engine.begin() as connection:
        connection.execute(
            update(LOCKS)
            .where(LOCKS.c.name == name, LOCKS.c.holder == holder)
            .values(
                holder=None,
                locked_until=None,
                last_finished_at=now,
                last_result=json.dumps(result, ensure_ascii=False) if result is not None else None,
                last_error=error,
            )
        )


def release_held_leases() -> None:
    """Free every lease this process holds (at shutdown); a job still running will not commit."""
    with _held_guard:
        held = list(_held)
    for engine, name, holder in held:
        try:
            release_lock(engine, name, holder, utcnow(), error="interrupted: its process stopped")
            log.info("released the lease of job %s at shutdown", name)
        except OperationalError as error:
            log.warning("could not release the lease of job %s: %s", name, error)


def run_job(
    name: str,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
    holder: str | None = None,
) -> dict | LockAttempt:
    """Run one job under its lock and commit its work; the job's result, or the attempt that
    did not take the lock (held or busy)."""
    job = JOBS[name]
    engine = engine or db.engine
    holder = holder or new_holder()
    started = now or utcnow()
    lease = timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", 600))
    attempt = acquire_lock(engine, name, holder, started, lease)
    if not attempt.taken:
        log.log(
            logging.WARNING if attempt.outcome is LockOutcome.BUSY else logging.INFO,
            "job %s skipped: %s",
            name,
            attempt,
        )
        count_job(name, "skipped")
        return attempt
    try:
        result = job.run(started)
        _commit_while_held(engine, name, holder)
    except BaseException as error:  # KeyboardInterrupt too: never leave the lease held
        db.session.rollback()
        release_lock(
            engine, name, holder, now or utcnow(), error=f"{type(error).__name__}: {error}"
        )
        count_job(name, "failed")
        raise
    release_lock(engine, name, holder, now or utcnow(), result=result)
    count_job(name, "done")
    log.info("job %s done: %s", name, result)
    return result


def _commit_while_held(engine: Engine, name: str, holder: str) -> None:
    # Under the registry's lock, so a shutdown releases the lease either after this commit or
    # before it, never during; once released, another process may run the job.
    with _held_guard:
        if (engine, name, holder) not in _held:
            raise LeaseLost(f"job {name}: its lease was released at shutdown; work rolled back")
        db.session.commit()


def lock_states(engine: Engine | None = None) -> dict[str, dict]:
    engine = engine or db.engine
    with engine.connect() as connection:
        rows = connection.execute(LOCKS.select()).mappings().all()
    return {row["name"]: dict(row) for row in rows}
