"""Deadline follow-up, run by the scheduler's jobs: overdue marking, reminders, escalation.

Every function takes `now` (tests pass any instant) and is idempotent: notifications carry a
dedupe key naming the hazard, its deadline and the recipient, so a rerun notifies no one twice,
while a new deadline (an approved extension) starts a fresh round.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..core.db import db
from ..core.timeutil import today_in_shanghai
from ..credit import records as credit
from ..hazards.services import days_overdue, overdue_clause, record_system_action
from ..models import Hazard, User
from ..notifications import services as notifications
from ..safety_code.services import refresh_stale_colors


def mark_overdue(now: datetime) -> dict:
    """Note when each hazard's current deadline passed, with an entry in its audit trail."""
    today = today_in_shanghai(now)
    hazards = db.session.scalars(
        select(Hazard)
        .where(overdue_clause(today), Hazard.marked_overdue_at.is_(None))
        .order_by(Hazard.due_on, Hazard.id)
    ).all()
    for hazard in hazards:
        hazard.marked_overdue_at = now
        record_system_action(
            hazard,
            "mark_overdue",
            now=now,
            payload={
                "due_on": hazard.due_on.isoformat(),
                "days_overdue": days_overdue(hazard, now),
            },
        )
    db.session.flush()
    # A passed deadline can turn a safety code yellow or red (safety_code/services.py).
    refresh_stale_colors(now)
    return {"marked": len(hazards)}


def due_soon_reminders(now: datetime) -> dict:
    """Remind the enterprise of open hazards due within DUE_SOON_DAYS days (once per deadline)."""
    today = today_in_shanghai(now)
    horizon = today + timedelta(days=current_app.config.get("DUE_SOON_DAYS", 3))
    hazards = db.session.scalars(
        select(Hazard)
        .where(
            Hazard.status.in_(("reported", "rectifying")),
            Hazard.due_on >= today,
            Hazard.due_on <= horizon,
        )
        .order_by(Hazard.due_on, Hazard.id)
    ).all()
    sent = 0
    for hazard in hazards:
        days_left = (hazard.due_on - today).days
        for user in notifications.enterprise_users(hazard.enterprise_id):
            sent += _notify(
                user,
                "hazard_due_soon",
                hazard,
                now,
                message=f"隐患“{hazard.title}”整改期限为{hazard.due_on}，还剩{days_left}天。",
                days_left=days_left,
            )
    db.session.flush()
    return {"notified": sent}


def escalate_overdue(now: datetime) -> dict:
    """Overdue: tell the enterprise; ESCALATION_DAYS later, the supervisors of its jurisdiction
    chain; a major hazard not rectified by its deadline is proposed as a credit candidate for a
    supervisor to decide (credit/records.py)."""
    today = today_in_shanghai(now)
    escalation_days = current_app.config.get("ESCALATION_DAYS", 3)
    hazards = db.session.scalars(
        select(Hazard).where(overdue_clause(today)).order_by(Hazard.due_on, Hazard.id)
    ).all()
    summary = {"notified_enterprise": 0, "escalated": 0, "credit_candidates": 0}
    for hazard in hazards:
        days = days_overdue(hazard, now)
        message = f"隐患“{hazard.title}”整改期限{hazard.due_on}已过，逾期{days}天未销号。"
        for user in notifications.enterprise_users(hazard.enterprise_id):
            summary["notified_enterprise"] += _notify(
                user, "hazard_overdue", hazard, now, message=message, days_overdue=days
            )
        summary["credit_candidates"] += credit.propose_overdue_major_hazard(hazard, now)
        if days > escalation_days:
            for user in notifications.supervisors_over(hazard.enterprise):
                summary["escalated"] += _notify(
                    user, "hazard_escalated", hazard, now, message=message, days_overdue=days
                )
    db.session.flush()
    return summary


def _notify(user: User, kind: str, hazard: Hazard, now: datetime, **details) -> int:
    payload = {
        "hazard_id": hazard.id,
        "title": hazard.title,
        "grade": hazard.grade,
        "status": hazard.status,
        "enterprise_id": hazard.enterprise_id,
        "enterprise_name": hazard.enterprise.name,
        "due_on": hazard.due_on.isoformat(),
        **details,
    }
    key = f"{kind}:{hazard.id}:{hazard.due_on.isoformat()}:{user.id}"
    created = notifications.notify(
        user, kind, dedupe_key=key, hazard=hazard, payload=payload, now=now
    )
    return 1 if created else 0
