"""Hazards (隐患): rectified, verified and closed (销号) — the state machine.

This module owns a hazard's state. Every transition a user takes goes through `apply_action`
(the REST API and the sync push both call it), checked against `TRANSITIONS`: which roles may
take an action and from which states. Every transition, including the ones the server takes
itself (report, fix on the spot, marking overdue), appends one `HazardAction` to the audit trail
(`record_step`).

Order of the checks: out of the caller's scope → 404; a role that may not act → 403; a state
the action does not fit → 409 naming the current state; a payload that breaks a rule → 422.

自查、自改、自报 (方案4 L141 "形成完整的自查、自改和自报机制"; 方案4 L140 enterprises 自查隐患、上报
隐患、整改隐患 and accept supervision). A hazard the enterprise found itself (`self_reported`: its
self-inspection, or its own report outside any checklist) is its own to close when it is a
general hazard: its safety managers 核验 the rectification, assess its quality and 销号 it, or
send it back (返工) — 青安委〔2024〕2号 item 31. Officials in scope may spot-check such an
enterprise close-out and reopen it (方案4 L140 "接受监督指导").

A self-found *major* hazard stays verified by officials: 16号令 第十四条 has the enterprise report
it to the authorities 及时 with its 治理方案, 第三条 defines it as one that needs 停产停业 and time
to remove, and 青安委〔2024〕2号 item 21 again has it reported to the departments; no source gives
its close-out to the enterprise. Item 31 speaks of 问题隐患 in general and is read, with those
rules, as the general ones.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, select

from ..core import events
from ..core.audit import append_step
from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import Forbidden, get_visible
from ..core.timeutil import today_in_shanghai
from ..core.workflow import Transition, check_allowed, transition_for
from ..models import Hazard, HazardAction, Photo, User, utcnow
from ..photos.services import attach_photos
from .deadlines import check_deadline, move_deadline
from .states import ALL_STATUSES, OPEN_STATUSES

MANAGER = frozenset({"enterprise_manager"})
# A department official (行业主管部门) verifies like an inspector, for the enterprises of its
# department (管行业必须管安全, seed 000).
OFFICIALS = frozenset({"inspector", "supervisor", "department_official"})
SUPERVISOR = frozenset({"supervisor"})


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
# Who may take an action besides TRANSITIONS' roles, on some hazards: the enterprise closes its
# own self-found general hazards (verify = 核验销号, reject = 返工); any official in scope may
# spot-check an enterprise's close-out and reopen it.
SELF_CLOSE_ACTIONS = frozenset({"verify", "reject"})
SPOT_CHECK_ACTIONS = frozenset({"reopen"})

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


def may_close_itself(hazard: Hazard) -> bool:
    """A general hazard the enterprise found itself: its safety managers 核验 and 销号 it
    (青安委〔2024〕2号 item 31; 方案4 L141). Major hazards stay with officials (module doc), and
    so does a hazard an official has reopened: after a close-out found wrong on a spot check,
    the next one is verified by an official (local policy:
    HAZARD_REOPENED_VERIFIED_BY_OFFICIALS)."""
    if not (hazard.self_reported and hazard.grade == "general"):
        return False
    return not (
        current_app.config["HAZARD_REOPENED_VERIFIED_BY_OFFICIALS"] and _was_reopened(hazard)
    )


def _was_reopened(hazard: Hazard) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(HazardAction.hazard_id == hazard.id, HazardAction.action == "reopen")
            )
        )
    )


def roles_for(action: str, hazard: Hazard) -> frozenset[str]:
    """The roles that may take `action` on this hazard."""
    roles = TRANSITIONS[action].roles
    if action in SELF_CLOSE_ACTIONS and may_close_itself(hazard):
        roles |= MANAGER
    if action in SPOT_CHECK_ACTIONS and hazard.closed_by_enterprise:
        roles |= OFFICIALS
    return roles


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
        action
        for action, transition in TRANSITIONS.items()
        if user.role in roles_for(action, hazard) and hazard.status in transition.from_states
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
    transition = replace(transition, roles=roles_for(action, hazard))
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
    record_step(
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
    refresh_color(hazard, step.now)
    return hazard


def refresh_color(hazard: Hazard, now: datetime | None = None) -> None:
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
    if step.user.is_enterprise_user:
        # 青安委〔2024〕2号 item 31: 现场核验 and 对整改质量进行评估确认 before 销号.
        _require_note(step, "An enterprise's 核验 assesses the quality of the rectification.")
        step.payload["closure"] = "enterprise"
    mark_closed(step.hazard, step.user, step.now)
    step.hazard.extension_requested_due_on = None


def mark_closed(hazard: Hazard, user: User, now: datetime) -> None:
    hazard.closed_at = now
    hazard.closed_by_enterprise = user.is_enterprise_user


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
    check_deadline(step.due_on, step.today)
    _require_note(step, "An extension request gives its reason.")
    hazard.extension_requested_due_on = step.due_on
    step.payload["requested_due_on"] = step.due_on.isoformat()


def _approve_extension(step: _Step) -> None:
    hazard = step.hazard
    requested = _pending_extension(hazard)
    new_due_on = step.due_on or requested
    check_deadline(new_due_on, step.today)
    step.payload.update(
        requested_due_on=requested.isoformat(), approved_due_on=new_due_on.isoformat()
    )
    hazard.extension_requested_due_on = None
    move_deadline(hazard, new_due_on, step.today)


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
    """Back to rectifying, with a reason. The deadline stays unless a new one is given: a
    close-out found wrong means the hazard was never rectified by its deadline; an official who
    grants more time names the new deadline (`due_on`)."""
    _require_note(step, "Say why the hazard is reopened.")
    hazard = step.hazard
    if hazard.closed_by_enterprise:
        step.payload["spot_check"] = True
    hazard.closed_at = None
    hazard.closed_by_enterprise = False
    if step.due_on is not None:
        check_deadline(step.due_on, step.today)
        move_deadline(step.hazard, step.due_on, step.today)


def _set_flags(step: _Step) -> None:
    if not step.flags:
        raise Invalid("Set stop_work_order and/or listed_for_supervision.", field="stop_work_order")
    for name, value in step.flags.items():
        setattr(step.hazard, name, value)
    step.payload.update(step.flags)


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


def record_step(
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
    entry = append_step(
        HazardAction,
        "hazard_id",
        hazard.id,
        id=id or new_id(),
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
    if photos:
        attach_photos(actor, "hazard_actions", entry.id, photos)
    return entry


def record_system_action(
    hazard: Hazard, action: str, *, now: datetime, payload: dict | None = None
) -> HazardAction:
    """An entry the server writes on its own (e.g. marking a hazard overdue)."""
    return record_step(hazard, action, None, from_status=hazard.status, payload=payload, now=now)
