"""Scoring an inspection's results against a checklist, and grading failed items.

Choices:
- `na` items leave the base: score = passed weight / weight of items answered pass or fail.
- Unanswered items (no result yet) also stay out of the base, so a score can be shown while an
  inspection is in progress; they are listed in `ScoreResult.unanswered` so a caller can refuse
  to finish an incomplete inspection.
- With nothing answered pass/fail (all `na`, or nothing answered) the score is None.
- The score is rounded half-up to one decimal, and the grade band is chosen from the rounded
  score, so the score shown and the band shown always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from checklists.model import Checklist, GradeBand, Item, Section

Result = Literal["pass", "fail", "na"]
RESULTS: tuple[str, ...] = ("pass", "fail", "na")
HazardGrade = Literal["major", "general"]


@dataclass(frozen=True)
class ScoreResult:
    score: float | None
    band: GradeBand | None
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
) -> ScoreResult:
    """Score `results` (item code → pass/fail/na) against `checklist`.

    `sections` (e.g. from `applicable_sections`) limits scoring to their items; results for
    other items of the checklist are then ignored. Unknown item codes or result values raise
    ValueError.
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
        band=band_for(checklist, value),
        passed_weight=passed,
        base_weight=base,
        failed_items=tuple(failed),
        answered=answered,
        unanswered=tuple(unanswered),
    )


def band_for(checklist: Checklist, value: float | None) -> GradeBand | None:
    """The highest grade band whose `min_score` the score reaches; None without a score."""
    if value is None:
        return None
    reached = [band for band in checklist.grade_bands if value >= band.min_score]
    return reached[-1] if reached else None


def hazard_grade_for(checklist: Checklist, item: Item | str) -> HazardGrade:
    """The grade of the hazard a failed item produces: "major" or "general"."""
    resolved = checklist.item(item if isinstance(item, str) else item.code)
    return "major" if resolved.major_if_failed else "general"


def _round(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
