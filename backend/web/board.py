"""The supervisors' board (/board/): overdue rectifications, most overdue first, with filters
(jurisdiction, industry, grade), and charts drawn on the server as SVG.

Supervisors and admins only. The list is the hazard list's query (`hazard_query`, overdue,
sorted by days overdue) and the charts are the hazard statistics (`hazard_stats`) under the
same filters: no number is worked out here.
"""

import re

from flask import render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from checklists.industries import INDUSTRIES

from ..core.db import db
from ..core.scope import get_visible, jurisdiction_clause
from ..hazards import reports as hazard_reports
from ..hazards import services as service
from ..hazards.reports import STATS_ROLES
from ..models import HAZARD_GRADES, HAZARD_STATUSES, Enterprise, Hazard, Jurisdiction, User
from . import charts, page_blueprint, page_number, render_error
from .auth import Area, login_page, logout_page, require_area_user

bp = page_blueprint("board", __name__, "/board")
AREA = Area(
    name="board",
    title="监管看板",
    roles=STATS_ROLES,
    home="board.index",
    wrong_role="监管看板仅供监管部门负责人和系统管理员使用。",
)
PAGE_SIZE = 30
MONTHS_SHOWN = 12


class BadFilter(Exception):
    pass


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_page(AREA)


@bp.post("/logout")
def logout():
    return logout_page(AREA)


@bp.errorhandler(BadFilter)
def bad_filter(_error):
    return render_error(400, "筛选条件无效，请重新选择。")


@bp.get("/")
def index():
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    filters = _filters(user)
    page = page_number()
    stmt = service.hazard_query(user, overdue=True, sort="-days_overdue", **filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    hazards = db.session.scalars(
        stmt.options(selectinload(Hazard.enterprise).selectinload(Enterprise.jurisdiction))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    stats = hazard_reports.hazard_stats(user, dict(filters))
    return render_template(
        "board/index.html",
        rows=[_row(hazard) for hazard in hazards],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        query={key: value for key, value in request.args.items() if key != "page"},
        jurisdictions=_jurisdiction_options(user),
        industries=INDUSTRIES,
        grades=HAZARD_GRADES,
        totals=stats["totals"],
        by_jurisdiction=charts.bar_chart(
            _jurisdiction_bars(user, stats, filters), title="各辖区逾期隐患数"
        ),
        by_industry=charts.bar_chart(
            [(row["name"], row["overdue"]) for row in stats["by_industry"] if row["overdue"]],
            title="各行业逾期隐患数",
            color="#c98a00",
        ),
        by_month=charts.rate_chart(
            [
                (f"{row['month'][2:4]}.{row['month'][5:]}", row["rectification_rate"])
                for row in stats["by_month"][-MONTHS_SHOWN:]
            ],
            title="按登记月份的整改销号率",
        ),
    )


def _filters(user: User) -> dict:
    filters = {}
    jurisdiction = request.args.get("jurisdiction_id", "")
    if jurisdiction:
        if not re.fullmatch(r"[0-9]{1,9}", jurisdiction):
            raise BadFilter()
        filters["jurisdiction_id"] = get_visible(Jurisdiction, int(jurisdiction), user).id
    industry = request.args.get("industry", "")
    if industry:
        if industry not in INDUSTRIES:
            raise BadFilter()
        filters["industry"] = industry
    grade = request.args.get("grade", "")
    if grade:
        if grade not in HAZARD_GRADES:
            raise BadFilter()
        filters["grade"] = grade
    return filters


def _row(hazard: Hazard) -> dict:
    return {
        "hazard": hazard,
        "enterprise": hazard.enterprise,
        "jurisdiction": hazard.enterprise.jurisdiction,
        "grade": HAZARD_GRADES[hazard.grade],
        "status": HAZARD_STATUSES[hazard.status],
        "days_overdue": service.days_overdue(hazard),
    }


def _jurisdiction_options(user: User) -> list[tuple[int, str]]:
    nodes = db.session.scalars(
        select(Jurisdiction).where(jurisdiction_clause(user)).order_by(Jurisdiction.path)
    ).all()
    return [(node.id, "\u3000" * (node.path.count("/") - 2) + node.name) for node in nodes]


def _jurisdiction_bars(user: User, stats: dict, filters: dict) -> list[tuple[str, float]]:
    """One bar per jurisdiction just below the one looked at (each counting its subtree)."""
    focus = filters.get("jurisdiction_id") or user.jurisdiction_id
    nodes = stats["by_jurisdiction"]
    shown = [node for node in nodes if node["parent_id"] == focus]
    if not shown:
        shown = [node for node in nodes if node["jurisdiction_id"] == focus]
    return [(node["name"], node["overdue"]) for node in shown]
