"""An enterprise on the board (/board/enterprises): the enterprises in scope, found by name or
USCC, with the 持证上岗率 per jurisdiction (seed 001 L27's 100 % target), and one enterprise's
page: its class, safety-code colour, open hazards and its registers read-only — risk points
(four colours), major hazard installations (S, R, grade, 备案, evaluation due, the reminders'
flags), people and certificates (持证上岗率, expiring, expired), emergency plans and drills
(item 17's due and overdue).

Officials in scope only: an enterprise outside it is 404, like the API. Every figure comes from
the domain services the API uses; nothing is worked out here.
"""

from flask import current_app, render_template, request
from sqlalchemy import func, select

from ..classification import services as classification
from ..core.db import db
from ..core.scope import enterprise_clause, get_visible, jurisdiction_clause, scope_root_id
from ..core.timeutil import today_in_shanghai
from ..emergency import services as emergency
from ..enterprises import services as enterprise_service
from ..hazards import services as hazards
from ..models import (
    CERTIFICATE_TYPES,
    ENTERPRISE_CLASSES,
    FILING_STATUSES,
    HAZARD_GRADES,
    HAZARD_STATUSES,
    INSTALLATION_FILING_STATUSES,
    INSTALLATION_GRADES,
    PERSON_ROLES,
    PLAN_KINDS,
    RISK_COLOUR_LABELS,
    RISK_COLOURS,
    RISK_LEVELS,
    SAFETY_CODE_COLORS,
    Enterprise,
    Hazard,
    Jurisdiction,
    User,
)
from ..risks import services as risks
from ..training import services as training
from . import page_number
from .auth import require_area_user
from .board import AREA, PAGE_SIZE, bp
from .risk_colours import colour_rows

MAX_QUERY = 100
CERTIFICATE_STATES = {
    "valid": "有效",
    "expiring": "即将到期",
    "expired": "已过期",
    "not_yet_valid": "未生效",
}
DRILL_STATES = {"done": "本周期已开展", "due": "本周期待开展", "overdue": "逾期未开展"}
INSTALLATION_FLAGS = {
    "evaluation_due": "安全评估即将满三年",
    "evaluation_overdue": "安全评估已满三年未重新评估",
    "filing_overdue": "逾期未备案",
}


@bp.get("/enterprises")
def enterprises():
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    stmt = select(Enterprise).where(enterprise_clause(user))
    if q:
        stmt = stmt.where(enterprise_service.search_clause(q))
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.order_by(Enterprise.name, Enterprise.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "board/enterprises.html",
        q=q,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        colours=SAFETY_CODE_COLORS,
        certification=_certification_by_jurisdiction(user),
    )


def _certification_by_jurisdiction(user: User) -> list[dict]:
    """The 持证上岗率 of the user's jurisdiction and of each one just below it (a system-wide
    admin: each top-level jurisdiction; a department official: its territory)."""
    parent = scope_root_id(user)
    nodes = db.session.scalars(
        select(Jurisdiction)
        .where(jurisdiction_clause(user))
        .where(
            (Jurisdiction.id == parent) | (Jurisdiction.parent_id == parent)
            if parent is not None
            else Jurisdiction.parent_id.is_(None)
        )
        .order_by(Jurisdiction.path)
    ).all()
    today = today_in_shanghai()
    return [
        {"jurisdiction": node, **training.jurisdiction_certification(user, node.id, today)}
        for node in nodes
    ]


@bp.get("/enterprises/<int:enterprise_id>")
def enterprise(enterprise_id: int):
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    enterprise = get_visible(Enterprise, enterprise_id, user)
    today = today_in_shanghai()
    return render_template(
        "board/enterprise.html",
        enterprise=enterprise,
        today=today,
        classification=classification.current_classification(user, enterprise.id),
        class_labels=ENTERPRISE_CLASSES,
        colours=SAFETY_CODE_COLORS,
        hazards=_open_hazards(user, enterprise.id),
        hazard_grades=HAZARD_GRADES,
        hazard_statuses=HAZARD_STATUSES,
        risk_colours=colour_rows(risks.level_counts([enterprise.id])[enterprise.id]),
        risk_points=db.session.scalars(
            risks.risk_point_query(user, enterprise_id=enterprise.id)
        ).all(),
        risk_levels=RISK_LEVELS,
        risk_colour_of=lambda level: RISK_COLOUR_LABELS[RISK_COLOURS[level]],
        installations=db.session.scalars(
            risks.installation_query(user, enterprise_id=enterprise.id)
        ).all(),
        installation_flags=_installation_flags(enterprise.id, today),
        installation_grades=INSTALLATION_GRADES,
        filing_statuses=INSTALLATION_FILING_STATUSES,
        flag_labels=INSTALLATION_FLAGS,
        rate=training.certification_rate(user, enterprise.id, today),
        certificates=db.session.scalars(
            training.certificate_query(user, enterprise_id=enterprise.id)
        ).all(),
        certificate_state=lambda c: CERTIFICATE_STATES[training.current_state(c)],
        certificate_types=CERTIFICATE_TYPES,
        person_roles=PERSON_ROLES,
        plans=db.session.scalars(emergency.plan_query(user, enterprise_id=enterprise.id)).all(),
        plan_kinds=PLAN_KINDS,
        plan_filing=FILING_STATUSES,
        drill_status=emergency.drill_status(user, enterprise.id, today),
        drill_states=DRILL_STATES,
    )


def _open_hazards(user: User, enterprise_id: int) -> list[Hazard]:
    stmt = hazards.hazard_query(user, enterprise_id=enterprise_id)
    return db.session.scalars(stmt.where(Hazard.status.in_(hazards.OPEN_STATUSES))).all()


def _installation_flags(enterprise_id: int, today) -> dict[str, list]:
    """installation id → its flags (the ones the reminder job sends)."""
    flags: dict[str, list] = {}
    for flag in risks.flagged_installations(
        today, enterprise_id=enterprise_id, **risks.flag_settings(current_app.config)
    ):
        flags.setdefault(flag.installation.id, []).append(flag)
    return flags
