"""The supervisors' board (/board/): what waits for them (rectifications to verify, extension
requests, credit candidates to review, blacklist steps due, penalty decisions to publish),
overdue rectifications, most overdue first, with filters (jurisdiction, industry, department,
grade), charts drawn on the server as SVG, and a hazard's detail with the actions the
supervisor's role allows.

Supervisors, admins and department officials (行业主管部门, 管行业必须管安全: each sees its
department's enterprises, as core/scope.py says). The pages of the bureau's own procedures —
credit, blacklist, 双公示, grid workers, reports received — are not a department's: they answer
403 to it and their links are hidden (`require_bureau_user`). Lists are the services' queries
(`hazard_query`, the credit queries) and the charts the hazard statistics (`hazard_stats`)
under the same filters; every action goes through the hazard service, as the API's do: no
rule is worked out here.
"""

import re
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from checklists.industries import INDUSTRIES

from ..core.db import db
from ..core.errors import DomainError
from ..core.http import download
from ..core.scope import (
    department_clause,
    get_visible,
    jurisdiction_clause,
    require_department_in_scope,
    scope_root_id,
)
from ..core.spreadsheets import XLSX_MIME, xlsx_bytes
from ..core.timeutil import today_in_shanghai
from ..credit import blacklist
from ..credit import records as credit
from ..enforcement import licences
from ..enforcement import services as enforcement
from ..hazards import reports as hazard_reports
from ..hazards import services as service
from ..hazards.reports import STATS_ROLES
from ..models import (
    BAD_RECORD_TRIGGERS,
    DEPARTMENT_ROLES,
    HAZARD_GRADES,
    HAZARD_STATUSES,
    LICENCE_KINDS,
    Department,
    Enterprise,
    Hazard,
    Jurisdiction,
    User,
)
from ..risks import services as risks
from . import charts, page_blueprint, page_number, render_error, send_photo
from .auth import Area, login_page, logout_page, require_area_user
from .hazard_pages import history_rows, record_photos
from .messages import describe, status_of
from .risk_colours import colour_rows

bp = page_blueprint("board", __name__, "/board")
AREA = Area(
    name="board",
    title="监管看板",
    roles=STATS_ROLES,
    home="board.index",
    wrong_role="监管看板仅供监管部门负责人、行业主管部门人员和系统管理员使用。",
)
NOT_FOR_DEPARTMENTS = "该页面为应急管理部门办理的事项，行业主管部门人员不能使用。"
PAGE_SIZE = 30
MONTHS_SHOWN = 12
QUEUE_SHOWN = 10
# The actions a supervisor takes from a hazard's page, and the words of each button.
BOARD_ACTIONS = {
    "verify": "核验合格，销号",
    "reject": "不合格，退回整改",
    "approve_extension": "同意延期",
    "deny_extension": "不同意延期",
    "reopen": "重新整改",
}


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


def is_bureau(user: User) -> bool:
    """The bureau's own officials (not a department's): they run credit, the blacklist, 双公示,
    the grid workers and receive the reports."""
    return user.role not in DEPARTMENT_ROLES


def require_bureau_user():
    """Like `require_area_user`, and a department official gets 403 (a page of the bureau's
    own procedures)."""
    user, answer = require_area_user(AREA)
    if user is not None and not is_bureau(user):
        return None, render_error(403, NOT_FOR_DEPARTMENTS)
    return user, answer


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
        queues=_queues(user),
        bureau=is_bureau(user),
        risk_colours=colour_rows(risks.scope_level_counts(user)),
        rows=[_row(hazard) for hazard in hazards],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        query={key: value for key, value in request.args.items() if key != "page"},
        jurisdictions=jurisdiction_options(user),
        industries=INDUSTRIES,
        departments=department_options(user),
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
    jurisdiction = id_arg("jurisdiction_id")
    if jurisdiction is not None:
        filters["jurisdiction_id"] = get_visible(Jurisdiction, jurisdiction, user).id
    industry = request.args.get("industry", "")
    if industry:
        if industry not in INDUSTRIES:
            raise BadFilter()
        filters["industry"] = industry
    department = id_arg("department_id")
    if department is not None:
        filters["department_id"] = require_department_in_scope(user, department, "department_id").id
    grade = request.args.get("grade", "")
    if grade:
        if grade not in HAZARD_GRADES:
            raise BadFilter()
        filters["grade"] = grade
    return filters


