"""Hazards (隐患): reported, rectified, verified and closed (销号).

This module owns a hazard's state. Every transition a user takes goes through `apply_action`
(the REST API and the sync push both call it), checked against `TRANSITIONS`: which roles may
take an action and from which states. Every transition, including the ones the server takes
itself (report, fix on the spot, marking overdue), appends one `HazardAction` to the audit trail.

Order of the checks: out of the caller's scope → 404; a role that may not act → 403; a state
the action does not fit → 409 naming the current state; a payload that breaks a rule → 422.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from checklists.model import Checklist, Item
from checklists.scoring import hazard_grade_for

from ..core import events
from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import (
    Forbidden,
    get_visible,
    hazard_clause,
    require_enterprise_in_scope,
    require_role,
    visible_subtree_ids,
)
from ..core.timeutil import SHANGHAI, days_from_today, today_in_shanghai
from ..core.workflow import Transition, check_allowed, transition_for
from ..models import (
    HAZARD_GRADES,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    Photo,
    User,
    utcnow,
)
from ..photos.services import attach_photos

MAX_DEADLINE_DAYS = 366
OPEN_STATUSES = frozenset({"reported", "rectifying", "submitted"})
ALL_STATUSES = OPEN_STATUSES | {"closed"}
MANAGER = frozenset({"enterprise_manager"})
OFFICIALS = frozenset({"inspector", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
# Who may report a hazard directly (on site, outside a checklist).
REPORTERS = ("inspector", "supervisor")
# Hazard ids the API routes use for other things.
RESERVED_IDS = frozenset({"stats", "export.xlsx", "export.csv"})


TRANSITIONS: dict[str, Transition] = {
    "file_plan": Transition(frozenset({"reported", "rectifying"}), None, MANAGER),
    "start_rectification": Transition(frozenset({"reported"}), "rectifying", MANAGER),
    "submit": Transition(frozenset({"rectifying"}), "submitted", MANAGER),
    "verify": Transition(frozenset({"submitted"}), "closed", OFFICIALS),
    "reject": Transition(frozenset({"submitted"}), "rectifying", OFFICIALS),
    "request_extension": Transition(frozenset({"reported", "rectifying"}), None, MANAGER),
    "approve_extension": Transition(OPEN_STATUSES, None, SUPERVISOR),
    "deny_extension": Transition(OPEN_STATUSES, None, SUPERVISOR),
    "reopen": Transition(frozenset({"closed"}), "rectifying", SUPERVISOR),
    "set_flags": Transition(ALL_STATUSES, None, SUPERVISOR),
}

# 五落实 (青安委〔2024〕2号 item 29): responsibility, measures, funds, deadline, contingency plan.
# The deadline (时限) is the hazard's own due_on, set when it is reported and moved only by an
# approved extension, so it is never missing.
FIVE_IMPLEMENTATIONS = {
    "owner": "整改责任人（责任落实）",
    "measures": "整改措施（措施落实）",
    "funds": "整改资金（资金落实）",
    "contingency_plan": "应急预案（预案落实）",
}
# 重大事故隐患治理方案 (16号令 第十五条), parts (一) to (六).
GOVERNANCE_PLAN = {
    "objectives": "治理的目标和任务",
    "methods": "采取的方法和措施",
    "funds_and_materials": "经费和物资的落实",
    "organisation": "负责治理的机构和人员",
    "time_limit": "治理的时限和要求",
    "safety_measures": "安全措施和应急预案",
}
PLAN_FIELDS = {**FIVE_IMPLEMENTATIONS, **GOVERNANCE_PLAN}
REQUIRED_PLAN_FIELDS = {
    "general": ("owner",),
    "major": tuple(PLAN_FIELDS),
}


def new_id() -> str:
    return uuid.uuid4().hex


# --- Deadlines --------------------------------------------------------------------------------
# A hazard due on a date is overdue from the start of the next day in Asia/Shanghai.


def is_overdue(hazard: Hazard, now: datetime | None = None) -> bool:
    return hazard.status != "closed" and today_in_shanghai(now) > hazard.due_on


def days_overdue(hazard: Hazard, now: datetime | None = None) -> int:
    if not is_overdue(hazard, now):
        return 0
    return (today_in_shanghai(now) - hazard.due_on).days


def overdue_since(hazard: Hazard) -> datetime:
    """The instant the hazard became (or will become) overdue."""
    return datetime.combine(hazard.due_on + timedelta(days=1), time(0), SHANGHAI)


def overdue_clause(today: date):
    """SQL condition for hazards overdue on `today` (the same rule as `is_overdue`)."""
    return and_(Hazard.status != "closed", Hazard.due_on < today)


def _check_deadline(due_on: date, today: date, field_name: str = "due_on") -> None:
    if not today <= due_on <= today + timedelta(days=MAX_DEADLINE_DAYS):
        raise Invalid(
            f"A rectification deadline must fall between {today} and one year later.",
            field=field_name,
        )


# --- Reporting --------------------------------------------------------------------------------


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
    )
    db.session.add(hazard)
    db.session.flush()
    _record(
        hazard,
        "report",
        user,
        from_status=None,
        payload={"finding_id": finding.id, "inspection_id": inspection.id},
        due_on_after=hazard.due_on,
    )
    _refresh_color(hazard)
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
    due_on: date | None = None,
    photos=(),
    fixed_on_spot: bool = False,
    after_photos=(),
    id: str | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Hazard:
    """An inspector reports a hazard found on site; 立查立改 (fixed on the spot) closes at once."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    require_role(user, *REPORTERS)
    now = now or utcnow()
    today = today_in_shanghai(now)
    if grade not in HAZARD_GRADES:
        raise Invalid(f"Unknown grade {grade}.", field="grade")
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
    _check_deadline(due_on, today)
    hazard = Hazard(
        id=id or new_id(),
        enterprise_id=enterprise.id,
        title=title,
        description=description or "",
        grade=grade,
        status="reported",
        due_on=due_on,
        reported_by_id=user.id,
        reported_at=now,
        fixed_on_spot=fixed_on_spot,
    )
    db.session.add(hazard)
    db.session.flush()
    _record(
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
        hazard.closed_at = now
        _record(
            hazard,
            "fix_on_spot",
            user,
            from_status="reported",
            photos=after_photos,
            device_time=device_time,
            now=now,
        )
    _refresh_color(hazard, now)
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


# --- Transitions ------------------------------------------------------------------------------


@dataclass
class _Step:
    """What one action handler gets to work with, and what it leaves for the audit trail."""

    user: User
    hazard: Hazard
    now: datetime
    action_id: str | None = None
    note: str = ""
    photos: tuple = ()
    due_on: date | None = None
    plan: dict | None = None
    flags: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return today_in_shanghai(self.now)


def require_may_act(user: User, hazard: Hazard) -> None:
    """Someone who may take some action on this hazard now (adding its evidence is acting on
    it); seeing it is not enough."""
    hazard = get_visible(Hazard, hazard.id, user)
    allowed = [
        transition
        for transition in TRANSITIONS.values()
        if user.role in transition.roles and hazard.status in transition.from_states
    ]
    if not allowed:
        raise Forbidden(f"The role {user.role} may not act on a hazard that is {hazard.status}.")


def require_action_actor(user: User, action: HazardAction) -> None:
    """The photos of a step in a hazard's history are its actor's."""
    if action.actor_id != user.id:
        raise Forbidden("Only who took this action may add photos to it.")


def require_may_take(user: User, hazard: Hazard, action: str) -> Hazard:
    """The checks `apply_action` makes before it reads the payload: scope (404), role (403),
    state (409). A caller with costly work to do for the action (storing its photos) runs
    them first, so a refused action leaves nothing behind."""
    transition = transition_for(TRANSITIONS, action)
    hazard = get_visible(Hazard, hazard.id, user)
    check_allowed(transition, action, user.role, hazard.status, "a hazard")
    return hazard


def apply_action(
    user: User,
    hazard: Hazard,
    action: str,
    *,
    id: str | None = None,
    note: str | None = "",
    photos=(),
    due_on: date | None = None,
    plan: dict | None = None,
    stop_work_order: bool | None = None,
    listed_for_supervision: bool | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Hazard:
    """Take `action` on `hazard` as `user`; the one entry point for every user transition.

    `id` (optional, device-chosen) makes a retry idempotent: the same actor replaying the same
    action under the same id changes nothing. `device_time` is stored, never used for ordering.
    """
    transition = transition_for(TRANSITIONS, action)
    hazard = get_visible(Hazard, hazard.id, user)
    if id is not None and _is_replay(id, hazard, action, user):
        return hazard
    check_allowed(transition, action, user.role, hazard.status, "a hazard")
    step = _Step(
        user=user,
        hazard=hazard,
        now=now or utcnow(),
        action_id=id,
        note=checked_text(note, "note"),
        photos=tuple(photos or ()),
        due_on=due_on,
        plan=plan,
        flags={
            name: value
            for name, value in (
                ("stop_work_order", stop_work_order),
                ("listed_for_supervision", listed_for_supervision),
            )
            if value is not None
        },
    )
    from_status, due_on_before = hazard.status, hazard.due_on
    HANDLERS[action](step)
    if transition.to_state is not None:
        hazard.status = transition.to_state
    changed = hazard.due_on != due_on_before
    _record(
        hazard,
        action,
        user,
        from_status=from_status,
        note=step.note,
        payload=step.payload,
        photos=step.photos,
        id=id,
        device_time=device_time,
        now=step.now,
        due_on_before=due_on_before if changed else None,
        due_on_after=hazard.due_on if changed else None,
    )
    _refresh_color(hazard, step.now)
    return hazard


def _refresh_color(hazard: Hazard, now: datetime | None = None) -> None:
    """A hazard's change may change its enterprise's safety-code colour (常安码)."""
    events.publish(events.HazardChanged(hazard.enterprise_id, now))


def _is_replay(action_id: str, hazard: Hazard, action: str, user: User) -> bool:
    existing = db.session.get(HazardAction, action_id)
    if existing is None:
        return False
    if (existing.hazard_id, existing.action, existing.actor_id) == (hazard.id, action, user.id):
        return True
    raise Conflict(f"A hazard action with id {action_id} already exists.", field="id")


def _file_plan(step: _Step) -> None:
    if not step.plan:
        raise Invalid("A plan with at least one part is required.", field="plan")
    step.payload["plan"] = _merge_plan(step.hazard, step.plan)


def _start_rectification(step: _Step) -> None:
    if step.plan:
        step.payload["plan"] = _merge_plan(step.hazard, step.plan)
    hazard = step.hazard
    plan = hazard.plan or {}
    missing = [name for name in REQUIRED_PLAN_FIELDS[hazard.grade] if not plan.get(name)]
    if missing:
        names = ", ".join(f"{name} ({PLAN_FIELDS[name]})" for name in missing)
        kind = "A major hazard's governance plan" if hazard.grade == "major" else "The plan"
        raise Invalid(f"{kind} lacks: {names}.", field="plan", missing=missing)


def _merge_plan(hazard: Hazard, parts: dict) -> dict:
    unknown = sorted(set(parts) - set(PLAN_FIELDS))
    if unknown:
        raise Invalid(f"Unknown plan parts: {', '.join(unknown)}.", field="plan")
    given = {name: checked_text(value, f"plan.{name}") for name, value in parts.items()}
    hazard.plan = {**(hazard.plan or {}), **given}
    return given


def _submit(step: _Step) -> None:
    # A device may sync the photos (owner: this action's id) before the action itself.
    if not step.photos and not _photos_of_action(step.action_id):
        raise Invalid(
            "Submitting for verification needs photos of the rectification.", field="photos"
        )


def _photos_of_action(action_id: str | None) -> list[str]:
    if action_id is None:
        return []
    return db.session.scalars(
        select(Photo.sha256).where(
            Photo.owner_table == "hazard_actions", Photo.owner_id == action_id
        )
    ).all()


def _verify(step: _Step) -> None:
    step.hazard.closed_at = step.now
    step.hazard.extension_requested_due_on = None


def _reject(step: _Step) -> None:
    _require_note(step, "Say what is still wrong (返工整改 needs a reason).")


def _request_extension(step: _Step) -> None:
    hazard = step.hazard
    if hazard.extension_requested_due_on is not None:
        raise Conflict(
            "An extension request is already pending.",
            current_state=hazard.status,
            extension_requested_due_on=hazard.extension_requested_due_on.isoformat(),
        )
    if step.due_on is None:
        raise Invalid("An extension request names the deadline it asks for.", field="due_on")
    if step.due_on <= hazard.due_on:
        raise Invalid("The requested deadline must be later than the current one.", field="due_on")
    _check_deadline(step.due_on, step.today)
    _require_note(step, "An extension request gives its reason.")
    hazard.extension_requested_due_on = step.due_on
    step.payload["requested_due_on"] = step.due_on.isoformat()


def _approve_extension(step: _Step) -> None:
    hazard = step.hazard
    requested = _pending_extension(hazard)
    new_due_on = step.due_on or requested
    _check_deadline(new_due_on, step.today)
    step.payload.update(
        requested_due_on=requested.isoformat(), approved_due_on=new_due_on.isoformat()
    )
    hazard.extension_requested_due_on = None
    _move_deadline(hazard, new_due_on, step.today)


def _deny_extension(step: _Step) -> None:
    requested = _pending_extension(step.hazard)
    step.payload["requested_due_on"] = requested.isoformat()
    step.hazard.extension_requested_due_on = None


def _pending_extension(hazard: Hazard) -> date:
    if hazard.extension_requested_due_on is None:
        raise Conflict(
            "There is no pending extension request.",
            current_state=hazard.status,
            extension_requested_due_on=None,
        )
    return hazard.extension_requested_due_on


def _reopen(step: _Step) -> None:
    _require_note(step, "Say why the hazard is reopened.")
    step.hazard.closed_at = None
    if step.due_on is not None:
        _check_deadline(step.due_on, step.today)
        _move_deadline(step.hazard, step.due_on, step.today)


def _set_flags(step: _Step) -> None:
    if not step.flags:
        raise Invalid("Set stop_work_order and/or listed_for_supervision.", field="stop_work_order")
    for name, value in step.flags.items():
        setattr(step.hazard, name, value)
    step.payload.update(step.flags)


def _move_deadline(hazard: Hazard, due_on: date, today: date) -> None:
    hazard.due_on = due_on
    if due_on >= today:
        hazard.marked_overdue_at = None


def _require_note(step: _Step, message: str) -> None:
    if not step.note:
        raise Invalid(message, field="note")


HANDLERS = {
    "file_plan": _file_plan,
    "start_rectification": _start_rectification,
    "submit": _submit,
    "verify": _verify,
    "reject": _reject,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "deny_extension": _deny_extension,
    "reopen": _reopen,
    "set_flags": _set_flags,
}
assert set(HANDLERS) == set(TRANSITIONS)


def _record(
    hazard: Hazard,
    action: str,
    actor: User | None,
    *,
    from_status: str | None,
    note: str = "",
    payload: dict | None = None,
    photos=(),
    id: str | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
    due_on_before: date | None = None,
    due_on_after: date | None = None,
) -> HazardAction:
    """Append one entry to the hazard's audit trail (server order: a per-hazard sequence)."""
    last = db.session.scalar(
        select(func.max(HazardAction.seq)).where(HazardAction.hazard_id == hazard.id)
    )
    entry = HazardAction(
        id=id or new_id(),
        hazard_id=hazard.id,
        seq=(last or 0) + 1,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system",
        received_at=now or utcnow(),
        device_time=device_time,
        note=note or "",
        payload=payload or {},
        due_on_before=due_on_before,
        due_on_after=due_on_after,
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Another request changed this hazard at the same moment (same seq).
        raise Conflict("The hazard changed meanwhile; reload it and try again.") from error
    if photos:
        attach_photos(actor, "hazard_actions", entry.id, photos)
    return entry


def record_system_action(
    hazard: Hazard, action: str, *, now: datetime, payload: dict | None = None
) -> HazardAction:
    """An entry the server writes on its own (e.g. marking a hazard overdue)."""
    return _record(hazard, action, None, from_status=hazard.status, payload=payload, now=now)


# --- Reading ----------------------------------------------------------------------------------


def history(hazard: Hazard) -> list[dict]:
    """The audit trail in server order, each entry with the SHA-256s of its photos."""
    entries = db.session.scalars(
        select(HazardAction).where(HazardAction.hazard_id == hazard.id).order_by(HazardAction.seq)
    ).all()
    photos: dict[str, list[str]] = {}
    if entries:
        rows = db.session.execute(
            select(Photo.owner_id, Photo.sha256)
            .where(
                Photo.owner_table == "hazard_actions",
                Photo.owner_id.in_([entry.id for entry in entries]),
            )
            .order_by(Photo.created_at, Photo.id)
        )
        for owner_id, sha256 in rows:
            photos.setdefault(owner_id, []).append(sha256)
    return [{"entry": entry, "photos": photos.get(entry.id, [])} for entry in entries]


SORTS = ("due_on", "-due_on", "days_overdue", "-days_overdue", "reported_at", "-reported_at")


def hazard_query(
    user: User,
    *,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool | None = None,
    min_days_overdue: int | None = None,
    enterprise_id: int | None = None,
    jurisdiction_id: int | None = None,
    industry: str | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    sort: str = "due_on",
    now: datetime | None = None,
):
    """The hazards the user may see, filtered and sorted: one query for lists and exports."""
    today = today_in_shanghai(now)
    stmt = select(Hazard).where(hazard_clause(user))
    for name, value in (("status", status), ("grade", grade), ("enterprise_id", enterprise_id)):
        if value is not None:
            stmt = stmt.where(getattr(Hazard, name) == value)
    if overdue is not None:
        condition = overdue_clause(today)
        stmt = stmt.where(condition if overdue else ~condition)
    if min_days_overdue:
        stmt = stmt.where(
            overdue_clause(today), Hazard.due_on <= today - timedelta(days=min_days_overdue)
        )
    if jurisdiction_id is not None:
        subtree = visible_subtree_ids(user, jurisdiction_id)
        stmt = stmt.where(
            Hazard.enterprise_id.in_(
                select(Enterprise.id).where(Enterprise.jurisdiction_id.in_(subtree))
            )
        )
    if industry is not None:
        stmt = stmt.where(
            Hazard.enterprise_id.in_(
                select(Enterprise.id).where(
                    or_(
                        Enterprise.industry == industry,
                        Enterprise.industry.startswith(industry + "."),
                    )
                )
            )
        )
    if due_from is not None:
        stmt = stmt.where(Hazard.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(Hazard.due_on <= due_to)
    return stmt.order_by(*_ordering(sort, today), Hazard.id)


def _ordering(sort: str, today: date):
    if sort not in SORTS:
        raise Invalid(f"Unknown sort {sort}.", field="sort")
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "days_overdue":
        # Days overdue grow as the deadline lies further back; hazards not overdue count as 0.
        key = case((overdue_clause(today), Hazard.due_on), else_=literal(today, Hazard.due_on.type))
        return (key.asc() if descending else key.desc(),)
    column = getattr(Hazard, name)
    return (column.desc() if descending else column.asc(),)
