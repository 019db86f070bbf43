"""The `xuncha` command line."""

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from checklists.cli import checklists_cli

from .app import create_app
from .db import db
from .models import ROLES
from .services.errors import DomainError


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
    from .services.checklists import publish_shipped

    for version, created in publish_shipped():
        click.echo(f"{'published' if created else 'current  '} {version.id}  {version.title}")
    db.session.commit()


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    from .demo import seed_demo

    logins = seed_demo()
    db.session.commit()
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
    from .services.users import create_user

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


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option("--threads", default=8, type=int, show_default=True)
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Run the scheduled jobs in this process (a database lock keeps one runner).",
)
def serve_command(host: str, port: int, threads: int, scheduler: bool) -> None:
    """Serve the app with waitress (a production WSGI server)."""
    from waitress import serve

    app = current_app._get_current_object()
    base = f"http://{host}:{port}"
    click.echo(f"Xuncha on {base}  API docs: {base}/api/v1/docs  health: {base}/healthz")
    if scheduler:
        from .scheduler import start_scheduler

        start_scheduler(app)
    serve(app, host=host, port=port, threads=threads)


@main.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs (run by `xuncha serve`; one runner at a time across processes)."""


@jobs_group.command("list")
def jobs_list() -> None:
    """List the jobs, their intervals and their last runs."""
    from .jobs import JOBS, lock_states

    states = lock_states()
    for job in JOBS.values():
        state = states.get(job.name, {})
        held = (
            f"held by {state['holder']} until {state['locked_until']}"
            if state.get("holder")
            else "free"
        )
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

    from .jobs import JOBS, run_job

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
    if result is None:
        click.echo(f"{name}: skipped, another process is running it")
        return
    click.echo(f"{name}: {result}")


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
    from .services.posters import write_posters

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
    """Delete unattached photos older than MEDIA_UNATTACHED_TTL_HOURS and stale tus uploads."""
    from .services.photos import cleanup_unattached_media

    result = cleanup_unattached_media()
    db.session.commit()
    click.echo(
        f"deleted {result['media_deleted']} unattached photo(s), "
        f"expired {result['uploads_expired']} unfinished upload(s)"
    )