def id_arg(name: str) -> int | None:
    """An id from the query string (None when absent); anything else is a bad filter."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise BadFilter()
    return int(value)


def _row(hazard: Hazard) -> dict:
    return {
        "hazard": hazard,
        "enterprise": hazard.enterprise,
        "jurisdiction": hazard.enterprise.jurisdiction,
        "grade": HAZARD_GRADES[hazard.grade],
        "status": HAZARD_STATUSES[hazard.status],
        "days_overdue": service.days_overdue(hazard),
    }


def jurisdiction_options(user: User) -> list[tuple[int, str]]:
    nodes = db.session.scalars(
        select(Jurisdiction).where(jurisdiction_clause(user)).order_by(Jurisdiction.path)
    ).all()
    return [(node.id, "\u3000" * (node.path.count("/") - 2) + node.name) for node in nodes]


def department_options(user: User) -> list[tuple[int, str]]:
    departments = db.session.scalars(
        select(Department).where(department_clause(user)).order_by(Department.name)
    )
    return [(department.id, department.name) for department in departments]


def _jurisdiction_bars(user: User, stats: dict, filters: dict) -> list[tuple[str, float]]:
    """One bar per jurisdiction just below the one looked at (each counting its subtree)."""
    focus = filters.get("jurisdiction_id") or scope_root_id(user)
    nodes = stats["by_jurisdiction"]
    shown = [node for node in nodes if node["parent_id"] == focus]
    if not shown:
        shown = [node for node in nodes if node["jurisdiction_id"] == focus]
    return [(node["name"], node["overdue"]) for node in shown]


# --- what waits for the supervisor ----------------------------------------------------------


def _queues(user: User) -> dict:
    """Work waiting on the bureau, oldest first, with counts: each list from a service query.
    A department official gets the hazard queues only (the rest are the bureau's procedures)."""
    awaiting = service.hazard_query(user, status="submitted", sort="due_on")
    extensions = service.hazard_query(user, sort="due_on").where(
        Hazard.extension_requested_due_on.is_not(None)
    )
    hazard_queues = {"awaiting": _hazard_queue(awaiting), "extensions": _hazard_queue(extensions)}
    if not is_bureau(user):
        return hazard_queues
    candidates = credit.bad_record_query(user, status="proposed")
    objected = credit.bad_record_query(user, status="objected")
    return hazard_queues | {
        "credit": _count_and_rows(candidates, _credit_row) | {"objected": _count(objected)},
        "blacklist": _blacklist_queue(user),
        "publication": _count_and_rows(enforcement.publication_due_query(user), _publication_row),
        "licences": _count_and_rows(licences.publication_due_query(user), _licence_row),
    }


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _count_and_rows(stmt, row) -> dict:
    return {
        "count": _count(stmt),
        "rows": [row(item) for item in db.session.scalars(stmt.limit(QUEUE_SHOWN))],
    }


def _hazard_queue(stmt) -> dict:
    stmt = stmt.options(selectinload(Hazard.enterprise))
    return _count_and_rows(stmt, lambda hazard: hazard)


def _credit_row(record) -> dict:
    return {"enterprise": record.enterprise.name, "trigger": BAD_RECORD_TRIGGERS[record.trigger]}


PROPOSALS_WAIT = "事故拟列入待采集"
PROPOSALS_WAIT = "事故拟列入待采集"
# What a blacklist step waits for, as the queue counts it.
BLACKLIST_WAITS = {
    "notify": "待告知",
    "confirm": "待决定是否纳入",
    "accept_defence": "待决定是否纳入",
    "publish": "待公布",
    "accept_rectification": "移出申请待处理",
    "reject_removal": "移出申请待处理",
    "remove": "管理期满待移出",
}


def _blacklist_queue(user: User) -> dict:
    """Entries with a step open to the supervisor today, counted by what they wait for (the
    service says which steps are open; blacklist entries are few, so all are read)."""
    today = today_in_shanghai()
    entries = db.session.scalars(
        blacklist.entry_query(user).where(blacklist.awaiting_supervisor_clause(today))
    ).all()
    rows, counts = [], {}
    for entry in entries:
        waits = list(
            dict.fromkeys(
                BLACKLIST_WAITS[action]
                for action in blacklist.steps_open(entry, user.role, today)
                if action in BLACKLIST_WAITS
            )
        )
        if not waits:
            continue
        for wait in waits:
            counts[wait] = counts.get(wait, 0) + 1
        rows.append({"id": entry.id, "enterprise": entry.enterprise.name, "waits": waits})
    ordered = {
        wait: counts[wait] for wait in dict.fromkeys(BLACKLIST_WAITS.values()) if wait in counts
    }
    proposals = _count(blacklist.uncollected_proposals(user))
    if proposals:
        ordered = {PROPOSALS_WAIT: proposals, **ordered}
    return {"count": len(rows) + proposals, "rows": rows[:QUEUE_SHOWN], "by_wait": ordered}


def _publication_row(decision) -> dict:
    return {
        "id": decision.id,
        "enterprise": decision.party_name,
        "number": decision.number,
        "due_on": decision.publish_due_on,
        "overdue": enforcement.is_publication_overdue(decision),
    }


def _licence_row(licence) -> dict:
    return {
        "id": licence.id,
        "enterprise": licence.holder_name,
        "kind": LICENCE_KINDS[licence.kind],
        "number": licence.licence_number,
        "due_on": licence.publish_due_on,
        "overdue": licences.is_publication_overdue(licence),
    }


# --- one hazard -----------------------------------------------------------------------------


@bp.get("/hazards/<string(maxlength=64):hazard_id>")
def hazard(hazard_id: str):
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    return _detail(user, get_visible(Hazard, hazard_id, user))


def _detail(user: User, hazard: Hazard, error: str | None = None, status: int = 200):
    page = render_template(
        "board/hazard.html",
        hazard=hazard,
        row=_row(hazard),
        plan_fields=service.PLAN_FIELDS,
        history=history_rows(hazard),
        photos=record_photos(hazard),
        actions={
            action: label
            for action, label in BOARD_ACTIONS.items()
            if _may_take(user, hazard, action)
        },
        error=error,
        form=request.form if request.method == "POST" else {},
    )
    return page, status


def _may_take(user: User, hazard: Hazard, action: str) -> bool:
    if user.role not in service.roles_for(action, hazard):
        return False
    if hazard.status not in service.TRANSITIONS[action].from_states:
        return False
    pending = hazard.extension_requested_due_on is not None
    return pending if action in ("approve_extension", "deny_extension") else True


@bp.post("/hazards/<string(maxlength=64):hazard_id>/actions")
def act(hazard_id: str):
    """One action from the hazard's page, through the hazard service (the API's rules)."""
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    action = request.form.get("action", "")
    if action not in BOARD_ACTIONS:
        return _failed(user, hazard, "请选择要执行的操作。", 422)
    try:
        service.apply_action(
            user,
            hazard,
            action,
            note=request.form.get("note", "").strip()[:4000],
            due_on=date_or_none(request.form.get("due_on", "")),
        )
    except ValueError:
        return _failed(user, hazard, "日期格式不正确。", 422)
    except DomainError as error:
        return _failed(user, hazard, describe(error), status_of(error))
    flash(f"已{BOARD_ACTIONS[action]}。")
    return redirect(url_for("board.hazard", hazard_id=hazard.id))


def date_or_none(value: str) -> date | None:
    """A form's date (YYYY-MM-DD), None when left empty; ValueError when it is no date."""
    value = value.strip()
    return date.fromisoformat(value) if value else None


def _failed(user: User, hazard: Hazard, message: str, status: int):
    db.session.rollback()
    return _detail(user, get_visible(Hazard, hazard.id, user), message, max(status, 400))


@bp.get("/ledger.xlsx")
def ledger():
    """The hazard ledger (隐患台账) under the board's filters, as the API exports it."""
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    headers, rows = hazard_reports.ledger(user, _filters(user))
    content = xlsx_bytes("隐患台账", headers, rows)
    return download(content, XLSX_MIME, *hazard_reports.ledger_file_names("xlsx"))


@bp.get("/media/<string(length=64):sha256>")
def media(sha256: str):
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    return send_photo(user, sha256)
