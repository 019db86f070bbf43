"""Bad credit records (不良信用记录) and what an enterprise's credit status changes elsewhere.

Where a record comes from:

- the system, for the facts it knows itself: a hazard still reported or rectifying after its
  deadline (`hazard_overdue`, or `major_hazard_overdue` for a major hazard) —
  蓝山县信用体系实施方案 三(二) 五 "期限内未完成治理整改的". The escalation job
  (jobs/deadlines.py) calls `record_overdue_hazard` for every overdue hazard; the record's
  `source_key` (trigger and hazard) makes that idempotent, and a revoked record is never made
  again. A hazard already submitted for verification is not counted: the enterprise did its
  part, the wait is ours.
- a supervisor in scope, for every other trigger of the seeds' list, with evidence (text and
  photos).

A record is managed for CREDIT_RECORD_TERM_YEARS (default one year, "不良信用记录管理期限一般为
一年") from the day it is made: active through `ends_on` (民法典 第二百零二条, core/periods.py),
then `expired` by the `credit_terms` job; a supervisor may revoke an active record with a reason.

Whenever a record or a blacklist entry changes, `credit_changed` publishes CreditChanged: the
enterprise's class (classification/services.py) and its safety-code colour follow at once.
The colour asks `credit_colour_signal`: a published blacklist entry → red, an active bad
credit record → yellow, otherwise no opinion.
"""

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, exists, func, select

from ..core import events
from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import term_end
from ..core.scope import Forbidden, require_enterprise_in_scope, visible_enterprise_ids
from ..core.timeutil import today_in_shanghai
from ..hazards.services import is_overdue
from ..models import (
    BAD_RECORD_TRIGGERS,
    SYSTEM_TRIGGERS,
    BadCreditRecord,
    BlacklistEntry,
    Enterprise,
    Hazard,
    Photo,
    User,
    utcnow,
)
from ..notifications import services as notifications
from ..photos.services import attach_photos

SUPERVISOR = "supervisor"
# Hazards whose rectification is still the enterprise's to do.
UNRECTIFIED = ("reported", "rectifying")


def new_id() -> str:
    return uuid.uuid4().hex


def term_years() -> int:
    return int(current_app.config.get("CREDIT_RECORD_TERM_YEARS", 1))


# --- status ---------------------------------------------------------------------------------


def active_record_clause(today):
    """SQL condition for records in force on `today` (the expiry job may not have run yet)."""
    return and_(
        BadCreditRecord.status == "active",
        BadCreditRecord.starts_on <= today,
        BadCreditRecord.ends_on >= today,
    )


def active_bad_record_counts(today, enterprise_ids=None) -> dict[int, int]:
    stmt = (
        select(BadCreditRecord.enterprise_id, func.count())
        .where(active_record_clause(today))
        .group_by(BadCreditRecord.enterprise_id)
    )
    if enterprise_ids is not None:
        stmt = stmt.where(BadCreditRecord.enterprise_id.in_(enterprise_ids))
    return dict(db.session.execute(stmt).all())


def blacklisted_enterprise_ids(enterprise_ids=None) -> set[int]:
    """Enterprises with a published (信息公布) blacklist entry."""
    stmt = select(BlacklistEntry.enterprise_id).where(BlacklistEntry.state == "published")
    if enterprise_ids is not None:
        stmt = stmt.where(BlacklistEntry.enterprise_id.in_(enterprise_ids))
    return set(db.session.scalars(stmt))


def credit_colour_signal(enterprise: Enterprise) -> str | None:
    """The safety-code colour the enterprise's credit asks for: red, yellow or None."""
    if blacklisted_enterprise_ids([enterprise.id]):
        return "red"
    if active_bad_record_counts(today_in_shanghai(), [enterprise.id]):
        return "yellow"
    return None


# --- what a change sets off -----------------------------------------------------------------


def credit_changed(enterprise_id: int, now: datetime | None = None) -> None:
    """A bad record or a blacklist entry of this enterprise changed: class and colour follow
    (through the CreditChanged event, backend/wiring.py)."""
    db.session.flush()
    events.publish(events.CreditChanged(enterprise_id, now))


