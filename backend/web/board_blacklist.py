"""The blacklist procedure from the board (/board/blacklist): what a supervisor acts on — an
accident's proposal to collect (信息采集, level and term from the accident), collected entries to
notify (告知书, with the defence period), notified ones to decide once the
enterprise defended itself or the period is over, confirmed ones to publish, and those in
publication whose removal application waits or whose term is over — each with the steps open
to the supervisor today, through the blacklist service (方案5 L189–193, 方案2 L84)."""

from flask import Response, flash, redirect, render_template, request, url_for

from ..accidents import services as accidents
from ..core.db import db
from ..core.errors import Conflict, DomainError, NotFound
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..credit import blacklist
from ..models import (
    ACCIDENT_LEVELS,
    ACCIDENT_SEVERITY_LEVELS,
    BLACKLIST_LIST_LEVELS,
    BLACKLIST_STATES,
    FATAL_ACCIDENT_WORDING,
    Accident,
    BlacklistEntry,
    User,
)
from .board import bp, require_bureau_user
from .messages import describe, status_of

MAX_NOTE = 4000
# The page's sections, in the order of the procedure.
SECTIONS = (
    ("collected", "待告知（信息采集）"),
    ("notified", "告知期（听取申辩）"),
    ("confirmed", "待公布（已确认纳入）"),
    ("published", "公布中"),
)
SUPERVISOR_STEPS = (
    "notify",
    "accept_defence",
    "confirm",
    "publish",
    "accept_rectification",
    "reject_removal",
    "remove",
)
STEP_LABELS = {action: blacklist.ACTION_LABELS[action] for action in SUPERVISOR_STEPS}


@bp.get("/blacklist")
def blacklist_queue():
    user, answer = require_bureau_user()
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: str | None = None, status: int = 200):
    today = today_in_shanghai()
    entries = db.session.scalars(
        blacklist.entry_query(user).where(BlacklistEntry.state.in_([s for s, _ in SECTIONS]))
    ).all()
    rows = [_row(user, entry, today) for entry in entries]
    proposals = db.session.scalars(blacklist.uncollected_proposals(user)).unique().all()
    page = render_template(
        "board/blacklist.html",
        proposals=[_proposal(accident) for accident in proposals],
        may_collect=user.role in blacklist.SUPERVISOR,
        sections=[
            (state, title, [row for row in rows if row["entry"].state == state])
            for state, title in SECTIONS
        ],
        error=error,
        today=today,
    )
    return page, status


def _row(user: User, entry: BlacklistEntry, today) -> dict:
    level = entry.accident_level
    return {
        "entry": entry,
        "enterprise": entry.enterprise.name,
        "trigger": blacklist.trigger_label(entry),
        "state": BLACKLIST_STATES[entry.state],
        "list_level": BLACKLIST_LIST_LEVELS[entry.list_level],
        "accident_level": ACCIDENT_LEVELS[level] if level != "none" else None,
        "term_ended": entry.ends_on is not None and today > entry.ends_on,
        "steps": {
            action: STEP_LABELS[action]
            for action in blacklist.steps_open(entry, user.role, today)
            if action in STEP_LABELS
        },
    }


def _proposal(accident: Accident) -> dict:
    occurred = accident.occurred_at.astimezone(SHANGHAI)
    severity = ACCIDENT_SEVERITY_LEVELS[accident.level]
    return {
        "accident": accident,
        "enterprise": accident.enterprise.name,
        "occurred": f"{occurred:%Y-%m-%d %H:%M}",
        "severity": severity,
        "trigger": FATAL_ACCIDENT_WORDING[accident.blacklist_list_level],
        "list_level": BLACKLIST_LIST_LEVELS[accident.blacklist_list_level],
        "reason": f"{occurred:%Y年%m月%d日}发生生产安全责任事故（{severity}），"
        f"死亡{accident.deaths}人",
        "facts": accident.summary or f"{accident.place}，死亡{accident.deaths}人。",
    }


@bp.post("/blacklist/accidents/<string(maxlength=64):accident_id>")
def collect_on_accident(accident_id: str):
    """信息采集 on an accident's proposal: trigger, level and term come from the accident."""
    user, answer = require_bureau_user()
    if user is None:
        return answer
    try:
        accident = accidents.get_visible_accident(user, accident_id)
        blacklist.collect(
            user,
            enterprise_id=accident.enterprise_id,
            trigger=accident.blacklist_trigger or "fatal_accident",
            reason=request.form.get("reason", "")[:MAX_NOTE],
            facts=request.form.get("facts", "")[:MAX_NOTE],
            accident_id=accident.id,
        )
    except DomainError as error:
        return _failed(user, _describe(error), status_of(error))
    flash("已信息采集，请送达告知书。")
    return redirect(url_for("board.blacklist_queue"))


@bp.post("/blacklist/<string(maxlength=64):entry_id>")
def blacklist_step(entry_id: str):
    user, answer = require_bureau_user()
    if user is None:
        return answer
    action = request.form.get("action", "")
    if action not in STEP_LABELS:
        return _failed(user, "请选择要执行的操作。", 422)
    try:
        entry = blacklist.get_visible_entry(user, entry_id)
        blacklist.apply_action(user, entry, action, note=request.form.get("note", "")[:MAX_NOTE])
    except DomainError as error:
        return _failed(user, _describe(error), status_of(error))
    flash(f"已{STEP_LABELS[action]}。")
    return redirect(url_for("board.blacklist_queue"))


@bp.get("/blacklist/<string(maxlength=64):entry_id>/notice")
def blacklist_notice(entry_id: str):
    """The written notice (告知书) as the enterprise received it."""
    user, answer = require_bureau_user()
    if user is None:
        return answer
    entry = blacklist.get_visible_entry(user, entry_id)
    if entry.notice_html is None:
        raise NotFound("This entry has not been notified yet.")
    response = Response(entry.notice_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _describe(error: DomainError) -> str:
    """The procedure's refusals in the supervisor's words (the dates the service gives)."""
    if isinstance(error, Conflict):
        extra = error.extra
        if "defence_due_on" in extra:
            return f"申辩期至{extra['defence_due_on']}，期满前未收到申辩意见的，不能确认纳入。"
        if "entry_id" in extra:
            state = BLACKLIST_STATES.get(extra.get("current_state"), "")
            return f"该企业已有处于“{state}”的“黑名单”记录，不能重复采集。"
        if "ends_on" in extra:
            return f"管理期限至{extra['ends_on']}，期满后方可移出。"
        state = BLACKLIST_STATES.get(extra.get("current_state"), extra.get("current_state"))
        if state:
            return f"该“黑名单”记录当前为“{state}”，不能执行此操作，请刷新页面查看最新状态。"
    return describe(error)


def _failed(user: User, message: str, status: int):
    db.session.rollback()
    return _page(user, message, max(status, 400))
