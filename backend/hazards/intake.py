"""How hazards come in: one per failed checklist item, or reported on site outside any checklist.

An enterprise may report a hazard itself (自报, 方案4 L140) and fix a general hazard on the spot
(立查立改, 16号令 第十五条: a general hazard is rectified at once by the unit's own people).
"""

from datetime import date, datetime

from checklists.model import Checklist, Item
from checklists.scoring import hazard_grade_for

from ..core import events
from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import require_enterprise_in_scope, require_role
from ..core.timeutil import days_from_today, today_in_shanghai
from ..models import HAZARD_GRADES, Finding, Hazard, Inspection, User, utcnow
from ..risks.services import require_risk_point_of
from .deadlines import check_deadline
from .workflow import mark_closed, new_id, record_step, refresh_color

MAX_TITLE = 500
MAX_LOCATION = 500
# Who may report a hazard directly (on site, outside a checklist): officials (a department's
# among them, for the enterprises of its industries), grid workers on patrol in their grid
# (seed 001 L55), and an enterprise's safety managers for their own enterprise (自报, 方案4 L140).
REPORTERS = ("inspector", "supervisor", "department_official", "grid_worker", "enterprise_manager")
# Hazard ids the API routes use for other things.
RESERVED_IDS = frozenset({"stats", "export.xlsx", "export.csv"})


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
        self_reported=inspection.kind == "self_inspection",
        risk_point_id=finding.risk_point_id,
    )
    db.session.add(hazard)
    db.session.flush()
    record_step(
        hazard,
        "report",
        user,
        from_status=None,
        payload={"finding_id": finding.id, "inspection_id": inspection.id},
        due_on_after=hazard.due_on,
    )
    refresh_color(hazard)
    events.publish(events.HazardReported(hazard))
    return hazard


def _default_due_on(item: Item) -> date:
    return days_from_today(item.rectification_days)


def report_hazard(
    user: User,
    *,
    enterprise_id: int,
    title: str,
    grade: str = "general",
    description: str = "",
    location: str = "",
    due_on: date | None = None,
    photos=(),
    fixed_on_spot: bool = False,
    after_photos=(),
    risk_point_id: str | None = None,
    id: str | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Hazard:
    """A hazard reported outside any checklist; 立查立改 (fixed on the spot) closes it at once.

    Officials report what they find on site; an enterprise's safety manager reports what the
    enterprise found itself (自报, 方案4 L140), which makes it self-reported, and may fix a general
    hazard on the spot (16号令 第十五条), which is then the enterprise's own close-out."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    require_role(user, *REPORTERS)
    if risk_point_id is not None:
        require_risk_point_of(enterprise.id, risk_point_id, "risk_point_id")
    now = now or utcnow()
    today = today_in_shanghai(now)
    if grade not in HAZARD_GRADES:
        raise Invalid(f"Unknown grade {grade}.", field="grade")
    title = checked_text(title, "title", MAX_TITLE)
    if not title:
        raise Invalid("A hazard needs a title.", field="title")
    description = checked_text(description, "description")
    location = checked_text(location, "location", MAX_LOCATION)
    if id is not None:
        if id in RESERVED_IDS:
            raise Invalid(f"The id {id} is reserved.", field="id")
        if db.session.get(Hazard, id) is not None:
            raise Conflict(f"A hazard with id {id} already exists.", field="id")
    if fixed_on_spot:
        _check_fixed_on_spot(grade, photos, after_photos)
        due_on = due_on or today
    if due_on is None:
        raise Invalid("A rectification deadline (due_on) is required.", field="due_on")
    check_deadline(due_on, today)
    hazard = Hazard(
        id=id or new_id(),
        enterprise_id=enterprise.id,
        title=title,
        description=description,
        location=location,
        grade=grade,
        status="reported",
        due_on=due_on,
        reported_by_id=user.id,
        reported_at=now,
        fixed_on_spot=fixed_on_spot,
        self_reported=user.is_enterprise_user,
        risk_point_id=risk_point_id,
    )
    db.session.add(hazard)
    db.session.flush()
    record_step(
        hazard,
        "report",
        user,
        from_status=None,
        photos=photos,
        device_time=device_time,
        now=now,
        due_on_after=due_on,
    )
    if fixed_on_spot:
        hazard.status = "closed"
        mark_closed(hazard, user, now)
        record_step(
            hazard,
            "fix_on_spot",
            user,
            from_status="reported",
            photos=after_photos,
            device_time=device_time,
            now=now,
        )
    refresh_color(hazard, now)
    events.publish(events.HazardReported(hazard, now))
    return hazard


def _check_fixed_on_spot(grade: str, photos, after_photos) -> None:
    if grade == "major":
        raise Invalid(
            "A major hazard cannot be fixed on the spot; it needs a governance plan.",
            field="fixed_on_spot",
        )
    if not photos:
        raise Invalid("A hazard fixed on the spot needs photos from before.", field="photos")
    if not after_photos:
        raise Invalid("A hazard fixed on the spot needs photos from after.", field="after_photos")
