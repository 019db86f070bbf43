"""Scoring an inspection's results against a checklist, and grading failed items.

Choices:
- `na` items leave the base: score = passed weight / weight of items answered pass or fail.
- Unanswered items (no result yet) also stay out of the base, so a score can be shown while an
  inspection is in progress; they are listed in `ScoreResult.unanswered` so a caller can refuse
  to finish an incomplete inspection.
- With nothing answered pass/fail (all `na`, or nothing answered) the score is None.
- The score is rounded half-up to one decimal, and eligibility is read from the rounded score,
  so the score shown and the statements shown always agree.
- Only a standardisation assessment (kind `standardisation_assessment`) yields eligibility
  statements. 常州市安全生产达标企业创建方案 (seed 003) 三(三): after a 评审组's review the city
  bureau determines 达标企业 (not below 60) and the 标杆企业 list (not below 75); 四(四): an
  enterprise without an 一级/二级 certificate may newly apply for 一级 at 90 and 二级 at 75. Those
  are floors of its 创建大纲 for a decision, so an inspection checklist gets a score and no label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from checklists.model import STANDARDISATION_ASSESSMENT, Checklist, GradeBand, Item, Section

Result = Literal["pass", "fail", "na"]
RESULTS: tuple[str, ...] = ("pass", "fail", "na")
HazardGrade = Literal["major", "general"]


@dataclass(frozen=True)
class ScoreResult:
    score: float | None
    eligibility: tuple[GradeBand, ...]  # every statement that holds, lowest first
    passed_weight: float
    base_weight: float
    failed_items: tuple[str, ...]
    answered: int
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unanswered


def score(
    checklist: Checklist,
    results: Mapping[str, str],
    *,
    sections: Iterable[Section] | None = None,
    standardisation_grade: str | None = None,
) -> ScoreResult:
    """Score `results` (item code → pass/fail/na) against `checklist`.

    `sections` (e.g. from `applicable_sections`) limits scoring to their items; results for
    other items of the checklist are then ignored. `standardisation_grade` is the grade the
    enterprise already holds (for the certificate condition of eligibility statements). Unknown
    item codes or result values raise ValueError.
    """
    known = {item.code for item in checklist.items}
    unknown = sorted(set(results) - known)
    if unknown:
        raise ValueError(f"checklist {checklist.code!r} has no items {unknown!r}")
    invalid = sorted(code for code, result in results.items() if result not in RESULTS)
    if invalid:
        raise ValueError(f"results must be one of {RESULTS!r}; invalid for items {invalid!r}")

    items = checklist.items if sections is None else [i for s in sections for i in s.items]
    passed = base = 0.0
    failed: list[str] = []
    unanswered: list[str] = []
    answered = 0
    for item in items:
        result = results.get(item.code)
        if result is None:
            unanswered.append(item.code)
            continue
        answered += 1
        if result == "na":
            continue
        base += item.weight
        if result == "pass":
            passed += item.weight
        else:
            failed.append(item.code)
    value = _round(100 * passed / base) if base > 0 else None
    return ScoreResult(
        score=value,
        eligibility=eligibility_for(checklist, value, standardisation_grade),
        passed_weight=passed,
        base_weight=base,
        failed_items=tuple(failed),
        answered=answered,
        unanswered=tuple(unanswered),
    )


def eligibility_for(
    checklist: Checklist, value: float | None, standardisation_grade: str | None = None
) -> tuple[GradeBand, ...]:
    """The eligibility statements a score reaches on a standardisation assessment, for an
    enterprise holding `standardisation_grade`; none without a score or on other checklists."""
    if value is None or checklist.kind != STANDARDISATION_ASSESSMENT:
        return ()
    return tuple(
        band for band in checklist.grade_bands if band.holds_for(value, standardisation_grade)
    )


def hazard_grade_for(checklist: Checklist, item: Item | str) -> HazardGrade:
    """The grade of the hazard a failed item produces: "major" or "general"."""
    resolved = checklist.item(item if isinstance(item, str) else item.code)
    return "major" if resolved.major_if_failed else "general"


def _round(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
