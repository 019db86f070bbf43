"""The in-process scheduler: runs every registered job on its interval.

Started only by `xuncha serve` (never by tests or other commands). Each app process may run
one; the jobs' database lock (backend/jobs.py) makes sure only one process runs a given job
at a time, and the jobs are idempotent, so extra schedulers only cost a skipped run.
"""

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from .jobs import JOBS, run_job
from .timeutil import SHANGHAI

log = logging.getLogger("xuncha.scheduler")


def start_scheduler(app) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=SHANGHAI)
    first_run = datetime.now(SHANGHAI) + timedelta(seconds=5)
    for job in JOBS.values():
        scheduler.add_job(
            _run,
            "interval",
            minutes=job.every_minutes,
            args=(app, job.name),
            id=job.name,
            name=job.description,
            max_instances=1,
            coalesce=True,
            next_run_time=first_run,
        )
    scheduler.start()
    log.info("scheduler started: %s", ", ".join(JOBS))
    return scheduler


def _run(app, name: str) -> None:
    with app.app_context():
        try:
            run_job(name)
        except Exception:
            log.exception("job %s failed", name)
