"""The credit procedure from the board (/board/credit): the bad credit records that wait for a
supervisor — candidates to review (审核, then 告知), objections to answer, notices whose
objection period is over — each with the steps the supervisor may take, through the credit
service (方案2 L79: 采集、审核、告知、异议处理)."""

from flask import flash, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError
from ..credit import records as credit
from ..models import BAD_RECORD_STATUSES, BAD_RECORD_TRIGGERS, BadCreditRecord, User
from .board import bp, require_bureau_user
from .messages import describe, status_of

WAITING = ("proposed", "notified", "objected")
STEP_LABELS = {action: credit.ACTION_LABELS[action] for action in ("review", "decide", "dismiss")}


@bp.get("/credit")
def credit_queue():
    user, answer = require_bureau_user()
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: str | None = None, status: int = 200):
    records = db.session.scalars(
        credit.bad_record_query(user).where(BadCreditRecord.status.in_(WAITING))
    ).all()
    page = render_template(
        "board/credit.html",
        rows=[_row(user, record) for record in records],
        error=error,
    )
    return page, status


def _row(user: User, record: BadCreditRecord) -> dict:
    return {
        "record": record,
        "enterprise": record.enterprise.name,
        "trigger": BAD_RECORD_TRIGGERS[record.trigger],
        "status": BAD_RECORD_STATUSES[record.status],
        "steps": {
            action: label
            for action, label in STEP_LABELS.items()
            if user.role in credit.TRANSITIONS[action].roles
            and record.status in credit.TRANSITIONS[action].from_states
        },
    }


@bp.post("/credit/<string(maxlength=64):record_id>")
def credit_step(record_id: str):
    user, answer = require_bureau_user()
    if user is None:
        return answer
    action = request.form.get("action", "")
    if action not in STEP_LABELS:
        return _failed(user, "请选择要执行的操作。", 422)
    try:
        record = credit.get_visible_record(user, record_id)
        credit.apply_action(user, record, action, note=request.form.get("note", "").strip()[:4000])
    except DomainError as error:
        return _failed(user, describe(error), status_of(error))
    flash(f"已{STEP_LABELS[action]}。")
    return redirect(url_for("board.credit_queue"))


def _failed(user: User, message: str, status: int):
    db.session.rollback()
    return _page(user, message, max(status, 400))
