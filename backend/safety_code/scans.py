"""Scanning an enterprise's safety code in the app: the context an app user needs on site,
and a record of the scan as proof of the visit (server time; the device's time and position as
reported, never used for ordering)."""

from datetime import datetime

from sqlalchemy import func, select

from ..checklists import services as checklist_service
from ..core.db import db
from ..core.scope import get_visible
from ..core.timeutil import today_in_shanghai
from ..emergency import services as emergency
from ..enterprises.services import learn_coordinates
from ..hazards.services import AWAITING_VERIFICATION, OPEN_STATUSES, overdue_clause
from ..models import Enterprise, Hazard, Inspection, ScanRecord, User, utcnow
from ..plans.services import due_plan_for
from ..training import services as training
from .services import active_code_by_token, refresh_safety_code_color


def due_inspection_plan(enterprise: Enterprise) -> dict | None:
    return due_plan_for(enterprise)


def open_hazards(enterprise: Enterprise) -> list[Hazard]:
    return list(
        db.session.scalars(
            select(Hazard)
            .where(Hazard.enterprise_id == enterprise.id, Hazard.status.in_(OPEN_STATUSES))
            .order_by(Hazard.due_on, Hazard.id)
        )
    )


def last_inspection(enterprise: Enterprise) -> Inspection | None:
    """The enterprise's most recently finished inspection (server order), of either kind."""
    return db.session.scalar(
        select(Inspection)
        .where(Inspection.enterprise_id == enterprise.id, Inspection.status == "finished")
        .order_by(Inspection.finished_received_at.desc(), Inspection.id.desc())
        .limit(1)
    )


def hazard_counts(enterprise: Enterprise, now: datetime | None = None) -> dict[str, int]:
    """Open, overdue and awaiting-verification hazards: numbers only, fit for the public page.
    A hazard rectified and submitted is 待核验, never 逾期未整改 (hazards/deadlines.py)."""
    count = select(func.count()).select_from(Hazard).where(Hazard.enterprise_id == enterprise.id)
    return {
        "open": db.session.scalar(count.where(Hazard.status.in_(OPEN_STATUSES))),
        "overdue": db.session.scalar(count.where(overdue_clause(today_in_shanghai(now)))),
        "awaiting_verification": db.session.scalar(
            count.where(Hazard.status == AWAITING_VERIFICATION)
        ),
    }


def scan(
    user: User,
    token: str,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> dict:
    """The context of the enterprise behind an active code, recording the scan.

    An unknown or revoked token, or an enterprise outside the caller's scope: NotFound.
    """
    code = active_code_by_token(token)
    enterprise = get_visible(Enterprise, code.enterprise_id, user)
    now = now or utcnow()
    refresh_safety_code_color(enterprise.id, now)
    record = ScanRecord(
        user_id=user.id,
        enterprise_id=enterprise.id,
        safety_code_id=code.id,
        scanned_at=now,
        latitude=latitude,
        longitude=longitude,
        device_time=device_time,
    )
    db.session.add(record)
    db.session.flush()
    learn_coordinates(user, enterprise, latitude, longitude)
    return {
        "enterprise": enterprise,
        "safety_code_color": enterprise.safety_code_color,
        "checklists": checklist_service.applicable_versions(enterprise),
        "open_hazards": open_hazards(enterprise),
        "last_inspection": last_inspection(enterprise),
        # Supervision visits are unannounced (四不两直): enterprises never see their plans.
        "due_inspection_plan": None if user.is_enterprise_user else due_inspection_plan(enterprise),
        # The registers checklist items D10 and D17 ask about: one line each, and the flags.
        "registers": {
            "training": training.register_summary(enterprise.id),
            "emergency": emergency.register_summary(enterprise.id),
        },
        "scan": record,
    }


def scans_query(enterprise: Enterprise):
    return (
        select(ScanRecord)
        .where(ScanRecord.enterprise_id == enterprise.id)
        .order_by(ScanRecord.scanned_at.desc(), ScanRecord.id.desc())
    )
