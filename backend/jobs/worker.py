"""The queue's worker (core/queue.py): claims ready jobs and runs each through its handler.

Run by the scheduler's clock every QUEUE_POLL_SECONDS in every `xuncha serve` (all instances
work the same queue; claims keep them apart), and by `xuncha jobs work` by hand. Each job's
work is committed by its handler's session; then the job is removed from the queue.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app

from ..core import queue
from ..core.db import db
from ..core.metrics import count_queue_job
from ..models import utcnow
from ..photos import services as photos

log = logging.getLogger("xuncha.queue")

# kind -> handler(payload); a handler commits nothing itself unless it says why.
HANDLERS: dict[str, Callable[[dict], object]] = {
    photos.DERIVATIVES_JOB: photos.run_derivatives_job,
}


def new_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def work(*, worker: str | None = None, now: datetime | None = None, limit: int = 100) -> dict:
    """Run ready jobs until none is left (or ``limit`` ran); counts by outcome."""
    config = current_app.config
    engine = db.engine
    worker = worker or new_worker_name()
    lease = timedelta(seconds=float(config["QUEUE_LEASE_SECONDS"]))
    counts = {"done": 0, "retried": 0, "dead": 0}
    for _ in range(limit):
        job = queue.claim(engine, worker, now or utcnow(), lease)
        if job is None:
            break
        try:
            _handler(job.kind)(job.payload)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            state = queue.fail(
                engine,
                job,
                worker,
                f"{type(error).__name__}: {error}",
                now or utcnow(),
                max_attempts=int(config["QUEUE_MAX_ATTEMPTS"]),
                backoff=timedelta(seconds=float(config["QUEUE_BACKOFF_SECONDS"])),
            )
            counts["dead" if state == "dead" else "retried"] += 1
            count_queue_job(job.kind, "failed")
            log.warning("queued job %s (%s) failed, now %s: %s", job.id, job.kind, state, error)
            continue
        queue.complete(engine, job, worker)
        counts["done"] += 1
        count_queue_job(job.kind, "done")
        log.info("queued job %s (%s) done by %s", job.id, job.kind, worker)
    return counts


def _handler(kind: str) -> Callable[[dict], object]:
    try:
        return HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler for job kind {kind!r}") from None
