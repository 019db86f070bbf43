"""Inspections: start, record findings, finish with a score and one hazard per failure; a
standardisation assessment also keeps the eligibility statements its score reached.

The online API and the sync push both call these functions.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from checklists.model import STANDARDISATION_ASSESSMENT, Item, Section
from checklists.scoring import score

from ..checklists import services as checklist_service
from ..core import events
from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import inspection_clause, require_inspection_owner, require_may_inspect
from ..core.timeutil import today_in_shanghai
from ..enterprises.services import learn_coordinates
from ..hazards.services import report_from_finding
from ..models import Finding, Hazard, Inspection, Photo, User, utcnow
from ..photos.services import attach_photos
from ..risks.services import require_risk_point_of

MAX_DEADLINE_DAYS = 366
NOTE_MAX = 2000  # a finding's note, whether it comes by REST or by sync


def start_inspection(
    user: User,
    *,
    enterprise_id: int,
    checklist_version_id: str,
    kind: str,
    id: str | None = None,
    started_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Inspection:
    enterprise = require_may_inspect(user, enterprise_id, kind)
    version = checklist_service.get_version(checklist_version_id, field="checklist_version_id")
    applicable = checklist_service.applicable_versions(enterprise, kind)
    if version.code not in {candidate.code for candidate in applicable}:
        raise Invalid(
            f"The checklist {version.code} does not apply to this enterprise for {kind}.",
            field="checklist_version_id",
        )
    if id is not None and db.session.get(Inspection, id) is not None:
        raise Conflict(f"An inspection with id {id} already exists.", field="id")
    inspection = Inspection(
        id=id or uuid.uuid4().hex,
        enterprise_id=enterprise.id,
        checklist_version_id=version.id,
        kind=kind,
        inspector_id=user.id,
        started_at=started_at,
        latitude=latitude,
        longitude=longitude,
    )
    db.session.add(inspection)
    db.session.flush()
    learn_coordinates(user, enterprise, latitude, longitude)
    return inspection


def applicable_items(inspection: Inspection):
    """The inspection's checklist, and the sections and items that apply to its enterprise."""
    checklist = checklist_service.checklist_of(inspection.checklist_version)
    sections, items = checklist_service.items_for(inspection.enterprise, checklist, inspection.kind)
    return checklist, sections, items


def _require_in_progress(inspection: Inspection) -> None:
    if inspection.status != "in_progress":
        raise Conflict(
            f"The inspection is {inspection.status}; findings can no longer change.",
            current_state=inspection.status,
        )


def _check_due_on(due_on: date | None) -> None:
    if due_on is None:
        return
    today = today_in_shanghai()
    if not today <= due_on <= today + timedelta(days=MAX_DEADLINE_DAYS):
        raise Invalid(
            f"A rectification deadline must fall between {today} and one year later.",
            field="due_on",
        )


def record_finding(
    user: User,
    inspection: Inspection,
    *,
    item_code: str,
    result: str,
    note: str = "",
    grade: str | None = None,
    due_on: date | None = None,
    risk_point_id: str | None = None,
    photos: list[str] = (),
    id: str | None = None,
    device_recorded_at: datetime | None = None,
    flush: bool = True,
) -> Finding:
    """Record (or re-record, while in progress) the result of one item. A batch (a sync push)
    passes `flush=False` and lets its findings be written together."""
    require_inspection_owner(user, inspection)
    _require_in_progress(inspection)
    _checklist, _sections, items = applicable_items(inspection)
    if item_code not in items:
        raise Invalid(f"The item {item_code} is not part of this inspection.", field="item_code")
    _check_due_on(due_on)
    if risk_point_id is not None:
        require_risk_point_of(inspection.enterprise_id, risk_point_id, "risk_point_id")
    finding = finding_for(inspection, item_code)
    if finding is None:
        finding = Finding(id=id or uuid.uuid4().hex, item_code=item_code, recorded_by_id=user.id)
        inspection.findings.append(finding)
    finding.result = result
    finding.note = checked_text(note, "note", NOTE_MAX)
    finding.grade = grade
    finding.due_on = due_on
    finding.risk_point_id = risk_point_id
    finding.device_recorded_at = device_recorded_at
    if flush:
        db.session.flush()
    if photos:
        attach_photos(user, "findings", finding.id, photos)
    return finding


def finding_for(inspection: Inspection, item_code: str) -> Finding | None:
    """The inspection's finding for an item, from its findings loaded once (a batch of
    findings for one inspection costs one query, not one per item)."""
    return next((f for f in inspection.findings if f.item_code == item_code), None)


def require_may_add_evidence(user: User, inspection: Inspection) -> None:
    """Photos of an inspection or of its findings are its inspector's evidence, added while it
    is open; nobody else writes into another's inspection."""
    require_inspection_owner(user, inspection)
    _require_in_progress(inspection)


