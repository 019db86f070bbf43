"""The dependency direction (docs/architecture.md; `lint-imports` checks the arrows): each
domain imported alone, in a fresh interpreter, has the same rules as inside the app, because
nothing is registered at import time by a module that may or may not have been imported."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What a module alone must already hold: (module, expression over it).
RULES = [
    ("backend.safety_code.services", "[f.__qualname__ for f in m.COLOR_SIGNALS]"),
    ("backend.sync_adapter.services", "[t.name for t in m.TABLES]"),
    ("backend.sync_adapter.change_log", "sorted(m.TABLES.values())"),
    ("backend.sync_adapter.change_log", "sorted(m.ENTERPRISE_FOLLOWERS)"),
    ("backend.photos.services", "sorted(m.PHOTO_OWNER_ENTERPRISES)"),
    ("backend.safety_code.scans", "m.due_plan_for.__module__"),
]


def _alone(module: str, expression: str) -> str:
    program = f"import importlib\nm = importlib.import_module({module!r})\n"
    program += f"print(repr({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(("module", "expression"), RULES)
def test_a_domain_imported_alone_has_the_apps_rules(app, module, expression):
    import importlib

    m = importlib.import_module(module)  # noqa: F841 (read by the expression)
    assert _alone(module, expression) == repr(eval(expression))


def test_the_colour_reads_the_credit_signal_without_the_app():
    assert "credit_colour_signal" in _alone(
        "backend.safety_code.services", "[f.__qualname__ for f in m.COLOR_SIGNALS]"
    )


def test_layout_exists():
    for name in ("backend", "checklists", "sync", "media", "tests", "pyproject.toml", "README.md"):
        assert (ROOT / name).exists(), name


def test_the_synced_tables_are_one_list():
    """The change log tracks exactly the models the pull serves, under the same names."""
    from backend.sync_adapter import change_log, services

    assert {table.model: table.name for table in services.TABLES} == change_log.TABLES
    assert set(change_log.DEVICE_TABLES) == {adapter.name for adapter in services.PUSH_ADAPTERS}
    assert set(change_log.PHOTO_OWNER_TABLES) <= set(services.PULL_TABLES)


def test_importing_a_domain_package_runs_nothing():
    """A domain package's `__init__.py` is empty (docs/architecture.md): importers name the
    module they use, so importing a package loads none of its modules."""
    not_domains = {"core", "models", "web", "migrations", "templates"}
    packages = sorted(
        path.parent.name
        for path in (ROOT / "backend").glob("*/__init__.py")
        if path.parent.name not in not_domains
    )
    assert {"hazards", "safety_code", "sync_adapter"} <= set(packages)
    program = "".join(f"import backend.{name}\n" for name in packages)
    program += "import sys\n"
    program += (
        "print(sorted(m for m in sys.modules if m.startswith('backend.') and m.count('.') > 1))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
