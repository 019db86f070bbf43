"""Hazards (隐患): created from failed findings; tracked to close-out."""

import uuid
from datetime import date

from checklists.model import Checklist, Item
from checklists.scoring import hazard_grade_for

from ..db import db
from ..models import Finding, Hazard, Inspection, User
from ..timeutil import days_from_today


def new_id() -> str:
    return uuid.uuid4().hex


def report_from_finding(
    finding: Finding, inspection: Inspection, checklist: Checklist, item: Item, user: User
) -> Hazard:
    """One hazard per failed item: grade from the item, deadline from its default days."""
    grade = finding.grade or hazard_grade_for(checklist, item)
    hazard = Hazard(
        id=f"hz-{finding.id}"[:64],
        enterprise_id=inspection.enterprise_id,
        inspection_id=inspection.id,
        finding_id=finding.id,
        checklist_version_id=inspection.checklist_version_id,
        item_code=item.code,
        title=item.text,
        description=finding.note or "",
        legal_basis=item.legal_basis.to_dict(),
        grade=grade,
        status="reported",
        due_on=finding.due_on or _default_due_on(item),
        reported_by_id=user.id,
    )
    db.session.add(hazard)
    return hazard


def _default_due_on(item: Item) -> date:
    return days_from_today(item.rectification_days)
