"""Helpers for checklist tests: a small valid checklist document to mutate, and file writers."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from checklists import Checklist, parse_checklist
from tests.checklists.helpers import BASE_DOC


@pytest.fixture
def make_doc() -> Callable[..., dict[str, Any]]:
    """A fresh, valid checklist document; keyword arguments replace top-level fields."""

    def make(**overrides: Any) -> dict[str, Any]:
        doc = copy.deepcopy(BASE_DOC)
        doc.update(copy.deepcopy(overrides))
        return doc

    return make


@pytest.fixture
def make_checklist(make_doc) -> Callable[..., Checklist]:
    def make(**overrides: Any) -> Checklist:
        return parse_checklist(make_doc(**overrides))

    return make


@pytest.fixture
def write_doc(tmp_path) -> Callable[..., Path]:
    def write(doc: Any, name: str = "demo.yaml", folder: Path | None = None) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    return write
