"""The dependency direction of DESIGN.md: the libraries never import the backend."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("library", ["checklists", "sync", "media"])
def test_library_does_not_import_backend(library):
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / library).rglob("*.py")
        if any(name.split(".")[0] == "backend" for name in _imported_modules(path))
    ]
    assert offenders == []


def test_layout_exists():
    for name in ("backend", "checklists", "sync", "media", "tests", "pyproject.toml", "README.md"):
        assert (ROOT / name).exists(), name
