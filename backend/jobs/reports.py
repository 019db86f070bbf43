"""Reminders of the 16号令 第十四条 statistics before their due date: the enterprise's principal
(who signs them) and safety managers (who prepare them) of each enterprise that has not submitted
them, REPORT_REMINDER_DAYS (local policy) before the due date, once per enterprise, period and
recipient (the dedupe key names them), so a rerun notifies no one twice."""

from datetime import datetime

from flask import current_app

from ..core.db import db
from ..core.timeutil import today_in_shanghai
from ..models import Enterprise, User
from ..notifications import services as notifications
from ..reports import services as reports
from ..reports.periods import Period, statistics_period_due_next

RECIPIENT_ROLES = ("enterprise_principal", "enterprise_manager")


def statistics_reminders(now: datetime) -> dict:
    today = today_in_shanghai(now)
    days = current_app.config["REPORT_REMINDER_DAYS"]
    sent = 0
    for period in statistics_period_due_next(today):
        if not 0 <= (period.due_on - today).days <= days:
            continue
        for enterprise in reports.enterprises_without_statistics(period):
            for user in notifications.enterprise_users(enterprise.id):
                if user.role in RECIPIENT_ROLES:
                    sent += _remind(user, enterprise, period, today, now)
    db.session.flush()
    return {"notified": sent}


def _remind(user: User, enterprise: Enterprise, period: Period, today, now: datetime) -> int:
    created = notifications.notify(
        user,
        "report_due",
        dedupe_key=f"report_due:hazard_statistics:{period.code}:{enterprise.id}:{user.id}",
        payload={
            "kind": "hazard_statistics",
            "period": period.code,
            "period_label": period.label,
            "enterprise_id": enterprise.id,
            "due_on": period.due_on.isoformat(),
            "days_left": (period.due_on - today).days,
        },
        now=now,
    )
    return 1 if created else 0
