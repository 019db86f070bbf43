"""Blacklist entries (安全生产不良记录"黑名单"): the procedure of 《生产体系建设方案》方案5/方案2
and 蓝山县信用体系实施方案.

States and who moves them (supervisors in scope drive every step; the enterprise's safety
managers may defend themselves and apply for removal):

    collected ──notify──▶ notified ──accept_defence──▶ defence_accepted (ends)
    (信息采集)            (信息告知) ──confirm──▶ confirmed ──publish──▶ published ──▶ removed
                                                (确认纳入)             (信息公布)      (信息移出)

- collect (create): trigger from the seeds' list, a public reason (案由, published as written),
  the facts and evidence (not published), the accident level, optionally the bad credit record
  it rests on ("以不良信用记录作为…主要判定依据"), optionally the accident it rests on (its
  level, and so the term, then come from the accident). A responsible fatal accident only
  *proposes* an entry (`accident_proposal`, shown on the accident); a supervisor collects it.
- notify: a written notice (告知书, stored HTML) reaches the enterprise with a defence period of
  BLACKLIST_DEFENCE_WORKING_DAYS working days (default 5).
- submit_defence (enterprise manager, while notified; after the period it is still taken but
  flagged late); accept_defence ends the procedure ("事实、理由和证据成立的，要予以采纳").
- confirm: the decision (确认书) — after a defence that does not hold (reason required), or once
  the defence period is over. Publication is due within BLACKLIST_PUBLISH_WORKING_DAYS working
  days of it ("在10个工作日内统一向社会公布").
- publish: the term starts — one year, or one/two/three years for a 较大/重大/特别重大 accident —
  and ends on `ends_on` (民法典 第二百零二条).
- removal, only at the end of the term (方案2 L84 "管理期限为1年…须在期满前30个工作日内…提出
  移除申请"; 方案5 L189, L193): the enterprise's manager applies after self-rectification
  (自查自改), within BLACKLIST_APPLICATION_WORKING_DAYS (30) working days before `ends_on` or any
  time after it; a supervisor checks the rectification and accepts it (整改验收合格: published
  on the public list with its date, "公开发布整改合格信息") or rejects the application. The entry
  stays published: an accepted rectification never lifts it early. At the end of the term the
  `credit_terms` job removes it if the rectification was accepted and no new bad credit record
  started within the term ("在'黑名单'管理期限内未再发生不良信用记录情形的，在管理期限届满后…
  删除"); otherwise it is retained (继续保留, "未达到规定要求的，继续保留'黑名单'管理") until a
  rectification is accepted (then it goes at once) or a supervisor removes it (remove). The
  removal is published — the public list shows removed entries with their dates for
  BLACKLIST_REMOVED_SHOWN_DAYS (local policy) — and is due within
  BLACKLIST_REMOVAL_WORKING_DAYS (10) working days of the term's end ("在10个工作日内向社会公布").

Deadlines are stored when they start to run; a step taken after its deadline is still allowed
and flagged (`defence_late`, `publish_late`, `removal_late`). The working-day calendar is
core/periods.py.

Checks, as for hazards: out of scope → 404 (an enterprise does not see an entry still being
collected); a role that may not take the step → 403; a state the step does not fit → 409 with
the current state; a payload that breaks a rule → 422. Every step appends a `BlacklistEvent`
(who, role, server time, note, photos). Publication and removal change the enterprise's class
and safety-code colour at once (credit/records.py).
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from jinja2 import Environment, PackageLoader
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..accidents import services as accidents
from ..core.audit import append_step
from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import (
    CalendarNotCovered,
    WorkingDayCalendar,
    term_end,
    working_day_calendar,
)
from ..core.scope import Forbidden, require_enterprise_in_scope, visible_enterprise_ids
from ..core.timeutil import today_in_shanghai
from ..core.workflow import Transition, check_allowed, transition_for
from ..models import (
    ACCIDENT_LEVELS,
    ACCIDENT_SEVERITY_LEVELS,
    ACCIDENT_TERM_YEARS,
    BLACKLIST_LIST_LEVELS,
    BLACKLIST_TRIGGERS,
    ENTERPRISE_ROLES,
    FATAL_ACCIDENT_WORDING,
    Accident,
    BadCreditRecord,
    BlacklistEntry,
    BlacklistEvent,
    Enterprise,
    User,
    utcnow,
)
from ..notifications import services as notifications
from ..photos.services import attach_photos
from . import records as credit
from .levels import entry_levels_on_list, list_level_for

SUPERVISOR = frozenset({"supervisor"})
MANAGER = frozenset({"enterprise_manager"})
IN_PROGRESS = ("collected", "notified", "confirmed", "published")
# What an enterprise user sees of its own entries: nothing before it has been told.
HIDDEN_FROM_ENTERPRISE = ("collected",)


TRANSITIONS: dict[str, Transition] = {
    "notify": Transition(frozenset({"collected"}), "notified", SUPERVISOR),
    "submit_defence": Transition(frozenset({"notified"}), None, MANAGER),
    "accept_defence": Transition(frozenset({"notified"}), "defence_accepted", SUPERVISOR),
    "confirm": Transition(frozenset({"notified"}), "confirmed", SUPERVISOR),
    "publish": Transition(frozenset({"confirmed"}), "published", SUPERVISOR),
    "apply_removal": Transition(frozenset({"published"}), None, MANAGER),
    "accept_rectification": Transition(frozenset({"published"}), None, SUPERVISOR),
    "reject_removal": Transition(frozenset({"published"}), None, SUPERVISOR),
    "remove": Transition(frozenset({"published"}), "removed", SUPERVISOR),
}
ACTION_LABELS = {
    "collect": "信息采集",
    "notify": "信息告知（送达告知书）",
    "submit_defence": "提交申辩意见",
    "accept_defence": "申辩成立，不予纳入",
    "confirm": "确认纳入（申辩不成立或未申辩）",
    "publish": "信息公布",
    "apply_removal": "申请移出",
    "accept_rectification": "整改验收合格（公开发布整改合格信息）",
    "reject_removal": "不予移出",
    "remove": "管理期满，移出",
    "expire": "管理期满，整改验收合格且未再发生不良信用记录情形，移出",
    "retain": "管理期内再次发生不良信用记录情形，继续保留",
}
# Steps that change what the public sees, and so the enterprise's class and colour.
CREDIT_CHANGING = frozenset({"publish", "accept_rectification", "remove"})


def new_id() -> str:
    return uuid.uuid4().hex


def _days(setting: str) -> int:
    return int(current_app.config[setting])


# --- scope ------------------------------------------------------------------------------------


def entry_clause(user: User):
    """Entries the user may see: those of visible enterprises; an enterprise from notice on."""
    clause = BlacklistEntry.enterprise_id.in_(visible_enterprise_ids(user))
    if user.role in ENTERPRISE_ROLES:
        clause = and_(clause, BlacklistEntry.state.not_in(HIDDEN_FROM_ENTERPRISE))
    return clause


def get_visible_entry(user: User, entry_id: str) -> BlacklistEntry:
    entry = db.session.scalar(
        select(BlacklistEntry).where(BlacklistEntry.id == entry_id, entry_clause(user))
    )
    if entry is None:
        raise NotFound(f"blacklist entry {entry_id} not found")
    return entry


def entry_query(
    user: User, *, enterprise_id: int | None = None, state: str | None = None
):  # newest first
    stmt = select(BlacklistEntry).where(entry_clause(user))
    if enterprise_id is not None:
        stmt = stmt.where(BlacklistEntry.enterprise_id == enterprise_id)
    if state is not None:
        stmt = stmt.where(BlacklistEntry.state == state)
    return stmt.order_by(BlacklistEntry.created_at.desc(), BlacklistEntry.id)


# --- collecting -------------------------------------------------------------------------------


def collect(
    user: User,
    *,
    enterprise_id: int,
    trigger: str,
    reason: str,
    facts: str,
    accident_level: str | None = None,
    bad_credit_record_id: str | None = None,
    accident_id: str | None = None,
    photos=(),
    now: datetime | None = None,
) -> BlacklistEntry:
    """信息采集: a supervisor in scope opens an entry with the facts and evidence. Resting on an
    accident, the entry takes its level (and so its term) from it, never retyped."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role not in SUPERVISOR:
        raise Forbidden(f"The role {user.role} may not open a blacklist entry.")
    if trigger not in BLACKLIST_TRIGGERS:
        raise Invalid(f"Unknown trigger {trigger}.", field="trigger")
    if accident_id is not None:
        accident_level = _level_of_accident(user, accident_id, enterprise_id, accident_level)
    accident_level = accident_level or "none"
    if accident_level not in ACCIDENT_LEVELS:
        raise Invalid(f"Unknown accident level {accident_level}.", field="accident_level")
    reason, facts = (reason or "").strip(), (facts or "").strip()
    if not reason:
        raise Invalid("The reason (案由) is required; it is published.", field="reason")
    if not facts:
        raise Invalid("The facts and evidence are required.", field="facts")
    if bad_credit_record_id is not None:
        record = db.session.get(BadCreditRecord, bad_credit_record_id)
        if record is None or record.enterprise_id != enterprise_id:
            raise Invalid(
                f"bad credit record {bad_credit_record_id} not found for this enterprise",
                field="bad_credit_record_id",
            )
    _refuse_second_entry(enterprise_id)
    now = now or utcnow()
    entry = BlacklistEntry(
        id=new_id(),
        enterprise_id=enterprise_id,
        state="collected",
        trigger=trigger,
        reason=reason,
        facts=facts,
        accident_level=accident_level,
        term_years=ACCIDENT_TERM_YEARS[accident_level],
        list_level=list_level_for(db.session.get(Enterprise, enterprise_id)),
        bad_credit_record_id=bad_credit_record_id,
        accident_id=accident_id,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    _event(entry, "collect", user, None, now=now, photos=photos)
    return entry


def _level_of_accident(
    user: User, accident_id: str, enterprise_id: int, typed_level: str | None
) -> str:
    accident = accidents.get_visible_accident(user, accident_id, field="accident_id")
    if accident.enterprise_id != enterprise_id:
        raise Invalid(f"accident {accident_id} is not of this enterprise", field="accident_id")
    level = entry_accident_level(accident)
    if typed_level is not None and typed_level != level:
        raise Invalid(
            f"The accident level comes from accident {accident_id} ({level}).",
            field="accident_level",
        )
    return level


def entry_accident_level(accident: Accident) -> str:
    """The accident level the blacklist term counts (较大/重大/特别重大; an 一般 accident: none)."""
    return accident.level if accident.level in ACCIDENT_LEVELS else "none"


# --- what an accident proposes ------------------------------------------------------------------


def accident_proposal(accident: Accident) -> tuple[str, str, int] | None:
    """The blacklist entry an accident proposes — (trigger, list level, term in years) — or None.

    Trigger 六 (一年内发生死亡的生产安全责任事故) on the list the enterprise's entries go on: the
    county list asks for a death (seed 002 L14 六), the city list for 死亡2人(含)以上 in one
    accident or in the year's responsible accidents together (方案5 二(三)六, S000:L187). The
    term is the accident level's: 1 year, or 1/2/3 for 较大/重大/特别重大 (方案5 S000:L189,
    seed 002 L14). A proposal, for a supervisor to collect (`collect(accident_id=…)`).
    """
    if not credit.fatal_responsible(accident):
        return None
    list_level = list_level_for(accident.enterprise)
    if list_level != "county" and not _city_fatal_threshold(accident):
        return None
    return "fatal_accident", list_level, ACCIDENT_TERM_YEARS[entry_accident_level(accident)]


def _city_fatal_threshold(accident: Accident) -> bool:
    return (
        accident.deaths >= 2
        or accidents.responsible_deaths_within_year(accident.enterprise_id, accident.occurred_at)
        >= 2
    )


def propose_for_accident(accident: Accident, now: datetime | None = None) -> None:
    """Keep the accident's blacklist proposal in step with its facts, and tell the supervisors
    over the enterprise of each new proposal (an entry is only ever collected by one of them)."""
    proposal = accident_proposal(accident)
    trigger, list_level, term_years = proposal or (None, None, None)
    accident.blacklist_trigger = trigger
    accident.blacklist_list_level = list_level
    accident.blacklist_term_years = term_years
    if proposal is None:
        return
    enterprise = accident.enterprise
    payload = {
        "accident_id": accident.id,
        "enterprise_id": enterprise.id,
        "enterprise_name": enterprise.name,
        "trigger": trigger,
        "list_level": list_level,
        "term_years": term_years,
        "message": f"{enterprise.name}：事故（{ACCIDENT_SEVERITY_LEVELS[accident.level]}，"
        f"死亡{accident.deaths}人）符合“{FATAL_ACCIDENT_WORDING[list_level]}”，"
        f"拟列入{BLACKLIST_LIST_LEVELS[list_level]}“黑名单”，管理期限{term_years}年。"
        "请核实后决定是否采集。",
    }
    for user in notifications.supervisors_over(enterprise):
        notifications.notify(
            user,
            "blacklist_proposal",
            dedupe_key=f"blacklist_proposal:{accident.id}:{list_level}:{term_years}:{user.id}",
            payload=payload,
            now=now,
        )


def trigger_label(entry: BlacklistEntry) -> str:
    """The trigger in the words of the list the entry is on (trigger 六 differs)."""
    if entry.trigger == "fatal_accident":
        return FATAL_ACCIDENT_WORDING[entry.list_level]
    return BLACKLIST_TRIGGERS[entry.trigger]


def _refuse_second_entry(enterprise_id: int) -> None:
    pending = db.session.scalar(
        select(BlacklistEntry).where(
            BlacklistEntry.enterprise_id == enterprise_id, BlacklistEntry.state.in_(IN_PROGRESS)
        )
    )
    if pending is not None:
        raise Conflict(
            f"The enterprise already has blacklist entry {pending.id} ({pending.state}).",
            current_state=pending.state,
            entry_id=pending.id,
        )


# --- transitions ------------------------------------------------------------------------------


@dataclass
class _Step:
    user: User
    entry: BlacklistEntry
    now: datetime
    calendar: WorkingDayCalendar
    note: str = ""
    payload: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return today_in_shanghai(self.now)


def apply_action(
    user: User,
    entry: BlacklistEntry,
    action: str,
    *,
    note: str | None = "",
    photos=(),
    now: datetime | None = None,
) -> BlacklistEntry:
    """Take one step of the procedure as `user`: the one entry point of every transition."""
    transition = transition_for(TRANSITIONS, action)
    entry = get_visible_entry(user, entry.id)
    check_allowed(transition, action, user.role, entry.state, "a blacklist entry")
    step = _Step(
        user=user,
        entry=entry,
        now=now or utcnow(),
        calendar=working_day_calendar(),
        note=(note or "").strip(),
    )
    from_state = entry.state
    HANDLERS[action](step)
    if transition.to_state is not None:
        entry.state = transition.to_state
    entry.updated_at = step.now
    _event(
        entry,
        action,
        user,
        from_state,
        now=step.now,
        note=step.note,
        payload=step.payload,
        photos=photos,
    )
    if action in CREDIT_CHANGING:
        credit.credit_changed(entry.enterprise_id, step.now)
    return entry


def _require_note(step: _Step, message: str) -> None:
    if not step.note:
        raise Invalid(message, field="note")


def _conflict(step: _Step, message: str, **extra) -> Conflict:
    return Conflict(message, current_state=step.entry.state, **extra)


def _notify(step: _Step) -> None:
    entry = step.entry
    entry.notified_on = step.today
    entry.defence_due_on = step.calendar.add_working_days(
        step.today, _days("BLACKLIST_DEFENCE_WORKING_DAYS")
    )
    entry.notice_html = render_notice(entry, step.user, step.today)
    step.payload["defence_due_on"] = entry.defence_due_on.isoformat()
    _tell_enterprise(entry, step.now)


def _submit_defence(step: _Step) -> None:
    entry = step.entry
    if entry.defence_text:
        raise _conflict(step, "A defence was already submitted.")
    _require_note(step, "The defence (申辩意见) goes in the note.")
    entry.defence_text = step.note
    entry.defence_submitted_at = step.now
    entry.defence_late = step.today > entry.defence_due_on
    step.payload["late"] = entry.defence_late


def _accept_defence(step: _Step) -> None:
    if not step.entry.defence_text:
        raise _conflict(step, "There is no defence to accept.")
    _require_note(step, "Say why the defence holds.")


def _confirm(step: _Step) -> None:
    entry = step.entry
    if entry.defence_text:
        _require_note(step, "Say why the defence does not hold.")
    elif step.today <= entry.defence_due_on:
        raise _conflict(
            step,
            f"The defence period runs until {entry.defence_due_on}.",
            defence_due_on=entry.defence_due_on.isoformat(),
        )
    entry.decided_on = step.today
    entry.publish_due_on = step.calendar.add_working_days(
        step.today, _days("BLACKLIST_PUBLISH_WORKING_DAYS")
    )
    step.payload["publish_due_on"] = entry.publish_due_on.isoformat()


def _publish(step: _Step) -> None:
    entry = step.entry
    entry.published_on = step.today
    entry.publish_late = step.today > entry.publish_due_on
    entry.ends_on = term_end(step.today, entry.term_years)
    step.payload.update(ends_on=entry.ends_on.isoformat(), late=entry.publish_late)


def _apply_removal(step: _Step) -> None:
    entry = step.entry
    if entry.removal_applied_on is not None:
        raise _conflict(step, "A removal application is already pending.")
    if entry.rectified_on is not None:
        raise _conflict(step, f"The rectification was accepted on {entry.rectified_on}.")
    opens_on = _application_opens_on(entry, step.calendar)
    if step.today < opens_on:
        raise _conflict(
            step,
            f"A removal application is taken from {opens_on}, within "
            f"{_days('BLACKLIST_APPLICATION_WORKING_DAYS')} working days before the term ends "
            f"on {entry.ends_on}.",
            application_opens_on=opens_on.isoformat(),
            ends_on=entry.ends_on.isoformat(),
        )
    _require_note(step, "Describe the rectification in the note.")
    entry.removal_application = step.note
    entry.removal_applied_on = step.today
    step.payload["ends_on"] = entry.ends_on.isoformat()


def _application_opens_on(entry: BlacklistEntry, calendar: WorkingDayCalendar) -> date:
    """The first day from which `ends_on` is within the application window's working days."""
    window = _days("BLACKLIST_APPLICATION_WORKING_DAYS")
    day = max(entry.published_on, entry.ends_on - timedelta(days=120))  # > 30 working days
    while calendar.add_working_days(day, window) < entry.ends_on:
        day = calendar.add_working_days(day, 1)
    return day


def _pending_application(step: _Step) -> None:
    if step.entry.removal_applied_on is None:
        raise _conflict(step, "There is no pending removal application.")


def _accept_rectification(step: _Step) -> None:
    """整改验收合格: published at once; the entry goes at the end of its term — now, if the
    term is already over and no new bad record fell within it."""
    _pending_application(step)
    entry = step.entry
    entry.rectified_on = step.today
    step.payload["ends_on"] = entry.ends_on.isoformat()
    if step.today > entry.ends_on and not _new_record_within_term(entry):
        _removed(entry, "rectified", step.today, step.calendar)
        entry.state = "removed"


def _reject_removal(step: _Step) -> None:
    _pending_application(step)
    _require_note(step, "Say why the enterprise stays on the blacklist.")
    entry = step.entry
    step.payload["applied_on"] = entry.removal_applied_on.isoformat()
    entry.removal_application = entry.removal_applied_on = None


def _remove(step: _Step) -> None:
    entry = step.entry
    if step.today <= entry.ends_on:
        raise _conflict(
            step, f"The term runs until {entry.ends_on}.", ends_on=entry.ends_on.isoformat()
        )
    _require_note(step, "Say why the entry is removed.")
    _removed(entry, "term_ended", step.today, step.calendar)


def _removed(
    entry: BlacklistEntry,
    kind: str,
    today: date,
    calendar: WorkingDayCalendar,
    *,
    due_date_required: bool = True,
) -> None:
    """Removal is published within the working days after the term ends (or after the
    rectification accepted once it had ended)."""
    start = max(entry.ends_on, entry.rectified_on or entry.ends_on)
    try:
        entry.removal_due_on = calendar.add_working_days(
            start, _days("BLACKLIST_REMOVAL_WORKING_DAYS")
        )
    except CalendarNotCovered:
        # The term is over whatever the calendar says: the job removes the entry and leaves
        # unknown only the due date, which does no more than flag a late removal.
        if due_date_required:
            raise
        entry.removal_due_on = None
    entry.removed_on = today
    entry.removal_kind = kind
    entry.removal_late = entry.removal_due_on is not None and today > entry.removal_due_on


def _new_record_within_term(entry: BlacklistEntry) -> bool:
    return credit.has_record_within(
        entry.enterprise_id, entry.published_on, entry.ends_on, besides=entry.bad_credit_record_id
    )


HANDLERS = {
    "notify": _notify,
    "submit_defence": _submit_defence,
    "accept_defence": _accept_defence,
    "confirm": _confirm,
    "publish": _publish,
    "apply_removal": _apply_removal,
    "accept_rectification": _accept_rectification,
    "reject_removal": _reject_removal,
    "remove": _remove,
}
assert set(HANDLERS) == set(TRANSITIONS)


def _event(
    entry: BlacklistEntry,
    action: str,
    actor: User | None,
    from_state: str | None,
    *,
    now: datetime,
    note: str = "",
    payload: dict | None = None,
    photos=(),
) -> BlacklistEvent:
    event = append_step(
        BlacklistEvent,
        "entry_id",
        entry.id,
        id=new_id(),
        action=action,
        from_state=from_state,
        to_state=entry.state,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system",
        at=now,
        note=note or "",
        payload=payload or {},
    )
    if photos:
        attach_photos(actor, "blacklist_events", event.id, photos)
    return event


def _tell_enterprise(entry: BlacklistEntry, now: datetime) -> None:
    payload = {
        "blacklist_entry_id": entry.id,
        "defence_due_on": entry.defence_due_on.isoformat(),
        "message": "你单位拟被列入安全生产不良记录“黑名单”，请查阅告知书，"
        f"并于{entry.defence_due_on}前提出申辩意见。",
    }
    for user in notifications.enterprise_users(entry.enterprise_id):
        notifications.notify(
            user,
            "blacklist_notice",
            dedupe_key=f"blacklist_notice:{entry.id}:{user.id}",
            payload=payload,
            now=now,
        )


# --- the written notice (告知书) ----------------------------------------------------------------


# Documents of the procedure, from templates beside this module (every value escaped).
_documents = Environment(
    loader=PackageLoader("backend.credit", "templates"), autoescape=True, keep_trailing_newline=True
)


def render_notice(entry: BlacklistEntry, issuer: User, today: date) -> str:
    """The written notice (告知书), an HTML document in Chinese."""
    level = entry.accident_level
    return _documents.get_template("blacklist_notice.html").render(
        entry=entry,
        enterprise=entry.enterprise,
        trigger=trigger_label(entry),
        list_level=BLACKLIST_LIST_LEVELS[entry.list_level],
        accident_level=ACCIDENT_LEVELS[level] if level != "none" else None,
        defence_days=_days("BLACKLIST_DEFENCE_WORKING_DAYS"),
        authority=f"{issuer.jurisdiction.name}安全生产监督管理部门" if issuer.jurisdiction else "",
        today=today,
    )


# --- the term's end (the credit_terms job) ----------------------------------------------------


def expire_entries(now: datetime) -> tuple[list[int], int]:
    """At the end of the term: remove the published entries whose rectification was accepted
    and in whose term no new bad record started; retain the others. The enterprises whose
    entry was removed, and how many entries were newly retained."""
    today = today_in_shanghai(now)
    calendar = working_day_calendar()
    entries = db.session.scalars(
        select(BlacklistEntry)
        .where(BlacklistEntry.state == "published", BlacklistEntry.ends_on < today)
        .order_by(BlacklistEntry.ends_on, BlacklistEntry.id)
    ).all()
    removed, retained = [], 0
    for entry in entries:
        if entry.rectified_on is None or _new_record_within_term(entry):
            if entry.retained_since is None:
                entry.retained_since = today
                _event(entry, "retain", None, entry.state, now=now)
                retained += 1
            continue
        _removed(entry, "expired", today, calendar, due_date_required=False)
        entry.state = "removed"
        entry.updated_at = now
        _event(entry, "expire", None, "published", now=now)
        removed.append(entry.enterprise_id)
    return removed, retained


def credit_terms(now: datetime) -> dict:
    """The scheduled job: bad credit records and blacklist entries whose term is over."""
    records = credit.expire_bad_records(now)
    removed, retained = expire_entries(now)
    for enterprise_id in sorted(set(records) | set(removed)):
        credit.credit_changed(enterprise_id, now)
    return {
        "bad_records_expired": len(records),
        "blacklist_removed": len(removed),
        "blacklist_retained": retained,
    }


# --- what waits for a supervisor ----------------------------------------------------------------


def uncollected_proposals(user: User):
    """Accidents in the user's scope whose blacklist proposal no entry was collected on yet,
    latest first (a proposal waits for a supervisor's 信息采集)."""
    collected = select(BlacklistEntry.id).where(BlacklistEntry.accident_id == Accident.id)
    return (
        accidents.accident_query(user)
        .where(Accident.blacklist_trigger.is_not(None), ~collected.exists())
        .options(joinedload(Accident.enterprise))
    )


def steps_open(entry: BlacklistEntry, role: str, today: date) -> list[str]:
    """The steps `role` may take on the entry today: the transition table, narrowed by what the
    handlers ask (a defence to accept; before the defence period ends, a defence to answer; a
    pending application; the term over). The handlers still check each step."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if role in transition.roles
        and entry.state in transition.from_states
        and _step_fits(entry, action, today)
    ]


def _step_fits(entry: BlacklistEntry, action: str, today: date) -> bool:
    if action == "accept_defence":
        return bool(entry.defence_text)
    if action == "confirm":
        return bool(entry.defence_text) or today > entry.defence_due_on
    if action in ("accept_rectification", "reject_removal"):
        return entry.removal_applied_on is not None
    if action == "remove":
        return today > entry.ends_on
    if action == "apply_removal":
        return entry.removal_applied_on is None and entry.rectified_on is None
    if action == "submit_defence":
        return not entry.defence_text
    return True


def awaiting_supervisor_clause(today: date):
    """SQL: entries on which a supervisor has a step to take today (as `steps_open`): to notify,
    to decide once defended or the defence period is over, to publish, a removal application
    to decide, a term over."""
    return or_(
        BlacklistEntry.state.in_(("collected", "confirmed")),
        and_(
            BlacklistEntry.state == "notified",
            or_(BlacklistEntry.defence_text.is_not(None), BlacklistEntry.defence_due_on < today),
        ),
        and_(
            BlacklistEntry.state == "published",
            or_(BlacklistEntry.removal_applied_on.is_not(None), BlacklistEntry.ends_on < today),
        ),
    )


# --- reading ----------------------------------------------------------------------------------


def history(entry: BlacklistEntry) -> list[dict]:
    """The entry's steps in order, each with the SHA-256s of its photos."""
    events = db.session.scalars(
        select(BlacklistEvent)
        .where(BlacklistEvent.entry_id == entry.id)
        .order_by(BlacklistEvent.seq)
    ).all()
    photos = credit.photos_by_owner("blacklist_events", [event.id for event in events])
    return [{"event": event, "photos": photos.get(event.id, [])} for event in events]


def _on_list(stmt, level: str | None):
    """Entries on the `level` list (credit/levels.py); every list's when None."""
    if level is None:
        return stmt
    return stmt.where(BlacklistEntry.list_level.in_(entry_levels_on_list(level)))


def published_entries(level: str | None = None):
    """What the public sees: entries now published, newest first, with their enterprise; on
    the `level` list only, when given."""
    stmt = select(BlacklistEntry).where(BlacklistEntry.state == "published")
    return (
        _on_list(stmt, level)
        .options(joinedload(BlacklistEntry.enterprise))
        .order_by(BlacklistEntry.published_on.desc(), BlacklistEntry.id)
    )


def recently_removed_entries(now: datetime | None = None, level: str | None = None):
    """Removals the public sees (信息移出 is published too), for BLACKLIST_REMOVED_SHOWN_DAYS;
    on the `level` list only, when given."""
    since = today_in_shanghai(now) - timedelta(days=_days("BLACKLIST_REMOVED_SHOWN_DAYS"))
    stmt = select(BlacklistEntry).where(
        BlacklistEntry.state == "removed", BlacklistEntry.removed_on >= since
    )
    return (
        _on_list(stmt, level)
        .options(joinedload(BlacklistEntry.enterprise))
        .order_by(BlacklistEntry.removed_on.desc(), BlacklistEntry.id)
    )


def public_row(entry: BlacklistEntry) -> dict:
    """An entry as published: no person's name, no facts, evidence or defence."""
    return {
        "id": entry.id,
        "enterprise_name": entry.enterprise.name,
        "uscc": entry.enterprise.uscc,
        "trigger": entry.trigger,
        "trigger_label": trigger_label(entry),
        "list_level": entry.list_level,
        "list_level_label": BLACKLIST_LIST_LEVELS[entry.list_level],
        "reason": entry.reason,
        "published_on": entry.published_on,
        "ends_on": entry.ends_on,
        "term_years": entry.term_years,
        "rectified_on": entry.rectified_on,
        "removed_on": entry.removed_on,
    }
