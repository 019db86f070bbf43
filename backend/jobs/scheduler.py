"""The in-process scheduler: runs every registered job on its interval.

Started only by `xuncha serve` (never by tests or other commands), once per server: in the
process itself with waitress, in one of the workers with gunicorn (backend/cli.py). The jobs'
database lock (backend/jobs/registry.py) makes sure only one process runs a given job at a
time, and the jobs are idempotent, so an extra scheduler only costs a skipped run.

The first runs are staggered in registry order (FIRST_RUN_DELAY, then STAGGER apart) so no two
jobs start together: on SQLite one job's write transaction would make the others wait out the
busy timeout. Every interval is a whole number of minutes and the offsets differ within a
minute, so later runs never coincide either.

Beside the jobs, the clock runs the background queue's worker (jobs/worker.py) every
QUEUE_POLL_SECONDS, in every instance: queued work has no lease of its own to wait for, each
job is claimed by one worker (core/queue.py).
"""

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from ..core.timeutil import SHANGHAI
from .registry import JOBS, LeaseLost, release_held_leases, run_job
from .worker import work

log = logging.getLogger("xuncha.scheduler")
FIRST_RUN_DELAY = timedelta(seconds=5)
STAGGER = timedelta(seconds=3)
QUEUE_WORKER = "queue_worker"


def start_scheduler(app) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=SHANGHAI)
    first_run = datetime.now(SHANGHAI) + FIRST_RUN_DELAY
    for index, job in enumerate(JOBS.values()):
        scheduler.add_job(
            _run,
            "interval",
            minutes=job.every_minutes,
            args=(app, job.name),
            id=job.name,
            name=job.description,
            max_instances=1,
            coalesce=True,
            next_run_time=first_run + index * STAGGER,
        )
    scheduler.add_job(
        _work_queue,
        "interval",
        seconds=float(app.config["QUEUE_POLL_SECONDS"]),
        args=(app,),
        id=QUEUE_WORKER,
        name="Run the background queue's ready jobs (every instance)",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    log.info("scheduler started: %s, and the queue's worker", ", ".join(JOBS))
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Start no more runs and free the leases this process holds, so a job interrupted by the
    shutdown runs again on its next turn rather than after JOB_LEASE_SECONDS."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
    release_held_leases()
    log.info("scheduler stopped")


def _work_queue(app) -> None:
    with app.app_context():
        try:
            work()
        except Exception:
            log.exception("the queue's worker failed")


def _run(app, name: str) -> None:
    with app.app_context():
        try:
            run_job(name)
        except LeaseLost as lost:
            log.warning("%s", lost)
        except Exception:
            log.exception("job %s failed", name)
