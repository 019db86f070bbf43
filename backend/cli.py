"""The `xuncha` command line."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from checklists.cli import checklists_cli

from .app import create_app
from .core.db import db
from .core.errors import DomainError
from .models import ROLES, User


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False)
def main() -> None:
    """Xuncha (巡查): field-inspection backend."""


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: head)."""
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")
    if revision == "head":
        _publish_checklists()


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    from .migrate import downgrade

    downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


main.add_command(checklists_cli)


@checklists_cli.command("publish")
@with_appcontext
def publish_command() -> None:
    """Publish the shipped checklist content (a changed file becomes a new version)."""
    _publish_checklists()


def _publish_checklists() -> None:
    from .checklists.services import publish_shipped

    for version, created in publish_shipped():
        click.echo(f"{'published' if created else 'current  '} {version.id}  {version.title}")
    db.session.commit()


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    from .demo import seed_activity, seed_demo

    logins = seed_demo()
    db.session.commit()
    if seed_activity():
        db.session.commit()
        click.echo("Demo activity loaded: inspections, hazards in every state, a blacklist entry.")
    click.echo("Demo logins (username / password / role):")
    for login in logins:
        click.echo(f"  {login['username']:<12} {login['password']:<22} {login['role']}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--jurisdiction-id", type=int)
@click.option("--enterprise-id", type=int)
@click.option("--display-name", default="")
def create_user_command(username, password, role, jurisdiction_id, enterprise_id, display_name):
    """Create a user account."""
    from .users.services import create_user

    try:
        user = create_user(
            username=username,
            password=password,
            role=role,
            jurisdiction_id=jurisdiction_id,
            enterprise_id=enterprise_id,
            display_name=display_name,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from error
    click.echo(f"created user {user.username} (id {user.id}, role {user.role})")


@main.command("reset-password")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
def reset_password_command(username, password):
    """Reset a user's password (they must change it at their next login; audited)."""
    from .users.services import set_password

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        set_password(user, password, actor=None, source="cli")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from error
    click.echo(f"reset the password of {user.username}; they must change it at next login")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(min=1),
    show_default=True,
    help="Worker processes: 1 serves with waitress, more with gunicorn.",
)
@click.option(
    "--threads",
    default=8,
    type=click.IntRange(min=1),
    show_default=True,
    help="Threads per worker (gunicorn: 1 means sync workers, more gthread workers).",
)
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Run the scheduled jobs (in this process, or in one gunicorn worker).",
)
def serve_command(host: str, port: int, workers: int, threads: int, scheduler: bool) -> None:
    """Serve the app with waitress, or with gunicorn when --workers is more than 1."""
    base = f"http://{host}:{port}"
    click.echo(f"Xuncha on {base}  API docs: {base}/api/v1/docs  health: {base}/healthz")
    if workers > 1:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            click.echo(
                "note: PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows the figures of"
                " whichever worker answers (docs/deploy.md)"
            )
        options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread" if threads > 1 else "sync",
            "threads": threads,
        }
        _serve_with_gunicorn(options, scheduler)
        return
    _serve_with_waitress(current_app._get_current_object(), host, port, threads, scheduler)


def _serve_with_waitress(app, host: str, port: int, threads: int, with_scheduler: bool) -> None:
    import signal
    import sys

    from waitress import serve

    from .jobs.scheduler import start_scheduler, stop_scheduler

    # SIGTERM would otherwise end the process at once, leaving the running jobs' leases held;
    # waitress returns from serve() on SystemExit (and on KeyboardInterrupt, i.e. SIGINT).
    previous_handler = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = start_scheduler(app) if with_scheduler else None
    try:
        serve(app, host=host, port=port, threads=threads)
    finally:
        if scheduler:
            stop_scheduler(scheduler)
        signal.signal(signal.SIGTERM, previous_handler)


