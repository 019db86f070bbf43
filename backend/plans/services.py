"""Inspection plans: the next supervision inspection each enterprise is due, by its class.

Each enterprise has at most one pending plan (open, or overdue once its `due_on` has passed
in Asia/Shanghai). Its deadline is `basis_on` (the day of the enterprise's last supervision
inspection, else the day it was planned) plus the interval of the enterprise's class
(INSPECTION_INTERVAL_MONTHS, classification/services.py). A finished supervision inspection of
the enterprise marks its pending plan done at once (`complete_plans_for`, on the
InspectionFinished event); the hourly `plan_inspections` job reclassifies every enterprise, plans
the next inspection where none is pending, re-dates pending plans whose class changed, keeps
them assigned to the enterprise's jurisdiction and marks the missed ones overdue. A change of
class between runs (credit, override) re-dates the pending plan at once (`follow_class`, on the
ClassChanged event).

The checklist to bring is the major-hazard judgement standard that applies to the enterprise,
else the 31 duty items (duty31).

Inspectors, supervisors and admins receive the pending plans of the enterprises in their scope
through sync (`inspection_plans`); a plan done, or of an enterprise that moved away, reaches
their devices as deleted. Enterprise users never see plans: supervision visits are not announced
(四不两直).
"""

import uuid
from datetime import datetime

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import selectinload

from sync.protocol import datetime_to_ms

from ..checklists import services as checklist_service
from ..classification import services as classification
from ..core import scope as authz
from ..core.db import db
from ..core.periods import add_months
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import (
    ENTERPRISE_ROLES,
    Enterprise,
    Inspection,
    InspectionPlan,
    User,
    utcnow,
)

FALLBACK_CHECKLIST = "duty31"
MAJOR_HAZARD_PREFIX = "major_hazard_"
PENDING = ("open", "overdue")


def plan_status(plan: InspectionPlan, today) -> str:
    if plan.status == "done":
        return "done"
    return "overdue" if today > plan.due_on else "open"


def overdue_clause(today):
    return and_(InspectionPlan.status != "done", InspectionPlan.due_on < today)


def pending_plan(enterprise_id: int) -> InspectionPlan | None:
    return db.session.scalar(
        select(InspectionPlan).where(
            InspectionPlan.enterprise_id == enterprise_id, InspectionPlan.status.in_(PENDING)
        )
    )


# --- keeping plans ----------------------------------------------------------------------------


def _follow(plan: InspectionPlan, enterprise: Enterprise, class_code: str, today) -> set[str]:
    """Bring a pending plan in line with the enterprise's class, place and today's date."""
    changes = set()
    if plan.jurisdiction_id != enterprise.jurisdiction_id:
        plan.jurisdiction_id = enterprise.jurisdiction_id
        changes.add("moved")
    if plan.class_code != class_code:
        plan.class_code = class_code
        plan.due_on = add_months(plan.basis_on, classification.interval_months(class_code))
        changes.add("redated")
    status = plan_status(plan, today)
    if plan.status != status:
        plan.status = status
        changes.add(status)
    return changes


def follow_class(enterprise_id: int, class_code: str, now: datetime | None = None) -> None:
    """The enterprise's class changed: its pending plan takes the new interval at once."""
    plan = pending_plan(enterprise_id)
    if plan is not None:
        _follow(plan, db.session.get(Enterprise, enterprise_id), class_code, today_in_shanghai(now))
        db.session.flush()


def complete_plans_for(inspection: Inspection, now: datetime | None = None) -> None:
    """A finished supervision inspection fulfils the enterprise's pending plan."""
    if inspection.kind != "supervision":
        return
    plan = pending_plan(inspection.enterprise_id)
    if plan is None:
        return
    plan.status = "done"
    plan.inspection_id = inspection.id
    plan.done_at = now or utcnow()
    db.session.flush()


def _last_supervision_dates() -> dict[int, object]:
    rows = db.session.execute(
        select(Inspection.enterprise_id, func.max(Inspection.finished_received_at))
        .where(Inspection.kind == "supervision", Inspection.status == "finished")
        .group_by(Inspection.enterprise_id)
    )
    return {
        enterprise_id: finished.astimezone(SHANGHAI).date()
        for enterprise_id, finished in rows
        if finished is not None
    }


class _ChecklistChooser:
    """The checklist a supervision inspection of an enterprise brings (one answer per profile)."""

    def __init__(self) -> None:
        self.versions = checklist_service.current_versions()
        self.chosen: dict[tuple, str] = {}

    def __call__(self, enterprise: Enterprise) -> str:
        profile = (
            enterprise.industry,
            enterprise.scale,
            tuple(sorted(enterprise.risk_features or ())),
        )
        if profile not in self.chosen:
            codes = [
                version.code
                for version in checklist_service.applicable_versions(
                    enterprise, "supervision", self.versions
                )
            ]
            major = [code for code in codes if code.startswith(MAJOR_HAZARD_PREFIX)]
            self.chosen[profile] = (major or [FALLBACK_CHECKLIST])[0]
        return self.chosen[profile]