# --- creating records -----------------------------------------------------------------------


def _new_record(enterprise_id: int, trigger: str, now: datetime, **fields) -> BadCreditRecord:
    starts_on = today_in_shanghai(now)
    record = BadCreditRecord(
        id=new_id(),
        enterprise_id=enterprise_id,
        trigger=trigger,
        starts_on=starts_on,
        ends_on=term_end(starts_on, term_years()),
        status="active",
        created_at=now,
        **fields,
    )
    db.session.add(record)
    db.session.flush()
    _tell_enterprise(record, now)
    credit_changed(enterprise_id, now)
    return record


def _tell_enterprise(record: BadCreditRecord, now: datetime) -> None:
    payload = {
        "bad_credit_record_id": record.id,
        "trigger": record.trigger,
        "trigger_label": BAD_RECORD_TRIGGERS[record.trigger],
        "starts_on": record.starts_on.isoformat(),
        "ends_on": record.ends_on.isoformat(),
        "message": f"你单位因“{BAD_RECORD_TRIGGERS[record.trigger]}”被列入安全生产不良信用记录，"
        f"管理期限至{record.ends_on}。",
    }
    for user in notifications.enterprise_users(record.enterprise_id):
        notifications.notify(
            user,
            "bad_credit_record",
            dedupe_key=f"bad_credit_record:{record.id}:{user.id}",
            payload=payload,
            now=now,
        )


def record_overdue_hazard(hazard: Hazard, now: datetime) -> int:
    """A hazard not rectified by its deadline becomes a bad credit record (once per hazard and
    trigger); 1 when a record was made."""
    if hazard.status not in UNRECTIFIED or not is_overdue(hazard, now):
        return 0
    trigger = "major_hazard_overdue" if hazard.grade == "major" else "hazard_overdue"
    key = f"{trigger}:{hazard.id}"
    if db.session.scalar(select(BadCreditRecord.id).where(BadCreditRecord.source_key == key)):
        return 0
    _new_record(
        hazard.enterprise_id,
        trigger,
        now,
        description=f"隐患“{hazard.title}”整改期限为{hazard.due_on}，期限内未完成治理整改。",
        evidence_text=f"隐患编号 {hazard.id}；等级：{'重大' if hazard.grade == 'major' else '一般'}"
        f"事故隐患；整改期限 {hazard.due_on}；状态：{hazard.status}。",
        source="system",
        hazard_id=hazard.id,
        source_key=key,
    )
    return 1