def _serve_with_gunicorn(options: dict, with_scheduler: bool) -> None:
    """gunicorn run from here, each worker building the app from the factory.

    The scheduler runs in one worker, not in the master: the master forks workers, and forking
    a process that has threads (the scheduler's) can hand a child a lock held by another
    thread. The master picks the first worker it forks, and again whenever that one is gone."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        scheduler_worker = None

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)
            # gunicorn's control socket (gunicornc) is not used, and its default path is per user.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("child_exit", _forget_worker_metrics)
            if with_scheduler:
                self.cfg.set("pre_fork", self.pick_scheduler_worker)
                self.cfg.set("on_reload", self.forget_scheduler_worker)
                self.cfg.set("post_worker_init", _start_worker_scheduler)
                self.cfg.set("worker_exit", _stop_worker_scheduler)

        def load(self):
            return create_app()

        def pick_scheduler_worker(self, server, worker) -> None:
            if self.scheduler_worker not in server.WORKERS.values():
                self.scheduler_worker = worker
                worker.runs_scheduler = True

        def forget_scheduler_worker(self, server) -> None:
            # A reload retires the old workers: the first new one takes over.
            self.scheduler_worker = None

    Server().run()


def _forget_worker_metrics(server, worker) -> None:
    """A gone worker's live gauges leave the shared metrics folder (its counters stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _start_worker_scheduler(worker) -> None:
    if getattr(worker, "runs_scheduler", False):
        from .jobs.scheduler import start_scheduler

        worker.scheduler = start_scheduler(worker.wsgi)


def _stop_worker_scheduler(server, worker) -> None:
    if scheduler := getattr(worker, "scheduler", None):
        from .jobs.scheduler import stop_scheduler

        stop_scheduler(scheduler)


@main.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs (run by `xuncha serve`; one runner at a time across processes)."""


@jobs_group.command("list")
def jobs_list() -> None:
    """List the jobs, their intervals and their last runs."""
    from .jobs.registry import JOBS, lock_states
    from .models import utcnow

    states, now = lock_states(), utcnow()
    for job in JOBS.values():
        state = states.get(job.name, {})
        held = _lease_text(state.get("holder"), state.get("locked_until"), now)
        last = state.get("last_finished_at") or "never"
        click.echo(f"{job.name:<20} every {job.every_minutes:>3} min  {held}; last run {last}")
        click.echo(f"{'':<20} {job.description}")
        if state.get("last_error"):
            click.echo(f"{'':<20} last error: {state['last_error']}")


@jobs_group.command("run")
@click.argument("name")
@click.option("--now", "now_text", help="Run as of this ISO 8601 instant (default: now).")
def jobs_run(name: str, now_text: str | None) -> None:
    """Run one job NAME now, under its lock."""
    from datetime import datetime

    from .jobs.registry import JOBS, LockAttempt, LockOutcome, run_job

    if name not in JOBS:
        raise click.BadParameter(f"unknown job; one of: {', '.join(JOBS)}", param_hint="NAME")
    now = None
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            raise click.BadParameter(
                "give an offset, e.g. 2026-03-01T16:00:00+00:00", param_hint="--now"
            )
    result = run_job(name, now=now)
    if isinstance(result, LockAttempt):
        if result.outcome is LockOutcome.BUSY:
            raise click.ClickException(f"{name}: not run, {result}")
        click.echo(f"{name}: skipped, {result}")
        return
    click.echo(f"{name}: {result}")


@jobs_group.command("queue")
def jobs_queue() -> None:
    """The background queue's depth by kind and state, and its dead jobs."""
    from .core.db import db
    from .core.queue import dead_jobs, depth

    counts = depth(db.engine)
    if not counts:
        click.echo("queue empty")
    for (kind, state), count in sorted(counts.items()):
        click.echo(f"{kind:<20} {state:<8} {count:>6}")
    for job in dead_jobs(db.engine):
        click.echo(
            f"dead #{job['id']} {job['kind']} {job['payload']} after {job['attempts']} attempts:"
            f" {job['last_error']}"
        )
    # Webhooks have their own queue, the notifications outbox (retried with backoff by the
    # deliver_webhooks job): shown here so that everything waiting to run is in one place.
    from flask import current_app

    from .notifications.services import webhook_outbox

    outbox = webhook_outbox(current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 8))
    click.echo("webhooks " + ", ".join(f"{state} {count}" for state, count in outbox.items()))


