"""`xuncha checklists ...` commands (the backend mounts `checklists_cli`)."""

from __future__ import annotations

from pathlib import Path

import click

from checklists.loader import CONTENT_DIR, load_checklist, load_folder, shipped_checklists
from checklists.validation import validate_path


@click.group("checklists")
def checklists_cli() -> None:
    """Checklist content: validate and list."""


@checklists_cli.command("validate")
@click.argument(
    "path", required=False, type=click.Path(exists=True, path_type=Path), default=CONTENT_DIR
)
def validate_command(path: Path) -> None:
    """Validate a checklist file or folder (default: the shipped content)."""
    problems = validate_path(path)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(problems)} problem(s) found", err=True)
        raise SystemExit(1)
    checklists = load_folder(path) if path.is_dir() else [load_checklist(path)]
    items = sum(len(checklist.items) for checklist in checklists)
    click.echo(f"OK: {len(checklists)} checklist(s), {items} item(s)")


@checklists_cli.command("list")
def list_command() -> None:
    """List the shipped checklists with their version ids."""
    for checklist in shipped_checklists():
        click.echo(
            f"{checklist.version_id}\t{checklist.coverage}\t{len(checklist.items)} items\t"
            f"{checklist.title}"
        )
