"""The enterprise's credit affairs in the portal (/portal/credit): the bad credit records it has
been told of, with its objection (异议, 方案2 L85 "谁提供、谁负责"), and its blacklist entries
with the written notice, its defence (申辩) and its removal application. Every step goes
through the credit services, under the same rules as the API."""

from flask import Response, flash, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError, NotFound
from ..credit import blacklist
from ..credit import records as credit
from ..models import (
    BAD_RECORD_STATUSES,
    BAD_RECORD_TRIGGERS,
    BLACKLIST_STATES,
    BadCreditRecord,
    BlacklistEntry,
    User,
)
from .messages import describe, status_of
from .portal import bp, portal_user

MAX_NOTE = 4000


@bp.get("/credit")
def credit_affairs():
    user, answer = portal_user()
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: str | None = None, status: int = 200):
    records = db.session.scalars(credit.bad_record_query(user)).all()
    entries = db.session.scalars(blacklist.entry_query(user)).all()
    page = render_template(
        "portal/credit.html",
        records=[_record_row(user, record) for record in records],
        entries=[_entry_row(user, entry) for entry in entries],
        error=error,
    )
    return page, status


def _record_row(user: User, record: BadCreditRecord) -> dict:
    return {
        "record": record,
        "trigger": BAD_RECORD_TRIGGERS[record.trigger],
        "status": BAD_RECORD_STATUSES[record.status],
        "may_object": _may(user, credit.TRANSITIONS["object"], record.status),
    }


def _entry_row(user: User, entry: BlacklistEntry) -> dict:
    return {
        "entry": entry,
        "trigger": blacklist.trigger_label(entry),
        "state": BLACKLIST_STATES[entry.state],
        "may_defend": _may(user, blacklist.TRANSITIONS["submit_defence"], entry.state)
        and not entry.defence_text,
        "may_apply": _may(user, blacklist.TRANSITIONS["apply_removal"], entry.state)
        and entry.removal_applied_on is None
        and entry.rectified_on is None,
    }


def _may(user: User, transition, state: str) -> bool:
    return user.role in transition.roles and state in transition.from_states


@bp.post("/credit/records/<string(maxlength=64):record_id>/objection")
def object_to_record(record_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    try:
        record = credit.get_visible_record(user, record_id)
        credit.apply_action(user, record, "object", note=note)
    except DomainError as error:
        return _failed(user, describe(error), status_of(error))
    flash("异议已提交，监管部门将核查后作出决定。")
    return redirect(url_for("portal.credit_affairs"))


@bp.post(
    "/credit/blacklist/<string(maxlength=64):entry_id>/<any(submit_defence, apply_removal):action>"
)
def blacklist_step(entry_id: str, action: str):
    user, answer = portal_user()
    if user is None:
        return answer
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    try:
        entry = blacklist.get_visible_entry(user, entry_id)
        blacklist.apply_action(user, entry, action, note=note)
    except DomainError as error:
        return _failed(user, describe(error), status_of(error))
    flash("申辩意见已提交。" if action == "submit_defence" else "移出申请已提交。")
    return redirect(url_for("portal.credit_affairs"))


@bp.get("/credit/blacklist/<string(maxlength=64):entry_id>/notice")
def blacklist_notice(entry_id: str):
    """The written notice (告知书) as it was sent."""
    user, answer = portal_user()
    if user is None:
        return answer
    entry = blacklist.get_visible_entry(user, entry_id)
    if entry.notice_html is None:
        raise NotFound("This entry has not been notified yet.")
    response = Response(entry.notice_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _failed(user: User, message: str, status: int):
    db.session.rollback()
    return _page(user, message, max(status, 400))
