"""Checklist content (YAML in `content/`) with its loader, validator, versioning and scoring.

This package never imports `backend`.
"""

from checklists.applicability import applicable, applicable_sections
from checklists.loader import (
    CONTENT_DIR,
    load_checklist,
    load_folder,
    parse_checklist,
    shipped_checklists,
)
from checklists.model import (
    Applicability,
    Checklist,
    GradeBand,
    Item,
    LegalBasis,
    Rule,
    Section,
)
from checklists.scoring import RESULTS, ScoreResult, eligibility_for, hazard_grade_for, score
from checklists.validation import ChecklistError, Problem, validate_path

__all__ = [
    "CONTENT_DIR",
    "RESULTS",
    "Applicability",
    "Checklist",
    "ChecklistError",
    "GradeBand",
    "Item",
    "LegalBasis",
    "Problem",
    "Rule",
    "ScoreResult",
    "Section",
    "applicable",
    "applicable_sections",
    "eligibility_for",
    "hazard_grade_for",
    "load_checklist",
    "load_folder",
    "parse_checklist",
    "score",
    "shipped_checklists",
    "validate_path",
]