def create_bad_record(
    user: User,
    *,
    enterprise_id: int,
    trigger: str,
    description: str,
    evidence_text: str,
    photos=(),
    now: datetime | None = None,
) -> BadCreditRecord:
    """A supervisor in scope records a bad credit record with evidence."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role != SUPERVISOR:
        raise Forbidden(f"The role {user.role} may not record bad credit.")
    if trigger not in BAD_RECORD_TRIGGERS:
        raise Invalid(f"Unknown trigger {trigger}.", field="trigger")
    if trigger in SYSTEM_TRIGGERS:
        raise Invalid(
            f"The trigger {trigger} is recorded by the system from the hazard's deadline.",
            field="trigger",
        )
    evidence_text = (evidence_text or "").strip()
    if not evidence_text:
        raise Invalid("A bad credit record needs evidence.", field="evidence.text")
    now = now or utcnow()
    record = _new_record(
        enterprise_id,
        trigger,
        now,
        description=(description or "").strip(),
        evidence_text=evidence_text,
        source="supervisor",
        created_by_id=user.id,
    )
    if photos:
        attach_photos(user, "bad_credit_records", record.id, photos)
    return record


def revoke_bad_record(
    user: User, record: BadCreditRecord, reason: str, now: datetime | None = None
) -> BadCreditRecord:
    """A supervisor in scope withdraws an active record (e.g. the facts did not hold)."""
    if user.role != SUPERVISOR:
        raise Forbidden(f"The role {user.role} may not revoke a bad credit record.")
    if record.status != "active":
        raise Conflict(
            f"A record that is {record.status} cannot be revoked.", current_state=record.status
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Say why the record is revoked.", field="reason")
    now = now or utcnow()
    record.status = "revoked"
    record.revoked_at = now
    record.revoked_by_id = user.id
    record.revoke_reason = reason
    credit_changed(record.enterprise_id, now)
    return record


def expire_bad_records(now: datetime) -> list[int]:
    """Records past their term become `expired`; the enterprises concerned."""
    today = today_in_shanghai(now)
    records = db.session.scalars(
        select(BadCreditRecord)
        .where(BadCreditRecord.status == "active", BadCreditRecord.ends_on < today)
        .order_by(BadCreditRecord.ends_on, BadCreditRecord.id)
    ).all()
    for record in records:
        record.status = "expired"
        record.expired_at = now
    db.session.flush()
    return sorted({record.enterprise_id for record in records})


# --- reading --------------------------------------------------------------------------------


def bad_record_query(
    user: User,
    *,
    enterprise_id: int | None = None,
    active: bool | None = None,
    trigger: str | None = None,
    source: str | None = None,
    status: str | None = None,
    now: datetime | None = None,
):
    """The records the user may see (an enterprise its own), newest first."""
    today = today_in_shanghai(now)
    stmt = select(BadCreditRecord).where(
        BadCreditRecord.enterprise_id.in_(visible_enterprise_ids(user))
    )
    for name, value in (
        ("enterprise_id", enterprise_id),
        ("trigger", trigger),
        ("source", source),
        ("status", status),
    ):
        if value is not None:
            stmt = stmt.where(getattr(BadCreditRecord, name) == value)
    if active is not None:
        condition = active_record_clause(today)
        stmt = stmt.where(condition if active else ~condition)
    return stmt.order_by(BadCreditRecord.created_at.desc(), BadCreditRecord.id)


def get_visible_record(user: User, record_id: str) -> BadCreditRecord:
    record = db.session.scalar(
        select(BadCreditRecord).where(
            BadCreditRecord.id == record_id,
            BadCreditRecord.enterprise_id.in_(visible_enterprise_ids(user)),
        )
    )
    if record is None:
        raise NotFound(f"bad credit record {record_id} not found")
    return record


def photos_by_owner(owner_table: str, owner_ids) -> dict[str, list[str]]:
    """The SHA-256s of the photos attached to each of these records, in attachment order."""
    photos: dict[str, list[str]] = {}
    if not owner_ids:
        return photos
    rows = db.session.execute(
        select(Photo.owner_id, Photo.sha256)
        .where(Photo.owner_table == owner_table, Photo.owner_id.in_(list(owner_ids)))
        .order_by(Photo.created_at, Photo.id)
    )
    for owner_id, sha256 in rows:
        photos.setdefault(owner_id, []).append(sha256)
    return photos


RECORD_COLUMNS = tuple(
    column.key for column in BadCreditRecord.__table__.columns if column.key != "source_key"
)


def with_evidence(records, now: datetime | None = None) -> list[dict]:
    """Records as dicts for the API: evidence text and photos, and whether each is active."""
    today = today_in_shanghai(now)
    photos = photos_by_owner("bad_credit_records", [record.id for record in records])
    return [
        {
            **{column: getattr(record, column) for column in RECORD_COLUMNS},
            "trigger_label": BAD_RECORD_TRIGGERS[record.trigger],
            "active": record.status == "active" and record.starts_on <= today <= record.ends_on,
            "evidence": {"text": record.evidence_text, "photos": photos.get(record.id, [])},
        }
        for record in records
    ]


def has_record_within(enterprise_id: int, first_day, last_day, *, besides=None) -> bool:
    """Whether a (not revoked) bad record of the enterprise started within these dates."""
    condition = and_(
        BadCreditRecord.enterprise_id == enterprise_id,
        BadCreditRecord.status != "revoked",
        BadCreditRecord.starts_on >= first_day,
        BadCreditRecord.starts_on <= last_day,
    )
    if besides is not None:
        condition = and_(condition, BadCreditRecord.id != besides)
    return bool(db.session.scalar(select(exists().where(condition))))
