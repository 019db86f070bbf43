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
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the app with waitress (a production WSGI server)."""
    from waitress import serve

    base = f"http://{host}:{port}"
    click.echo(f"Xuncha on {base}  API docs: {base}/api/v1/docs  health: {base}/healthz")
    serve(current_app._get_current_object(), host=host, port=port, threads=threads)
