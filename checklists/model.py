"""The checklist data model: frozen dataclasses and their canonical JSON form.

A checklist version is immutable and identified by the sha256 of its canonical content JSON,
so an inspection can keep the exact version it was run against even after the YAML changes.
The content JSON is a fully resolved checklist document (item defaults applied, every item
carrying its own legal basis), and is itself valid input for the loader.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from checklists.industries import industry_matches

Coverage = Literal["complete", "partial"]
# What a checklist is for. An inspection checklist (监督检查, 企业自查) is scored but not graded;
# a standardisation assessment (标准化创建评审, 常州市安全生产达标企业创建方案) turns its score into
# eligibility statements for the bureau's decision (its `grade_bands`).
ChecklistKind = Literal["inspection", "standardisation_assessment"]
CHECKLIST_KINDS: tuple[str, ...] = ("inspection", "standardisation_assessment")
STANDARDISATION_ASSESSMENT = "standardisation_assessment"

VERSION_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
_UNSAFE_ID_CHARS = re.compile(r"[^a-zA-Z0-9_.-]+")
_HASH_PREFIX_LEN = 12


@dataclass(frozen=True)
class LegalBasis:
    """A citation: `title` for people (《安全生产法》第二十五条…), `clause` for machines."""

    title: str
    clause: str

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "clause": self.clause}


@dataclass(frozen=True)
class Applicability:
    """Who a checklist, section or item applies to. An empty list means "no restriction".

    Dimensions combine with AND; the codes inside one dimension combine with OR. A non-empty
    `risk_features` requires the enterprise to have at least one of them.
    """

    industries: tuple[str, ...] = ()
    scales: tuple[str, ...] = ()
    risk_features: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def matches(
        self,
        industry: str,
        scale: str | None = None,
        kind: str | None = None,
        risk_features: Iterable[str] = (),
    ) -> bool:
        """True when an enterprise with these properties is covered.

        `scale=None` (unknown) and `kind=None` (any kind) do not filter.
        """
        if (
            self.industries
            and "*" not in self.industries
            and not any(industry_matches(wanted, industry) for wanted in self.industries)
        ):
            return False
        if self.scales and scale is not None and scale not in self.scales:
            return False
        if self.kinds and kind is not None and kind not in self.kinds:
            return False
        return not self.risk_features or bool(set(self.risk_features) & set(risk_features))

    def to_dict(self) -> dict[str, Any]:
        return {
            "industries": list(self.industries),
            "scales": list(self.scales),
            "risk_features": list(self.risk_features),
            "kinds": list(self.kinds),
        }


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    guidance: str
    legal_basis: LegalBasis
    weight: float
    major_if_failed: bool
    rectification_days: int
    photo_required_on_fail: bool
    applicability: Applicability | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "text": self.text,
            "guidance": self.guidance,
            "legal_basis": self.legal_basis.to_dict(),
            "weight": self.weight,
            "major_if_failed": self.major_if_failed,
            "rectification_days": self.rectification_days,
            "photo_required_on_fail": self.photo_required_on_fail,
        }
        if self.applicability is not None:
            data["applicability"] = self.applicability.to_dict()
        return data


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]
    legal_basis: LegalBasis | None = None
    applicability: Applicability | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "items": [item.to_dict() for item in self.items],
        }
        if self.legal_basis is not None:
            data["legal_basis"] = self.legal_basis.to_dict()
        if self.applicability is not None:
            data["applicability"] = self.applicability.to_dict()
        return data


@dataclass(frozen=True)
class GradeBand:
    """An eligibility statement of a standardisation assessment: it holds from `min_score`
    (inclusive), for an enterprise whose standardisation grade is not in `unless_grades`.
    Statements add up: a higher score keeps the lower statements."""

    min_score: float
    code: str
    label: str
    unless_grades: tuple[str, ...] = ()

    def holds_for(self, score: float, standardisation_grade: str | None) -> bool:
        """An unknown grade (None) never meets a certificate condition."""
        if score < self.min_score:
            return False
        return not self.unless_grades or (
            standardisation_grade is not None and standardisation_grade not in self.unless_grades
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"min_score": self.min_score, "code": self.code, "label": self.label}
        if self.unless_grades:
            data["unless_grades"] = list(self.unless_grades)
        return data


@dataclass(frozen=True)
class Rule:
    """A standard-wide rule shown alongside the items (e.g. 令第10号 第十四条)."""

    code: str
    text: str
    legal_basis: LegalBasis

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "legal_basis": self.legal_basis.to_dict()}


@dataclass(frozen=True)
class Checklist:
    code: str
    title: str
    version: str
    coverage: Coverage
    source: str
    applicability: Applicability
    sections: tuple[Section, ...]
    grade_bands: tuple[GradeBand, ...] = ()
    rules: tuple[Rule, ...] = ()
    major_if_failed: bool = False
    coverage_note: str | None = None
    kind: ChecklistKind = "inspection"
    # Where it was loaded from; not content, so not part of the hash or of equality.
    path: Path | None = field(default=None, compare=False, repr=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(f"checklist {self.code!r} has no item {code!r}")

    def section_of(self, item_code: str) -> Section:
        for section in self.sections:
            if any(item.code == item_code for item in section.items):
                return section
        raise KeyError(f"checklist {self.code!r} has no item {item_code!r}")

    def to_content_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "version": self.version,
            "coverage": self.coverage,
            "source": self.source,
            "applicability": self.applicability.to_dict(),
            "major_if_failed": self.major_if_failed,
            "grade_bands": [band.to_dict() for band in self.grade_bands],
            "rules": [rule.to_dict() for rule in self.rules],
            "sections": [section.to_dict() for section in self.sections],
        }
        if self.coverage_note is not None:
            data["coverage_note"] = self.coverage_note
        if self.kind != "inspection":  # absent by default, so older content keeps its hash
            data["kind"] = self.kind
        return data

    def to_content_json(self) -> str:
        """Canonical JSON (sorted keys, no whitespace, UTF-8 text) of the whole content."""
        return canonical_json(self.to_content_dict())

    @classmethod
    def from_content_json(cls, content: str) -> Checklist:
        """Rebuild a checklist from `to_content_json()` output; raises ChecklistError if invalid."""
        from checklists.loader import parse_checklist

        return parse_checklist(json.loads(content), file="<content json>", published=True)

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.to_content_json().encode("utf-8")).hexdigest()

    @property
    def version_id(self) -> str:
        """`<code>.<version>.<first 12 hex of the content hash>`, safe as a sync record id."""
        suffix = "." + self.content_hash[:_HASH_PREFIX_LEN]
        prefix = _UNSAFE_ID_CHARS.sub("_", f"{self.code}.{self.version}")
        return prefix[: 64 - len(suffix)] + suffix


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
