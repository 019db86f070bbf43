"""Background work in the database, so it survives a restart and runs once across instances.

A domain *enqueues* a job (kind, payload) in its own transaction: the job exists exactly when
its cause committed. Workers of any instance (jobs/worker.py, run by the scheduler's clock)
*claim* the oldest ready job in a short transaction of their own: ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two workers never take the same row and neither waits for the
other; on SQLite the claim's write transaction (BEGIN IMMEDIATE, core/db.py) serialises the
workers outright. A claim is a lease (``locked_by``, ``locked_until``): a worker that dies
leaves the job to be claimed again once the lease ends, so a handler must be idempotent (the
derivatives are). A finished job is deleted; a failed one waits QUEUE_BACKOFF_SECONDS × 2^(n-1)
after its n-th attempt and is ``dead`` after QUEUE_MAX_ATTEMPTS (kept, with its last error,
for `xuncha jobs queue` and `xuncha jobs retry`). All numbers are local policy (config.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine

from ..models import QueuedJob, utcnow
from .db import db

JOBS = QueuedJob.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict
    attempts: int  # this one included


def enqueue(kind: str, payload: dict, run_after: datetime | None = None) -> QueuedJob:
    """Queue a job in the caller's transaction (it commits or rolls back with its cause)."""
    job = QueuedJob(kind=kind, payload=payload, state="queued", run_after=run_after or utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def claim(engine: Engine, worker: str, now: datetime, lease: timedelta) -> Claimed | None:
    """Take the oldest ready job (queued and due, or running with its lease ended)."""
    ready = or_(
        and_(JOBS.c.state == "queued", JOBS.c.run_after <= now),
        and_(JOBS.c.state == "running", JOBS.c.locked_until <= now),
    )
    oldest = (
        select(JOBS.c.id, JOBS.c.kind, JOBS.c.payload, JOBS.c.attempts)
        .where(ready)
        .order_by(JOBS.c.run_after, JOBS.c.id)
        .limit(1)
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            oldest = oldest.with_for_update(skip_locked=True)
        row = connection.execute(oldest).first()
        if row is None:
            return None
        connection.execute(
            update(JOBS)
            .where(JOBS.c.id == row.id)
            .values(
                state="running",
                locked_by=worker,
                locked_until=now + lease,
                attempts=JOBS.c.attempts + 1,
            )
        )
    return Claimed(row.id, row.kind, row.payload, row.attempts + 1)


def complete(engine: Engine, job: Claimed, worker: str) -> bool:
    """Remove a finished job; False if its lease had passed to another worker meanwhile."""
    with engine.begin() as connection:
        done = connection.execute(
            delete(JOBS).where(JOBS.c.id == job.id, JOBS.c.locked_by == worker)
        )
    return done.rowcount == 1


def fail(
    engine: Engine,
    job: Claimed,
    worker: str,
    error: str,
    now: datetime,
    *,
    max_attempts: int,
    backoff: timedelta,
) -> str:
    """Put a failed job back with exponential backoff, or mark it dead; returns its state."""
    state = "dead" if job.attempts >= max_attempts else "queued"
    with engine.begin() as connection:
        connection.execute(
            update(JOBS)
            .where(JOBS.c.id == job.id, JOBS.c.locked_by == worker)
            .values(
                state=state,
                run_after=now + backoff * 2 ** (job.attempts - 1),
                locked_by=None,
                locked_until=None,
                last_error=error[:2000],
            )
        )
    return state


def retry(engine: Engine, job_id: int, now: datetime | None = None) -> bool:
    """Give a dead job a fresh set of attempts; False if there is no such dead job."""
    with engine.begin() as connection:
        revived = connection.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.state == "dead")
            .values(state="queued", attempts=0, run_after=now or utcnow())
        )
    return revived.rowcount == 1


def depth(engine: Engine) -> dict[tuple[str, str], int]:
    """How many jobs there are, by (kind, state)."""
    stmt = select(JOBS.c.kind, JOBS.c.state, func.count()).group_by(JOBS.c.kind, JOBS.c.state)
    with engine.connect() as connection:
        return {(kind, state): count for kind, state, count in connection.execute(stmt)}


def dead_jobs(engine: Engine) -> list[dict]:
    stmt = select(JOBS).where(JOBS.c.state == "dead").order_by(JOBS.c.id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(stmt).mappings()]
