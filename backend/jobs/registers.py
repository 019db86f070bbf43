"""Reminders from the enterprise's registers, run by the scheduler's jobs: certificates about to
expire (持证上岗), emergency drills due or overdue (seed 004 item 17), and major hazard
installations whose safety evaluation falls due or whose 备案 is late (暂行规定 第十一条,
第二十三条).

The training, emergency and risks domains sit below notifications and may not import it; this
module reads their states and notifies. Like jobs/deadlines.py, every function takes `now` and is
idempotent: each notification's dedupe key names what it is about, the threshold or period and
the recipient, so a rerun notifies no one twice, and a renewed certificate (a new expiry date)
or a new period starts a fresh round.
"""

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from ..core.db import db
from ..core.timeutil import today_in_shanghai
from ..emergency import services as emergency
from ..models import CERTIFICATE_TYPES, PERSON_ROLES, Certificate, Enterprise, User
from ..notifications import services as notifications
from ..risks import services as risks
from ..training import services as training

RECIPIENT_ROLES = ("enterprise_manager",)


def _managers(enterprise_id: int) -> list[User]:
    """The enterprise's safety managers: they keep the registers."""
    return [
        user
        for user in notifications.enterprise_users(enterprise_id)
        if user.role in RECIPIENT_ROLES
    ]


def reached_threshold(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest reminder threshold the days left have reached (30, then 7: at 5 days left,
    7), or None when none is reached yet."""
    reached = [threshold for threshold in thresholds if days_left <= threshold]
    return min(reached) if reached else None


def certificate_reminders(now: datetime) -> dict:
    """Tell the enterprise's safety managers of each certificate reaching a reminder threshold
    (CERTIFICATE_REMINDER_DAYS, local policy), once per threshold and expiry date."""
    today = today_in_shanghai(now)
    thresholds = training.reminder_days(current_app.config)
    sent = 0
    for certificate in training.expiring_certificates(today, max(thresholds)):
        days_left = (certificate.valid_until - today).days
        threshold = reached_threshold(days_left, thresholds)
        if threshold is None:
            continue
        for user in _managers(certificate.enterprise_id):
            sent += _certificate_notice(user, certificate, threshold, days_left, now)
    db.session.flush()
    return {"notified": sent}


def _certificate_notice(
    user: User, certificate: Certificate, threshold: int, days_left: int, now: datetime
) -> int:
    person = certificate.person
    label = CERTIFICATE_TYPES[certificate.cert_type]
    key = (
        f"certificate_expiring:{certificate.id}:{certificate.valid_until.isoformat()}"
        f":{threshold}:{user.id}"
    )
    created = notifications.notify(
        user,
        "certificate_expiring",
        dedupe_key=key,
        payload={
            "certificate_id": certificate.id,
            "enterprise_id": certificate.enterprise_id,
            "person_id": person.id,
            "person_name": person.name,
            "role": person.role,
            "cert_type": certificate.cert_type,
            "valid_until": certificate.valid_until.isoformat(),
            "days_left": days_left,
            "message": f"{PERSON_ROLES[person.role]}{person.name}的{label}将于"
            f"{certificate.valid_until}到期，还剩{days_left}天，请及时复审或换证。",
        },
        now=now,
    )
    return 1 if created else 0


def drill_reminders(now: datetime) -> dict:
    """Tell the enterprise's safety managers, once per requirement and period, of a drill of
    item 17 overdue, or still due within DRILL_DUE_SOON_DAYS (local policy) of the period's
    end."""
    today = today_in_shanghai(now)
    soon_days = current_app.config.get("DRILL_DUE_SOON_DAYS", 30)
    summary = {"overdue": 0, "due_soon": 0}
    names = dict(db.session.execute(select(Enterprise.id, Enterprise.name)).all())
    for status in emergency.all_drill_statuses(today):
        for requirement in status["requirements"]:
            kind = _reminder_kind(requirement, today, soon_days)
            if kind is None:
                continue
            for user in _managers(status["enterprise_id"]):
                summary["overdue" if kind == "drill_overdue" else "due_soon"] += _drill_notice(
                    user, kind, status["enterprise_id"], names, requirement, now
                )
    db.session.flush()
    return summary


def _reminder_kind(requirement: dict, today: date, soon_days: int) -> str | None:
    if requirement["state"] == "overdue":
        return "drill_overdue"
    if requirement["state"] == "due" and (requirement["period_end"] - today).days <= soon_days:
        return "drill_due"
    return None


def _drill_notice(
    user: User, kind: str, enterprise_id: int, names: dict, requirement: dict, now: datetime
) -> int:
    period_start = requirement["missed_period_start"] or requirement["period_start"]
    key = f"{kind}:{enterprise_id}:{requirement['code']}:{period_start.isoformat()}:{user.id}"
    if kind == "drill_overdue":
        message = (
            f"{requirement['label']}：{period_start}起的上一周期内未开展，已逾期，"
            "请尽快组织演练（青安委〔2024〕2号第17项）。"
        )
    else:
        message = (
            f"{requirement['label']}：本周期至{requirement['period_end']}止尚未开展，"
            "请按计划组织演练（青安委〔2024〕2号第17项）。"
        )
    created = notifications.notify(
        user,
        kind,
        dedupe_key=key,
        payload={
            "enterprise_id": enterprise_id,
            "enterprise_name": names.get(enterprise_id),
            "requirement": requirement["code"],
            "period_start": period_start.isoformat(),
            "period_end": requirement["period_end"].isoformat(),
            "message": message,
        },
        now=now,
    )
    return 1 if created else 0


INSTALLATION_MESSAGES = {
    "evaluation_due": "重大危险源“{name}”的安全评估将于{due_on}满三年，请及时组织重新评估"
    "（危险化学品重大危险源监督管理暂行规定第十一条）。",
    "evaluation_overdue": "重大危险源“{name}”的安全评估已于{due_on}满三年，已逾期，请尽快重新评估"
    "（危险化学品重大危险源监督管理暂行规定第十一条）。",
    "filing_overdue": "重大危险源“{name}”应于{due_on}前报送备案，至今未备案，请尽快备案"
    "（危险化学品重大危险源监督管理暂行规定第二十三条）。",
}


def installation_reminders(now: datetime) -> dict:
    """Tell the enterprise's safety managers, once per installation, kind and due date, of a
    major hazard's evaluation due soon or overdue, and of a 备案 overdue."""
    today = today_in_shanghai(now)
    summary = dict.fromkeys(INSTALLATION_MESSAGES, 0)
    for flag in risks.flagged_installations(today, **risks.flag_settings(current_app.config)):
        for user in _managers(flag.installation.enterprise_id):
            summary[flag.kind] += _installation_notice(user, flag, now)
    db.session.flush()
    return summary


def _installation_notice(user: User, flag, now: datetime) -> int:
    installation = flag.installation
    key = f"installation_{flag.kind}:{installation.id}:{flag.due_on.isoformat()}:{user.id}"
    created = notifications.notify(
        user,
        f"installation_{flag.kind}",
        dedupe_key=key,
        payload={
            "installation_id": installation.id,
            "enterprise_id": installation.enterprise_id,
            "name": installation.name,
            "grade": installation.grade,
            "due_on": flag.due_on.isoformat(),
            "message": INSTALLATION_MESSAGES[flag.kind].format(
                name=installation.name, due_on=flag.due_on
            ),
        },
        now=now,
    )
    return 1 if created else 0
