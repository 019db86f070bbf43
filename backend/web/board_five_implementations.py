"""The 五落实 facts on the board (/board/five-implementations): the enterprises in scope, each
with the two facts 附件1 counts that no other register holds — the wall chart posted and the
五落实 checked and accepted — editable in place, and the department's 附件1 figures for this
month at the top. The facts are kept through the reports service, the same call as
`PUT /api/v1/reports/five-implementations/{id}` (方案1 三(二)3: 各行业主管部门…检查验收); the
figures are the rows of the 附件1 workbook."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..core.db import db
from ..core.errors import DomainError, NotFound
from ..core.scope import Forbidden, get_visible, require_department_in_scope
from ..core.timeutil import today_in_shanghai
from ..models import DEPARTMENT_ROLES, Department, Enterprise, User
from ..reports import services as reports
from ..reports.periods import period_of
from ..reports.workbooks import FIVE_IMPLEMENTATIONS_HEADERS, five_implementations_rows
from . import page_number, render_error
from .auth import require_area_user
from .board import (
    AREA,
    PAGE_SIZE,
    bp,
    date_or_none,
    department_options,
    id_arg,
    jurisdiction_options,
)
from .messages import describe, status_of

FIELDS = {"chart_posted_on": "挂图张贴日期", "completed_on": "检查验收合格日期"}
# What the service's rules say, for the people who keep the facts.
RULE_MESSAGES = {
    "future": "{label}不能晚于今天。",
    "above_scale_only": "附件1只统计规模以上企业完成五落实的情况，规模以下企业不填写{label}。",
}


@bp.get("/five-implementations")
def five_implementations():
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: dict | None = None, status: int = 200):
    filters = _filters(user)
    page = page_number()
    stmt = reports.five_implementation_query(user, **filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    department = _headline_department(user, filters)
    month = period_of("five_implementations", today_in_shanghai().strftime("%Y-%m"))
    body = render_template(
        "board/five_implementations.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        query={key: value for key, value in filters.items() if value is not None},
        jurisdictions=jurisdiction_options(user),
        departments=department_options(user),
        department=department,
        month=month,
        headers=FIVE_IMPLEMENTATIONS_HEADERS,
        figures=five_implementations_rows(department, month) if department else [],
        today=today_in_shanghai(),
        error=error,
    )
    return body, status


def _filters(user: User) -> dict:
    return {
        "department_id": id_arg("department_id"),
        "jurisdiction_id": id_arg("jurisdiction_id"),
    } | ({"department_id": user.department_id} if user.role in DEPARTMENT_ROLES else {})


def _headline_department(user: User, filters: dict) -> Department | None:
    """The department whose 附件1 figures head the page: the one chosen (a department
    official's own)."""
    if filters["department_id"] is None:
        return None
    return require_department_in_scope(user, filters["department_id"], "department_id")


@bp.post("/five-implementations/<int:enterprise_id>")
def record_five_implementations(enterprise_id: int):
    """One enterprise's two facts, through the reports service (its scope and rules)."""
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    try:
        dates = {field: date_or_none(request.form.get(field, "")) for field in FIELDS}
    except ValueError:
        return _failed(user, enterprise_id, "日期格式不正确，请按“年-月-日”填写。", 422)
    try:
        reports.record_five_implementations(user, enterprise_id, **dates)
    except (NotFound, Forbidden) as error:
        return render_error(status_of(error), describe(error))
    except DomainError as error:
        return _failed(user, enterprise_id, _message(error), status_of(error))
    flash(f"已保存{get_visible(Enterprise, enterprise_id, user).name}的五落实情况。")
    return redirect(url_for("board.five_implementations", **request.args))


def _message(error: DomainError) -> str:
    rule = error.extra.get("rule")
    if rule in RULE_MESSAGES and error.field in FIELDS:
        return RULE_MESSAGES[rule].format(label=FIELDS[error.field])
    return describe(error)


def _failed(user: User, enterprise_id: int, message: str, status: int):
    db.session.rollback()
    return _page(user, {"enterprise_id": enterprise_id, "message": message}, max(status, 400))