def plan_inspections(now: datetime) -> dict:
    """The scheduled job: reclassify, plan where nothing is pending, follow classes and dates."""
    today = today_in_shanghai(now)
    classes = classification.reclassify_all(now)
    pending = {
        plan.enterprise_id: plan
        for plan in db.session.scalars(
            select(InspectionPlan).where(InspectionPlan.status.in_(PENDING))
        )
    }
    last_inspected = _last_supervision_dates()
    checklist_for = _ChecklistChooser()
    summary = {"classified": len(classes), "created": 0, "redated": 0, "overdue": 0, "moved": 0}
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.id))
    for enterprise in enterprises:
        class_code = classes[enterprise.id]
        plan = pending.get(enterprise.id)
        if plan is None:
            basis_on = last_inspected.get(enterprise.id, today)
            plan = InspectionPlan(
                id=uuid.uuid4().hex,
                enterprise_id=enterprise.id,
                jurisdiction_id=enterprise.jurisdiction_id,
                checklist_code=checklist_for(enterprise),
                class_code=class_code,
                basis_on=basis_on,
                due_on=add_months(basis_on, classification.interval_months(class_code)),
                status="open",
            )
            plan.status = plan_status(plan, today)
            db.session.add(plan)
            summary["created"] += 1
            summary["overdue"] += plan.status == "overdue"
            continue
        changes = _follow(plan, enterprise, class_code, today)
        for change in ("redated", "overdue", "moved"):
            summary[change] += change in changes
    db.session.flush()
    return summary


# --- reading ----------------------------------------------------------------------------------

READERS = ("admin", "supervisor", "inspector")


def plan_query(
    user: User,
    *,
    overdue: bool | None = None,
    status: str | None = None,
    enterprise_id: int | None = None,
    jurisdiction_id: int | None = None,
    class_code: str | None = None,
    now: datetime | None = None,
):
    """Plans of the enterprises the user may see, soonest due first (officials only)."""
    authz.require_role(user, *READERS)
    today = today_in_shanghai(now)
    stmt = select(InspectionPlan).where(
        InspectionPlan.enterprise_id.in_(authz.visible_enterprise_ids(user))
    )
    if overdue is not None:
        stmt = stmt.where(overdue_clause(today) if overdue else ~overdue_clause(today))
    if status == "done":
        stmt = stmt.where(InspectionPlan.status == "done")
    elif status == "overdue":
        stmt = stmt.where(overdue_clause(today))
    elif status == "open":
        stmt = stmt.where(InspectionPlan.status != "done", InspectionPlan.due_on >= today)
    if enterprise_id is not None:
        stmt = stmt.where(InspectionPlan.enterprise_id == enterprise_id)
    if class_code is not None:
        stmt = stmt.where(InspectionPlan.class_code == class_code)
    if jurisdiction_id is not None:
        subtree = authz.visible_subtree_ids(user, jurisdiction_id)
        stmt = stmt.where(InspectionPlan.jurisdiction_id.in_(subtree))
    return stmt.options(selectinload(InspectionPlan.enterprise)).order_by(
        InspectionPlan.due_on, InspectionPlan.id
    )


# --- sync -------------------------------------------------------------------------------------


def serialize_plan(plan: InspectionPlan) -> dict:
    return {
        "id": plan.id,
        "enterprise_id": str(plan.enterprise_id),
        "checklist_code": plan.checklist_code,
        "due_on": plan.due_on.isoformat(),
        "status": plan.status,
        "class_code": plan.class_code,
        "jurisdiction_id": str(plan.jurisdiction_id),
        "updated_at": datetime_to_ms(plan.updated_at),
    }


def plan_scope(user: User):
    if user.role in ENTERPRISE_ROLES:
        return false()
    return and_(
        InspectionPlan.status.in_(PENDING),
        InspectionPlan.enterprise_id.in_(authz.visible_enterprise_ids(user)),
    )


def due_plan_for(enterprise: Enterprise) -> dict | None:
    """The enterprise's pending plan, shaped like the sync table (for the scan context)."""
    plan = pending_plan(enterprise.id)
    if plan is None:
        return None
    return {
        "id": plan.id,
        "enterprise_id": plan.enterprise_id,
        "checklist_code": plan.checklist_code,
        "due_on": plan.due_on,
    }
