"""Loading checklist documents (YAML files or content JSON) into frozen `Checklist` objects."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from checklists.model import Applicability, Checklist, GradeBand, Item, LegalBasis, Rule, Section
from checklists.validation import ChecklistError, checklist_files, read_yaml, validate_data

CONTENT_DIR = Path(__file__).resolve().parent / "content"
# Examples that are never published (e.g. a sample standardisation outline): copy one into
# content/ with real items to use it.
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def load_checklist(path: str | Path) -> Checklist:
    """Load one checklist file; raises ChecklistError listing every problem if it is invalid."""
    path = Path(path)
    data, problems = read_yaml(path)
    if problems:
        raise ChecklistError(problems)
    return parse_checklist(data, file=str(path), path=path)


def load_folder(folder: str | Path) -> list[Checklist]:
    """Every checklist file of a folder, sorted by checklist code."""
    return sorted((load_checklist(p) for p in checklist_files(Path(folder))), key=_by_code)


def shipped_checklists() -> list[Checklist]:
    """The checklists shipped in `checklists/content/`, sorted by code (loaded once)."""
    return list(_shipped())


@cache
def _shipped() -> tuple[Checklist, ...]:
    return tuple(load_folder(CONTENT_DIR))


def parse_checklist(
    data: Any, file: str = "<memory>", path: Path | None = None, *, published: bool = False
) -> Checklist:
    """Validate a parsed checklist document and build the checklist it describes
    (`published`: stored content, see `validate_data`)."""
    problems = validate_data(data, file, published=published)
    if problems:
        raise ChecklistError(problems)
    defaults: dict[str, Any] = dict(data.get("item_defaults", {}))
    defaults.setdefault("major_if_failed", data.get("major_if_failed", False))
    return Checklist(
        code=data["code"],
        title=data["title"],
        version=data["version"],
        coverage=data["coverage"],
        coverage_note=data.get("coverage_note"),
        kind=data.get("kind", "inspection"),
        source=data["source"],
        applicability=_applicability(data["applicability"]),
        major_if_failed=data.get("major_if_failed", False),
        grade_bands=tuple(
            GradeBand(
                min_score=float(b["min_score"]),
                code=b["code"],
                label=b["label"],
                unless_grades=tuple(b.get("unless_grades", [])),
            )
            for b in data.get("grade_bands", [])
        ),
        rules=tuple(
            Rule(code=r["code"], text=r["text"], legal_basis=_legal_basis(r["legal_basis"]))
            for r in data.get("rules", [])
        ),
        sections=tuple(_section(s, defaults) for s in data["sections"]),
        path=path,
    )


def _section(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> Section:
    legal_basis = _legal_basis(data["legal_basis"]) if "legal_basis" in data else None
    return Section(
        code=data["code"],
        title=data["title"],
        legal_basis=legal_basis,
        applicability=_applicability(data["applicability"]) if "applicability" in data else None,
        items=tuple(_item(i, defaults, legal_basis) for i in data["items"]),
    )


def _item(
    data: Mapping[str, Any], defaults: Mapping[str, Any], section_basis: LegalBasis | None
) -> Item:
    def value(name: str) -> Any:
        return data[name] if name in data else defaults[name]

    legal_basis = _legal_basis(data["legal_basis"]) if "legal_basis" in data else section_basis
    assert legal_basis is not None  # guaranteed by validation
    return Item(
        code=data["code"],
        text=data["text"],
        guidance=data["guidance"],
        legal_basis=legal_basis,
        weight=float(value("weight")),
        major_if_failed=value("major_if_failed"),
        rectification_days=value("rectification_days"),
        photo_required_on_fail=value("photo_required_on_fail"),
        applicability=_applicability(data["applicability"]) if "applicability" in data else None,
    )


def _legal_basis(data: Mapping[str, Any]) -> LegalBasis:
    return LegalBasis(title=data["title"], clause=data["clause"])


def _applicability(data: Mapping[str, Any]) -> Applicability:
    return Applicability(
        industries=tuple(data.get("industries", [])),
        scales=tuple(data.get("scales", [])),
        risk_features=tuple(data.get("risk_features", [])),
        kinds=tuple(data.get("kinds", [])),
    )


def _by_code(checklist: Checklist) -> str:
    return checklist.code