def delete_finding(user: User, finding: Finding) -> None:
    """Only the inspector of a still-open inspection may take a finding back."""
    inspection = finding.inspection
    require_inspection_owner(user, inspection)
    _require_in_progress(inspection)
    inspection.findings.remove(finding)
    db.session.delete(finding)
    db.session.flush()


def _photo_counts(finding_ids: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        select(Photo.owner_id, func.count())
        .where(Photo.owner_table == "findings", Photo.owner_id.in_(finding_ids))
        .group_by(Photo.owner_id)
    )
    return dict(rows.all())


def finish_inspection(
    user: User, inspection: Inspection, *, finished_at: datetime | None = None
) -> list[Hazard]:
    """Score the inspection, report one hazard per failed item; its plan follows (an event)."""
    require_inspection_owner(user, inspection)
    _require_in_progress(inspection)
    checklist, sections, items = applicable_items(inspection)
    findings = {finding.item_code: finding for finding in inspection.findings}
    missing = [code for code in items if code not in findings]
    if missing:
        raise Invalid(
            f"Items not yet answered: {', '.join(missing)}.", field="findings", missing=missing
        )
    failed = [findings[code] for code in items if findings[code].result == "fail"]
    _require_evidence(failed, items)
    result = score(
        checklist,
        {code: findings[code].result for code in items},
        sections=sections,
        standardisation_grade=inspection.enterprise.standardisation_grade,
    )
    inspection.status = "finished"
    inspection.finished_at = finished_at
    inspection.finished_received_at = utcnow()
    inspection.score = result.score
    inspection.eligibility = _eligibility(checklist, result)
    hazards = [
        report_from_finding(finding, inspection, checklist, items[finding.item_code], user)
        for finding in failed
    ]
    events.publish(events.InspectionFinished(inspection, inspection.finished_received_at))
    db.session.flush()
    return hazards


def _eligibility(checklist, result) -> list[dict] | None:
    """What the score permits on a standardisation assessment (seed 003), else None."""
    if checklist.kind != STANDARDISATION_ASSESSMENT:
        return None
    return [{"code": band.code, "label": band.label} for band in result.eligibility]


def _require_evidence(failed: list[Finding], items) -> None:
    counts = _photo_counts([finding.id for finding in failed])
    lacking = [
        finding.item_code
        for finding in failed
        if items[finding.item_code].photo_required_on_fail and not counts.get(finding.id)
    ]
    if lacking:
        raise Invalid(
            f"Failed items need photo evidence: {', '.join(lacking)}.",
            field="findings",
            missing_photos=lacking,
        )


# --- reading ----------------------------------------------------------------------------------


def inspection_query(
    user: User,
    *,
    enterprise_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
):
    """Inspections of enterprises in the user's scope (an enterprise's users: its own), newest
    first."""
    stmt = select(Inspection).where(inspection_clause(user))
    if enterprise_id is not None:
        stmt = stmt.where(Inspection.enterprise_id == enterprise_id)
    if status is not None:
        stmt = stmt.where(Inspection.status == status)
    if kind is not None:
        stmt = stmt.where(Inspection.kind == kind)
    return stmt.order_by(Inspection.created_at.desc(), Inspection.id)


@dataclass
class ReportRow:
    item: Item
    finding: Finding | None
    photos: list[str]
    hazard: Hazard | None


@dataclass
class ReportSection:
    section: Section
    rows: list[ReportRow] = field(default_factory=list)


def inspection_report(inspection: Inspection) -> list[ReportSection]:
    """The inspection item by item, in the checklist's order: each applicable (or answered)
    item with its finding, the finding's photos and the hazard it became."""
    checklist, _sections, items = applicable_items(inspection)
    findings = {finding.item_code: finding for finding in inspection.findings}
    photos = _finding_photos([finding.id for finding in findings.values()])
    hazards = {
        hazard.finding_id: hazard
        for hazard in db.session.scalars(
            select(Hazard).where(Hazard.inspection_id == inspection.id)
        )
    }
    report = []
    for section in checklist.sections:
        shown = [item for item in section.items if item.code in items or item.code in findings]
        if not shown:
            continue
        rows = []
        for item in shown:
            finding = findings.get(item.code)
            rows.append(
                ReportRow(
                    item=item,
                    finding=finding,
                    photos=photos.get(finding.id, []) if finding else [],
                    hazard=hazards.get(finding.id) if finding else None,
                )
            )
        report.append(ReportSection(section, rows))
    return report


def _finding_photos(finding_ids: list[str]) -> dict[str, list[str]]:
    rows = db.session.execute(
        select(Photo.owner_id, Photo.sha256)
        .where(Photo.owner_table == "findings", Photo.owner_id.in_(finding_ids))
        .order_by(Photo.created_at, Photo.id)
    )
    photos: dict[str, list[str]] = defaultdict(list)
    for owner_id, sha256 in rows:
        if sha256 not in photos[owner_id]:
            photos[owner_id].append(sha256)
    return photos
