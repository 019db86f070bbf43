"""Which checklists, sections and items apply to an enterprise (purely data-driven).

Section and item applicability never changes a checklist version: the whole checklist (one
version id, one content JSON) is what phones receive and inspections reference. Applicability
selects *which part of it* an inspection of a given enterprise covers: `applicable_sections`
returns that part, and `score(..., sections=...)` scores only it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from checklists.industries import INDUSTRIES, INSPECTION_KINDS, RISK_FEATURES, SCALES
from checklists.model import Checklist, Section


def applicable(
    checklists: Iterable[Checklist],
    industry: str,
    scale: str | None,
    kind: str | None = None,
    risk_features: Iterable[str] = (),
) -> list[Checklist]:
    """The checklists that apply, in the given order.

    A checklist applies when its own applicability matches and at least one of its items
    remains once section and item applicability are taken into account. `scale=None`
    (unknown) and `kind=None` (any kind) do not filter.
    """
    features = _check_subject(industry, scale, kind, risk_features)
    return [
        checklist
        for checklist in checklists
        if checklist.applicability.matches(industry, scale, kind, features)
        and applicable_sections(checklist, industry, scale, kind, features)
    ]


def applicable_sections(
    checklist: Checklist,
    industry: str,
    scale: str | None,
    kind: str | None = None,
    risk_features: Iterable[str] = (),
) -> list[Section]:
    """The sections of `checklist` that apply, each holding only the items that apply.

    Sections left without items are dropped. The checklist's own applicability is not
    re-checked here (use `applicable` for that).
    """
    features = _check_subject(industry, scale, kind, risk_features)
    result = []
    for section in checklist.sections:
        if section.applicability and not section.applicability.matches(
            industry, scale, kind, features
        ):
            continue
        items = tuple(
            item
            for item in section.items
            if item.applicability is None
            or item.applicability.matches(industry, scale, kind, features)
        )
        if items:
            result.append(section if items == section.items else replace(section, items=items))
    return result


def _check_subject(
    industry: str, scale: str | None, kind: str | None, risk_features: Iterable[str]
) -> frozenset[str]:
    features = frozenset(risk_features)
    if industry not in INDUSTRIES:
        raise ValueError(f"unknown industry code {industry!r}")
    if scale is not None and scale not in SCALES:
        raise ValueError(f"unknown scale code {scale!r}")
    if kind is not None and kind not in INSPECTION_KINDS:
        raise ValueError(f"unknown inspection kind {kind!r}")
    unknown = sorted(features - RISK_FEATURES.keys())
    if unknown:
        raise ValueError(f"unknown risk feature codes {unknown!r}")
    return features
