"""The enterprise's emergency plans (应急预案) and drills (应急预案演练): kept by its safety
managers, read by its own users and the officials in scope, and the drill due rule.

Sources (docs/sources.md):

- Seed 004 (青安委〔2024〕2号) item 7: the plans are "按规定向负有安全生产监督管理职责的部门备案"
  (`filing_status`, `filed_with`, `filed_on`); item 4 names the three kinds: "综合应急预案、专项
  应急预案和现场处置方案".
- Seed 004 item 17 (S004:L39), word for word: "是否依照有关规定制定应急预案演练计划,是否根据
  本单位的事故风险特点,每年(重点单位每半年)至少组织一次综合应急预案演练或者专项应急预案演练,每半年
  至少组织一次现场处置方案演练。" (DRILL_RULE_TEXT). `drill_status` reads 每年 as the
  calendar year and 每半年 as its halves (1–6月, 7–12月), Asia/Shanghai: a requirement is
  `done` once a drill of its kind was held in the current period, `due` while the current
  period runs without one, and `overdue` when the last period ended without one (until a drill
  is held).
- Which units are 重点单位 no seed defines: local policy (EMERGENCY_KEY_UNIT_CLASSES) takes the
  enterprise's class from 分级分类 (`EnterpriseClassification.effective_class`, default
  `key` 重点). An enterprise new to the system is not overdue for a period that ended before
  it was registered.

Reminders (drill due soon, drill overdue) are sent by the jobs (backend/jobs/registers.py).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from ..core.db import db
from ..core.errors import Invalid, NotFound, checked_choice, checked_text
from ..core.scope import (
    Forbidden,
    require_enterprise_in_scope,
    visible_enterprise_ids,
    visible_subtree_ids,
)
from ..core.timeutil import today_in_shanghai
from ..models import (
    DRILL_TYPES,
    FILING_STATUSES,
    PLAN_KINDS,
    Drill,
    EmergencyPlan,
    Enterprise,
    EnterpriseClassification,
    User,
    utcnow,
)

WRITERS = frozenset({"enterprise_manager"})
DRILL_RULE_SOURCE = "青安委〔2024〕2号 第17项"
# Word for word, with the seed's own punctuation (S004:L39).
DRILL_RULE_TEXT = (
    "是否依照有关规定制定应急预案演练计划,是否根据本单位的事故风险特点,每年(重点单位每半年)"
    "至少组织一次综合应急预案演练或者专项应急预案演练,每半年至少组织一次现场处置方案演练。"
)
PLAN_FIELDS = frozenset({"kind", "title", "issued_on", "filing_status", "filed_with", "filed_on"})
DRILL_FIELDS = frozenset(
    {"drill_type", "held_on", "plan_id", "participants_count", "evaluation", "improvements"}
)


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    drill_types: frozenset[str]


REQUIREMENTS = (
    Requirement(
        "comprehensive_or_special",
        "综合应急预案演练或者专项应急预案演练",
        frozenset({"comprehensive", "special"}),
    ),
    Requirement("on_site", "现场处置方案演练", frozenset({"on_site"})),
)
REQUIREMENT_LABELS = {requirement.code: requirement.label for requirement in REQUIREMENTS}


def new_id() -> str:
    return uuid.uuid4().hex


def _require_writer(user: User, enterprise_id: int) -> Enterprise:
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role not in WRITERS:
        raise Forbidden(f"The role {user.role} may not change the enterprise's registers.")
    return enterprise


def _refuse_unknown(fields: dict, allowed: frozenset) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise Invalid(f"{unknown[0]} cannot be set.", field=unknown[0])


def _optional_date(value, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(f"{field} must be a date.", field=field)
    return value


def _required_text(value, field: str, max_length: int) -> str:
    text = checked_text(value, field, max_length)
    if not text:
        raise Invalid(f"{field} is required.", field=field)
    return text


# --- plans ------------------------------------------------------------------------------------


def _apply_plan_fields(plan: EmergencyPlan, fields: dict) -> None:
    if "kind" in fields:
        plan.kind = checked_choice(fields["kind"], PLAN_KINDS, "kind")
    if "title" in fields:
        plan.title = _required_text(fields["title"], "title", 200)
    if "issued_on" in fields:
        plan.issued_on = _optional_date(fields["issued_on"], "issued_on")
    if "filing_status" in fields:
        plan.filing_status = checked_choice(
            fields["filing_status"], FILING_STATUSES, "filing_status"
        )
    if "filed_with" in fields:
        plan.filed_with = checked_text(fields["filed_with"], "filed_with", 100) or None
    if "filed_on" in fields:
        plan.filed_on = _optional_date(fields["filed_on"], "filed_on")
    _check_filing(plan)


def _check_filing(plan: EmergencyPlan) -> None:
    """A filed plan names the authority and the date (seed 004 item 7: 备案); an unfiled one
    keeps neither."""
    if plan.filing_status == "filed":
        if not plan.filed_with:
            raise Invalid("A filed plan names the authority it was filed with.", field="filed_with")
        if plan.filed_on is None:
            raise Invalid("A filed plan has its filing date.", field="filed_on")
    else:
        plan.filed_with = None
        plan.filed_on = None


def add_plan(user: User, *, enterprise_id: int, **fields) -> EmergencyPlan:
    _require_writer(user, enterprise_id)
    _refuse_unknown(fields, PLAN_FIELDS)
    for name in ("kind", "title"):
        if name not in fields:
            raise Invalid(f"{name} is required.", field=name)
    plan = EmergencyPlan(id=new_id(), enterprise_id=enterprise_id, filing_status="not_filed")
    _apply_plan_fields(plan, fields)
    db.session.add(plan)
    db.session.flush()
    return plan


def update_plan(user: User, plan_id: str, changes: dict) -> EmergencyPlan:
    plan = get_visible_plan(user, plan_id)
    _require_writer(user, plan.enterprise_id)
    _refuse_unknown(changes, PLAN_FIELDS)
    _apply_plan_fields(plan, changes)
    plan.updated_at = utcnow()
    db.session.flush()
    return plan


def get_visible_plan(user: User, plan_id: str, field: str | None = None) -> EmergencyPlan:
    plan = db.session.scalar(
        select(EmergencyPlan).where(
            EmergencyPlan.id == plan_id,
            EmergencyPlan.enterprise_id.in_(visible_enterprise_ids(user)),
        )
    )
    if plan is None:
        raise NotFound(f"emergency plan {plan_id} not found", field=field)
    return plan


def plan_query(user: User, *, enterprise_id: int | None = None, kind: str | None = None):
    stmt = select(EmergencyPlan).where(
        EmergencyPlan.enterprise_id.in_(visible_enterprise_ids(user))
    )
    if enterprise_id is not None:
        stmt = stmt.where(EmergencyPlan.enterprise_id == enterprise_id)
    if kind is not None:
        stmt = stmt.where(EmergencyPlan.kind == kind)
    return stmt.order_by(EmergencyPlan.enterprise_id, EmergencyPlan.kind, EmergencyPlan.id)


# --- drills -----------------------------------------------------------------------------------


def _apply_drill_fields(user: User, drill: Drill, fields: dict, today: date) -> None:
    if "drill_type" in fields:
        drill.drill_type = checked_choice(fields["drill_type"], DRILL_TYPES, "drill_type")
    if "held_on" in fields:
        held_on = _optional_date(fields["held_on"], "held_on")
        if held_on is None or held_on > today:
            raise Invalid(
                "held_on is the date the drill was held, not in the future.", field="held_on"
            )
        drill.held_on = held_on
    if "participants_count" in fields:
        count = fields["participants_count"]
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 2**31:
            raise Invalid(
                "participants_count must be a non-negative integer.", field="participants_count"
            )
        drill.participants_count = count
    for name in ("evaluation", "improvements"):
        if name in fields:
            setattr(drill, name, checked_text(fields[name], name))
    if fields.get("plan_id") is not None:
        plan = get_visible_plan(user, fields["plan_id"], field="plan_id")
        if plan.enterprise_id != drill.enterprise_id:
            raise NotFound(f"emergency plan {fields['plan_id']} not found", field="plan_id")
        drill.plan_id = plan.id
    elif "plan_id" in fields:
        drill.plan_id = None


def record_drill(user: User, *, enterprise_id: int, now: datetime | None = None, **fields) -> Drill:
    """A safety manager records a drill held: type, date, participants, evaluation (评估) and
    what is to be improved (持续改进, seed 004 item 17)."""
    _require_writer(user, enterprise_id)
    _refuse_unknown(fields, DRILL_FIELDS)
    for name in ("drill_type", "held_on", "participants_count"):
        if name not in fields:
            raise Invalid(f"{name} is required.", field=name)
    drill = Drill(id=new_id(), enterprise_id=enterprise_id, evaluation="", improvements="")
    _apply_drill_fields(user, drill, fields, today_in_shanghai(now))
    db.session.add(drill)
    db.session.flush()
    return drill


def update_drill(user: User, drill_id: str, changes: dict, now: datetime | None = None) -> Drill:
    drill = get_visible_drill(user, drill_id)
    _require_writer(user, drill.enterprise_id)
    _refuse_unknown(changes, DRILL_FIELDS)
    _apply_drill_fields(user, drill, changes, today_in_shanghai(now))
    drill.updated_at = utcnow()
    db.session.flush()
    return drill


def get_visible_drill(user: User, drill_id: str) -> Drill:
    drill = db.session.scalar(
        select(Drill).where(
            Drill.id == drill_id, Drill.enterprise_id.in_(visible_enterprise_ids(user))
        )
    )
    if drill is None:
        raise NotFound(f"drill {drill_id} not found")
    return drill


def drill_query(user: User, *, enterprise_id: int | None = None, year: int | None = None):
    stmt = select(Drill).where(Drill.enterprise_id.in_(visible_enterprise_ids(user)))
    if enterprise_id is not None:
        stmt = stmt.where(Drill.enterprise_id == enterprise_id)
    if year is not None:
        stmt = stmt.where(Drill.held_on >= date(year, 1, 1), Drill.held_on <= date(year, 12, 31))
    return stmt.order_by(Drill.held_on.desc(), Drill.id)


# --- the due rule (seed 004 item 17) ----------------------------------------------------------


def key_unit_classes(config=None) -> frozenset[str]:
    text = (config or current_app.config).get("EMERGENCY_KEY_UNIT_CLASSES", "key")
    return frozenset(part.strip() for part in str(text).split(",") if part.strip())


def period_of(day: date, months: int) -> tuple[date, date]:
    """The calendar year (12) or half-year (6) holding the day: first and last day."""
    if months == 12:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def previous_period(start: date, months: int) -> tuple[date, date]:
    if months == 12:
        return date(start.year - 1, 1, 1), date(start.year - 1, 12, 31)
    if start.month == 7:
        return date(start.year, 1, 1), date(start.year, 6, 30)
    return date(start.year - 1, 7, 1), date(start.year - 1, 12, 31)


def period_months(requirement: Requirement, key_unit: bool) -> int:
    """每年（重点单位每半年） for comprehensive or special drills; 每半年 for on-site ones."""
    if requirement.code == "on_site" or key_unit:
        return 6
    return 12


def requirement_state(
    last_held_on: date | None, today: date, months: int, registered_on: date
) -> dict:
    """done / due / overdue for one requirement, from the last drill of its kind."""
    start, end = period_of(today, months)
    previous_start, previous_end = previous_period(start, months)
    if last_held_on is not None and last_held_on >= start:
        state = "done"
    elif (
        last_held_on is not None and last_held_on >= previous_start
    ) or registered_on > previous_end:
        state = "due"
    else:
        state = "overdue"
    return {
        "period_months": months,
        "period_start": start,
        "period_end": end,
        "last_held_on": last_held_on,
        "state": state,
        # The period that ended without a drill, when overdue.
        "missed_period_start": previous_start if state == "overdue" else None,
    }


def _last_drills(enterprise_ids) -> dict[tuple[int, str], date]:
    rows = db.session.execute(
        select(Drill.enterprise_id, Drill.drill_type, func.max(Drill.held_on))
        .where(Drill.enterprise_id.in_(enterprise_ids))
        .group_by(Drill.enterprise_id, Drill.drill_type)
    )
    return {(enterprise_id, kind): held_on for enterprise_id, kind, held_on in rows}


def _key_units(enterprise_ids) -> set[int]:
    return set(
        db.session.scalars(
            select(EnterpriseClassification.enterprise_id).where(
                EnterpriseClassification.enterprise_id.in_(enterprise_ids),
                EnterpriseClassification.effective_class.in_(key_unit_classes()),
            )
        )
    )


def drill_statuses(enterprises: list[Enterprise], today: date) -> dict[int, dict]:
    """The item-17 state of each enterprise, with two queries for all of them."""
    ids = [enterprise.id for enterprise in enterprises]
    last = _last_drills(ids)
    key_units = _key_units(ids)
    statuses = {}
    for enterprise in enterprises:
        key_unit = enterprise.id in key_units
        registered_on = today_in_shanghai(enterprise.created_at)
        requirements = []
        for requirement in REQUIREMENTS:
            held = [
                last[(enterprise.id, t)]
                for t in requirement.drill_types
                if (enterprise.id, t) in last
            ]
            state = requirement_state(
                max(held, default=None), today, period_months(requirement, key_unit), registered_on
            )
            requirements.append({"code": requirement.code, "label": requirement.label, **state})
        statuses[enterprise.id] = {
            "enterprise_id": enterprise.id,
            "key_unit": key_unit,
            "requirements": requirements,
            "overdue": any(r["state"] == "overdue" for r in requirements),
            "basis": DRILL_RULE_SOURCE,
            "rule": DRILL_RULE_TEXT,
        }
    return statuses


def drill_status(user: User, enterprise_id: int, today: date | None = None) -> dict:
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    return drill_statuses([enterprise], today or today_in_shanghai())[enterprise.id]


def overdue_drills(user: User, jurisdiction_id: int | None = None, today: date | None = None):
    """The flag officials see: the enterprises in scope (under a jurisdiction) whose drills are
    overdue under seed 004 item 17."""
    stmt = select(Enterprise).where(Enterprise.id.in_(visible_enterprise_ids(user)))
    if jurisdiction_id is not None:
        stmt = stmt.where(
            Enterprise.jurisdiction_id.in_(visible_subtree_ids(user, jurisdiction_id))
        )
    enterprises = db.session.scalars(stmt.order_by(Enterprise.id)).all()
    statuses = drill_statuses(enterprises, today or today_in_shanghai())
    names = {enterprise.id: enterprise.name for enterprise in enterprises}
    return [
        {**status, "enterprise_name": names[ent_id]}
        for ent_id, status in statuses.items()
        if status["overdue"]
    ]


def all_drill_statuses(today: date, batch: int = 500):
    """Every enterprise's state, in batches, for the reminder job."""
    last_id = 0
    while True:
        enterprises = db.session.scalars(
            select(Enterprise).where(Enterprise.id > last_id).order_by(Enterprise.id).limit(batch)
        ).all()
        if not enterprises:
            return
        yield from drill_statuses(enterprises, today).values()
        last_id = enterprises[-1].id


# --- the register beside checklist item D17 ---------------------------------------------------


def register_summary(enterprise_id: int, today: date | None = None) -> dict:
    """One line's worth for checklist items D7 and D17: plans (filed or not) and the drills due
    or overdue. Callers check scope first."""
    today = today or today_in_shanghai()
    enterprise = db.session.get(Enterprise, enterprise_id)
    status = drill_statuses([enterprise], today)[enterprise_id]
    plans = db.session.execute(
        select(EmergencyPlan.filing_status, func.count())
        .where(EmergencyPlan.enterprise_id == enterprise_id)
        .group_by(EmergencyPlan.filing_status)
    ).all()
    plan_counts = {"filed": 0, "not_filed": 0, **dict(plans)}
    states = {r["code"]: r["state"] for r in status["requirements"]}
    words = {"done": "已开展", "due": "待开展", "overdue": "逾期未开展"}
    line = f"预案{sum(plan_counts.values())}项（已备案{plan_counts['filed']}）；" + "、".join(
        f"{r['label']}{words[r['state']]}" for r in status["requirements"]
    )
    return {
        "plans": plan_counts,
        "drills": states,
        "drill_overdue": status["overdue"],
        "key_unit": status["key_unit"],
        "line": line,
    }