@jobs_group.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Queue dead job JOB_ID again, with a fresh set of attempts."""
    from .core.db import db
    from .core.queue import retry

    if not retry(db.engine, job_id):
        raise click.ClickException(f"no dead job #{job_id}")
    click.echo(f"job #{job_id} queued again")


@jobs_group.command("work")
def jobs_work() -> None:
    """Run the queue's ready jobs now, in this process (the servers' workers do it anyway)."""
    from .jobs.worker import work

    click.echo(f"queue: {work()}")


def _lease_text(holder: str | None, locked_until, now) -> str:
    if not holder:
        return "free"
    if locked_until is not None and locked_until <= now:
        return f"free (lease of {holder} expired {locked_until})"
    return f"held by {holder} until {locked_until}"


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar (chinesecalendar, HOLIDAYS, WORKDAYS)."""


@calendar_group.command("check")
def calendar_check() -> None:
    """Say whether this year and the next are covered; exit status 1 when one is not."""
    from .core.periods import missing_calendar_years
    from .core.timeutil import today_in_shanghai

    today = today_in_shanghai()
    missing = missing_calendar_years(today)
    for year in (today.year, today.year + 1):
        click.echo(f"{year}: {'MISSING' if year in missing else 'covered'}")
    if missing:
        years = ", ".join(map(str, missing))
        raise click.ClickException(
            f"工作日历未包含 {years} 年：请在 HOLIDAYS / WORKDAYS 中配置该年的节假日和调休安排"
            f" (the working-day calendar does not cover {years}; set HOLIDAYS and WORKDAYS)."
        )


@main.command("posters")
@click.option("--jurisdiction-id", required=True, type=int, help="Root of the subtree.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="Folder for the PDF files (created if missing).",
)
def posters_command(jurisdiction_id: int, out_dir: str) -> None:
    """Print the safety-code posters (常安码, A4 PDF) of every enterprise in a jurisdiction
    subtree; codes not made yet are made."""
    from .safety_code.posters import write_posters

    try:
        enterprises, write = write_posters(jurisdiction_id, out_dir)
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    with click.progressbar(enterprises, label="常安码海报", show_pos=True) as bar:
        for enterprise in bar:
            write(enterprise)
    db.session.commit()
    click.echo(f"{len(enterprises)} poster(s) in {out_dir}")


@main.group("media")
def media_group() -> None:
    """Photo storage maintenance."""


@media_group.command("cleanup")
def media_cleanup_command() -> None:
    """Delete unattached photos older than MEDIA_UNATTACHED_TTL_HOURS, stale tus uploads, and
    stored objects no row names older than MEDIA_ORPHAN_GRACE_HOURS."""
    from .photos.services import cleanup_unattached_media

    result = cleanup_unattached_media()
    db.session.commit()
    click.echo(
        f"deleted {result['media_deleted']} unattached photo(s), "
        f"expired {result['uploads_expired']} unfinished upload(s), "
        f"deleted {result['orphans_deleted']} orphaned stored object(s)"
    )


@main.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the database and every stored photo into the new folder TARGET."""
    from .core.backup import backup

    result = backup(db.engine, target)
    click.echo(
        f"backed up the database (revision {result['revision']}) and {result['objects']}"
        f" stored object(s) into {target}"
    )


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Restore the backup SOURCE into an empty database (migrated with `xuncha db upgrade`,
    unless SQLite) and an empty store; every photo's digest is checked."""
    from .core.backup import BackupError, restore

    try:
        result = restore(db.engine, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"restored the database (revision {result['revision']}) and {result['objects']}"
        f" stored object(s) from {source}"
    )
