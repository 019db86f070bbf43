"""Bad credit records (不良信用记录): collected, reviewed, told, objected to, decided.

The procedure is the one the sources name — 采集、审核、告知、异议处理 (方案2 L79, S000:L79) —
and a record exists only by a supervisor's decision ("安全监管监察部门和行业主管部门要列入",
方案5 L169):

    proposed ──review──▶ notified ──object──▶ objected
    (采集: system            (告知, the enterprise ──decide──▶ active (认定, in force for
     candidate or            may object until       the term) ──▶ expired | revoked
     supervisor)             objection_due_on)  ──dismiss──▶ dismissed (不予认定)

- Where a record comes from. The system *proposes* candidates for the facts it sees itself:
  a supervision inspection (执法检查) that finds a major hazard (方案5 二(二)三, S000:L172), a
  major hazard still unrectified after its deadline (方案5 二(二)五 "期限内未完成治理整改",
  S000:L174) — not one submitted for verification, not one waiting on an extension request —,
  and a responsible accident with a death (方案5 二(二)一, S000:L170, with its management
  level, 分级管理, L178); never from the enterprise's own self-inspection or report: 方案4
  L143 asks for stricter treatment of enterprises that do *not* self-report, so self-reporting
  must not be punished.
  A supervisor in scope collects the other triggers with evidence. Nothing becomes a record
  by itself.
- 审核: a supervisor in scope reviews a candidate. By default (CREDIT_REVIEW_BY_ANOTHER, local
  policy) not the one who collected it. Review sends the notice (告知): the enterprise sees the
  record from then on and may object within CREDIT_OBJECTION_WORKING_DAYS working days (local
  policy; no source gives a number), with its evidence ("谁提供、谁负责", 方案2 L85). A late
  objection is still taken and flagged.
- Decision: after an objection (with a reasoned answer) or once the objection period is over;
  the term — CREDIT_RECORD_TERM_YEARS, "不良信用记录管理期限一般为一年" (方案5 L179) — runs from
  the decision day (民法典 第二百零二条, core/periods.py), then the `credit_terms` job expires
  it. A supervisor may revoke an active record with a reason, or dismiss a candidate.

Every step appends a `BadCreditRecordEvent` (who, role, server time, note, photos). Whenever a
record comes into force or stops being so, `credit_changed` publishes CreditChanged: the
enterprise's class and safety-code colour follow. The colour asks `credit_colour_signal`: a
published blacklist entry → red, a record in force → yellow, otherwise no opinion.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from ..core import events
from ..core.audit import append_step
from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import term_end, working_day_calendar
from ..core.scope import Forbidden, require_enterprise_in_scope, visible_enterprise_ids
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..core.workflow import Transition, check_allowed, transition_for
from ..hazards.services import is_overdue
from ..models import (
    ACCIDENT_RECORD_LEVELS,
    ACCIDENT_SEVERITY_LEVELS,
    BAD_RECORD_TRIGGERS,
    ENTERPRISE_ROLES,
    HAZARD_STATUSES,
    INVESTIGATION_STATUSES,
    Accident,
    BadCreditRecord,
    BadCreditRecordEvent,
    BlacklistEntry,
    Enterprise,
    Hazard,
    Photo,
    User,
    utcnow,
)
from ..notifications import services as notifications
from ..photos.services import attach_photos
from .levels import list_level_for, record_levels_on_list

SUPERVISOR = frozenset({"supervisor"})
OBJECTORS = frozenset({"enterprise_manager"})

TRANSITIONS: dict[str, Transition] = {
    "review": Transition(frozenset({"proposed"}), "notified", SUPERVISOR),
    "object": Transition(frozenset({"notified"}), "objected", OBJECTORS),
    "decide": Transition(frozenset({"notified", "objected"}), "active", SUPERVISOR),
    "dismiss": Transition(frozenset({"proposed", "notified", "objected"}), "dismissed", SUPERVISOR),
    "revoke": Transition(frozenset({"active"}), "revoked", SUPERVISOR),
}
ACTION_LABELS = {
    "propose": "系统提出候选",
    "collect": "信息采集",
    "review": "审核通过，送达告知",
    "object": "提出异议",
    "decide": "认定并列入不良信用记录",
    "dismiss": "不予认定",
    "revoke": "撤销",
    "expire": "管理期满",
}
# A candidate not yet decided (认定 or 不予认定).
UNDECIDED = frozenset({"proposed", "notified", "objected"})
# Steps after which the record is, or stops being, in force.
CREDIT_CHANGING = frozenset({"decide", "revoke"})


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


def published_records(enterprise_id: int, now: datetime | None = None) -> list[BadCreditRecord]:
    """公布: the records in force, as the public sees them (what, when decided, until when) —
    never the evidence or the objection."""
    return db.session.scalars(
        select(BadCreditRecord)
        .where(
            BadCreditRecord.enterprise_id == enterprise_id,
            active_record_clause(today_in_shanghai(now)),
        )
        .order_by(BadCreditRecord.decided_on.desc(), BadCreditRecord.id)
    ).all()


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


# --- candidates the system proposes ---------------------------------------------------------


def propose_major_hazard_found(hazard: Hazard, now: datetime | None = None) -> int:
    """An official found a major hazard (执法检查发现存在重大安全生产隐患): one candidate per
    supervision inspection (or per hazard reported outside one); 1 when a candidate was made."""
    if hazard.grade != "major" or hazard.self_reported:
        return 0
    key = f"major_hazard_found:{hazard.inspection_id or hazard.id}"
    where = f"检查记录 {hazard.inspection_id}" if hazard.inspection_id else "现场检查"
    return _propose(
        hazard.enterprise_id,
        "major_hazard_found",
        key,
        now or utcnow(),
        description=f"{where}发现重大事故隐患“{hazard.title}”。",
        evidence_text=_hazard_evidence(hazard),
        hazard_id=hazard.id,
        inspection_id=hazard.inspection_id,
    )


def propose_overdue_major_hazard(hazard: Hazard, now: datetime) -> int:
    """A major hazard not rectified by its deadline; 1 when a candidate was made."""
    if (
        hazard.grade != "major"
        or not is_overdue(hazard, now)
        or hazard.extension_requested_due_on is not None
        or hazard.self_reported
    ):
        return 0
    return _propose(
        hazard.enterprise_id,
        "major_hazard_overdue",
        f"major_hazard_overdue:{hazard.id}",
        now,
        description=f"重大事故隐患“{hazard.title}”整改期限为{hazard.due_on}，期限内未完成治理整改。",
        evidence_text=_hazard_evidence(hazard),
        hazard_id=hazard.id,
        inspection_id=hazard.inspection_id,
    )


def propose_for_accident(accident: Accident, now: datetime | None = None) -> int:
    """一年内发生生产安全死亡责任事故 (方案5 二(二)一, S000:L170): a responsible accident (责任事故)
    with at least one death is a candidate, proposed once per accident however often it is
    edited — also when the finding comes later. While the candidate is undecided its management
    level follows the accident. 1 when a candidate was made."""
    if not fatal_responsible(accident):
        return 0
    level = accident_record_level(accident)
    key = f"fatal_accident:{accident.id}"
    existing = db.session.scalar(select(BadCreditRecord).where(BadCreditRecord.source_key == key))
    if existing is not None:
        if existing.status in UNDECIDED:
            existing.management_level = level
        return 0
    return _propose(
        accident.enterprise_id,
        "fatal_accident",
        key,
        now or utcnow(),
        description=f"{accident.occurred_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}在{accident.place}"
        f"发生{ACCIDENT_SEVERITY_LEVELS[accident.level]}，死亡{accident.deaths}人，认定为责任事故。",
        evidence_text=f"事故编号 {accident.id}；死亡{accident.deaths}人，重伤"
        f"{accident.serious_injuries}人；调查状态：{INVESTIGATION_STATUSES[accident.investigation_status]}。",
        accident_id=accident.id,
        management_level=level,
    )


def fatal_responsible(accident: Accident) -> bool:
    """A 生产安全死亡责任事故: found responsible, with at least one death."""
    return accident.responsible is True and accident.deaths >= 1


def accident_record_level(accident: Accident) -> str | None:
    """The level of the bad credit record a responsible accident goes on — "对责任事故的不良
    信用记录，实行分级管理" (方案5, S000:L178): 一般责任事故 → 市级; 伤人责任事故 → 县(区)级;
    死亡2人(含)以上 → 省级; 较大(含)以上 → 国家级. A record at one level is at every level
    below too ("纳入国家…必须纳入省级记录，依次类推"), so the highest that applies is kept. As
    the seed words it, every responsible accident the 条例 grades 一般 reaches 市级, so 县(区)级
    (伤人) is never the highest. None for an accident not found responsible."""
    if accident.responsible is not True:
        return None
    if accident.level != "general":
        return "national"
    if accident.deaths >= 2:
        return "province"
    return "city"


def _propose(
    enterprise_id: int,
    trigger: str,
    key: str,
    now: datetime,
    *,
    description: str,
    evidence_text: str,
    **links,
) -> int:
    """A candidate (once per source: a dismissed one is never proposed again). `links`: the
    hazard, inspection or accident it rests on, and its management level (by default the list
    the enterprise's entries go on)."""
    if db.session.scalar(select(BadCreditRecord.id).where(BadCreditRecord.source_key == key)):
        return 0
    links.setdefault("management_level", list_level_for(db.session.get(Enterprise, enterprise_id)))
    record = BadCreditRecord(
        id=new_id(),
        enterprise_id=enterprise_id,
        trigger=trigger,
        status="proposed",
        source="system",
        source_key=key,
        description=description,
        evidence_text=evidence_text,
        created_at=now,
        **links,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # proposed at the same moment by another request: that one counts
        return 0
    _step(record, "propose", None, None, now=now)
    _tell_supervisors(record, now)
    return 1


def _hazard_evidence(hazard: Hazard) -> str:
    return (
        f"隐患编号 {hazard.id}；等级：重大事故隐患；整改期限 {hazard.due_on}；"
        f"状态：{HAZARD_STATUSES[hazard.status]}。"
    )


def _tell_supervisors(record: BadCreditRecord, now: datetime) -> None:
    enterprise = db.session.get(Enterprise, record.enterprise_id)
    payload = {
        "bad_credit_record_id": record.id,
        "enterprise_id": enterprise.id,
        "enterprise_name": enterprise.name,
        "trigger": record.trigger,
        "message": f"{enterprise.name}：{record.description}请审核是否列入不良信用记录。",
    }
    for user in notifications.supervisors_over(enterprise):
        notifications.notify(
            user,
            "credit_candidate",
            dedupe_key=f"credit_candidate:{record.id}:{user.id}",
            payload=payload,
            now=now,
        )


# --- collection by a supervisor -------------------------------------------------------------


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
    """信息采集: a supervisor in scope collects a record with evidence; it waits for review. It
    goes on the list the enterprise's entries go on (credit/levels.py)."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role not in SUPERVISOR:
        raise Forbidden(f"The role {user.role} may not record bad credit.")
    if trigger not in BAD_RECORD_TRIGGERS:
        raise Invalid(f"Unknown trigger {trigger}.", field="trigger")
    evidence_text = (evidence_text or "").strip()
    if not evidence_text:
        raise Invalid("A bad credit record needs evidence.", field="evidence.text")
    now = now or utcnow()
    record = BadCreditRecord(
        id=new_id(),
        enterprise_id=enterprise_id,
        trigger=trigger,
        status="proposed",
        source="supervisor",
        management_level=list_level_for(db.session.get(Enterprise, enterprise_id)),
        created_by_id=user.id,
        description=(description or "").strip(),
        evidence_text=evidence_text,
        created_at=now,
    )
    db.session.add(record)
    db.session.flush()
    if photos:
        attach_photos(user, "bad_credit_records", record.id, photos)
    _step(record, "collect", user, None, now=now)
    return record


# --- the procedure --------------------------------------------------------------------------


@dataclass
class _Step:
    user: User
    record: BadCreditRecord
    now: datetime
    note: str

    @property
    def today(self) -> date:
        return today_in_shanghai(self.now)

    def require_note(self, message: str) -> None:
        if not self.note:
            raise Invalid(message, field="note")

    def conflict(self, message: str, **extra) -> Conflict:
        return Conflict(message, current_state=self.record.status, **extra)


def apply_action(
    user: User,
    record: BadCreditRecord,
    action: str,
    *,
    note: str | None = "",
    photos=(),
    now: datetime | None = None,
) -> BadCreditRecord:
    """Take one step of the procedure as `user`: the one entry point of every transition."""
    transition = transition_for(TRANSITIONS, action)
    record = get_visible_record(user, record.id)
    check_allowed(transition, action, user.role, record.status, "a bad credit record")
    step = _Step(user=user, record=record, now=now or utcnow(), note=(note or "").strip())
    from_state = record.status
    payload = HANDLERS[action](step) or {}
    record.status = transition.to_state
    _step(record, action, user, from_state, now=step.now, note=step.note, payload=payload)
    if photos:
        event = _last_step(record)
        attach_photos(user, "bad_credit_record_events", event.id, photos)
    if action in CREDIT_CHANGING:
        credit_changed(record.enterprise_id, step.now)
    return record


def _review(step: _Step) -> dict:
    record = step.record
    if (
        current_app.config["CREDIT_REVIEW_BY_ANOTHER"]
        and record.created_by_id is not None
        and record.created_by_id == step.user.id
    ):
        raise Forbidden("A record is reviewed by another supervisor than the one who collected it.")
    record.notified_on = step.today
    record.objection_due_on = working_day_calendar().add_working_days(
        step.today, int(current_app.config["CREDIT_OBJECTION_WORKING_DAYS"])
    )
    _tell_enterprise(
        record,
        "credit_notice",
        step.now,
        f"你单位拟因“{BAD_RECORD_TRIGGERS[record.trigger]}”被列入安全生产不良信用记录。"
        f"如有异议，请于{record.objection_due_on}前提出并提供证据。",
        objection_due_on=record.objection_due_on.isoformat(),
    )
    return {"objection_due_on": record.objection_due_on.isoformat()}


def _object(step: _Step) -> dict:
    step.require_note("The objection (异议) and its grounds go in the note.")
    record = step.record
    record.objection_text = step.note
    record.objection_late = step.today > record.objection_due_on
    return {"late": record.objection_late}


def _decide(step: _Step) -> dict:
    record = step.record
    if record.status == "objected":
        step.require_note("Answer the objection: say why it does not hold.")
    elif step.today <= record.objection_due_on:
        raise step.conflict(
            f"The objection period runs until {record.objection_due_on}.",
            objection_due_on=record.objection_due_on.isoformat(),
        )
    record.decided_on = record.starts_on = step.today
    record.ends_on = term_end(step.today, term_years())
    _tell_enterprise(
        record,
        "bad_credit_record",
        step.now,
        f"你单位因“{BAD_RECORD_TRIGGERS[record.trigger]}”被列入安全生产不良信用记录，"
        f"管理期限至{record.ends_on}。",
        starts_on=record.starts_on.isoformat(),
        ends_on=record.ends_on.isoformat(),
    )
    return {"starts_on": record.starts_on.isoformat(), "ends_on": record.ends_on.isoformat()}


def _dismiss(step: _Step) -> dict:
    step.require_note("Say why the record is not made.")
    if step.record.notified_on is not None:
        _tell_enterprise(
            step.record,
            "credit_dismissed",
            step.now,
            f"经审核，你单位不列入“{BAD_RECORD_TRIGGERS[step.record.trigger]}”不良信用记录。",
        )
    return {}


def _revoke(step: _Step) -> dict:
    step.require_note("Say why the record is revoked.")
    record = step.record
    record.revoked_at = step.now
    record.revoked_by_id = step.user.id
    record.revoke_reason = step.note
    return {}


HANDLERS = {
    "review": _review,
    "object": _object,
    "decide": _decide,
    "dismiss": _dismiss,
    "revoke": _revoke,
}
assert set(HANDLERS) == set(TRANSITIONS)


def revoke_bad_record(
    user: User, record: BadCreditRecord, reason: str, now: datetime | None = None
) -> BadCreditRecord:
    """A supervisor in scope withdraws an active record (e.g. the facts did not hold)."""
    return apply_action(user, record, "revoke", note=reason, now=now)


def _step(
    record: BadCreditRecord,
    action: str,
    actor: User | None,
    from_state: str | None,
    *,
    now: datetime,
    note: str = "",
    payload: dict | None = None,
) -> BadCreditRecordEvent:
    return append_step(
        BadCreditRecordEvent,
        "record_id",
        record.id,
        id=new_id(),
        action=action,
        from_state=from_state,
        to_state=record.status,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system",
        at=now,
        note=note,
        payload=payload or {},
    )


def _last_step(record: BadCreditRecord) -> BadCreditRecordEvent:
    return db.session.scalar(
        select(BadCreditRecordEvent)
        .where(BadCreditRecordEvent.record_id == record.id)
        .order_by(BadCreditRecordEvent.seq.desc())
        .limit(1)
    )


def _tell_enterprise(
    record: BadCreditRecord, kind: str, now: datetime, message: str, **details
) -> None:
    payload = {
        "bad_credit_record_id": record.id,
        "trigger": record.trigger,
        "trigger_label": BAD_RECORD_TRIGGERS[record.trigger],
        "message": message,
        **details,
    }
    for user in notifications.enterprise_users(record.enterprise_id):
        notifications.notify(
            user, kind, dedupe_key=f"{kind}:{record.id}:{user.id}", payload=payload, now=now
        )


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
        _step(record, "expire", None, "active", now=now)
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
    level: str | None = None,
    now: datetime | None = None,
):
    """The records the user may see (an enterprise its own, from the notice on), newest first;
    with `level`, those on that level's list (a higher level's too, 方案5 L178)."""
    today = today_in_shanghai(now)
    stmt = select(BadCreditRecord).where(record_clause(user))
    if level is not None:
        stmt = stmt.where(BadCreditRecord.management_level.in_(record_levels_on_list(level)))
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


def record_clause(user: User):
    """Records the user may see: those of visible enterprises; an enterprise's own only once it
    has been told (告知) — a candidate under review is the bureau's business."""
    clause = BadCreditRecord.enterprise_id.in_(visible_enterprise_ids(user))
    if user.role in ENTERPRISE_ROLES:
        clause = and_(clause, BadCreditRecord.notified_on.is_not(None))
    return clause


def get_visible_record(user: User, record_id: str) -> BadCreditRecord:
    record = db.session.scalar(
        select(BadCreditRecord).where(BadCreditRecord.id == record_id, record_clause(user))
    )
    if record is None:
        raise NotFound(f"bad credit record {record_id} not found")
    return record


def history(record: BadCreditRecord) -> list[dict]:
    """The record's steps in order, each with the SHA-256s of its photos."""
    steps = db.session.scalars(
        select(BadCreditRecordEvent)
        .where(BadCreditRecordEvent.record_id == record.id)
        .order_by(BadCreditRecordEvent.seq)
    ).all()
    photos = photos_by_owner("bad_credit_record_events", [step.id for step in steps])
    return [
        {"event": step, "label": ACTION_LABELS[step.action], "photos": photos.get(step.id, [])}
        for step in steps
    ]


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
            "management_level_label": ACCIDENT_RECORD_LEVELS.get(record.management_level),
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
