"""The enterprise's registers in the portal (/portal/registers): its people and their
certificates (持证上岗), its training records (seed 004 item 10), its emergency plans with their
备案 and its drills (items 7, 17). Its safety managers keep them; its other users read them.
Every change goes through the training and emergency services, under the same rules as the
API."""

from datetime import date, datetime

from flask import flash, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError, Invalid
from ..core.timeutil import SHANGHAI
from ..emergency import services as emergency
from ..models import (
    ASSESSMENT_RESULTS,
    CERTIFICATE_TYPES,
    DRILL_TYPES,
    FILING_STATUSES,
    PERSON_ROLES,
    PLAN_KINDS,
    SPECIAL_OPERATION_CATEGORIES,
    User,
)
from ..training import services as training
from .messages import describe, status_of
from .portal import bp, portal_user

CERTIFICATE_STATES = {
    "valid": "有效",
    "expiring": "即将到期",
    "expired": "已过期",
    "not_yet_valid": "未生效",
}
DRILL_STATES = {"done": "本周期已开展", "due": "本周期待开展", "overdue": "逾期未开展"}
FIELD_LABELS = {
    "name": "姓名",
    "role": "岗位类别",
    "job_title": "职务",
    "person_id": "人员",
    "cert_type": "证书类型",
    "operation_category": "作业类别（特种作业操作证必填）",
    "number": "证书编号",
    "issuer": "发证机关",
    "issued_on": "发证日期",
    "valid_until": "有效期至（不早于发证日期）",
    "held_at": "培训时间",
    "content": "培训内容",
    "hours": "学时（大于0）",
    "participants": "参加人员（至少一人）",
    "kind": "预案类别",
    "title": "预案名称",
    "filing_status": "备案状态",
    "filed_with": "备案部门（已备案时必填）",
    "filed_on": "备案日期（已备案时必填）",
    "drill_type": "演练类型",
    "held_on": "演练日期（不晚于今天）",
    "participants_count": "参演人数",
    "plan_id": "所演练的预案",
}


@bp.get("/registers")
def registers():
    user, answer = portal_user()
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: str | None = None, status: int = 200):
    enterprise_id = user.enterprise_id
    people = db.session.scalars(training.people_query(user, enterprise_id=enterprise_id)).all()
    page = render_template(
        "portal/registers.html",
        may_edit=user.role in training.WRITERS,
        people=people,
        active_people=[person for person in people if person.active],
        certificate_state=lambda c: CERTIFICATE_STATES[training.current_state(c)],
        rate=training.certification_rate(user, enterprise_id),
        trainings=db.session.scalars(
            training.training_query(user, enterprise_id=enterprise_id).limit(50)
        ).all(),
        plans=db.session.scalars(emergency.plan_query(user, enterprise_id=enterprise_id)).all(),
        drills=db.session.scalars(
            emergency.drill_query(user, enterprise_id=enterprise_id).limit(50)
        ).all(),
        drill_status=emergency.drill_status(user, enterprise_id),
        shanghai=SHANGHAI,
        labels={
            "roles": PERSON_ROLES,
            "certificates": CERTIFICATE_TYPES,
            "categories": SPECIAL_OPERATION_CATEGORIES,
            "assessments": ASSESSMENT_RESULTS,
            "plan_kinds": PLAN_KINDS,
            "filing": FILING_STATUSES,
            "drill_types": DRILL_TYPES,
            "drill_states": DRILL_STATES,
        },
        error=error,
    )
    return page, status


def _text(name: str) -> str:
    return request.form.get(name, "").strip()


def _optional(name: str) -> str | None:
    return _text(name) or None


def _date(name: str, required: bool = True) -> date | None:
    value = _text(name)
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} must be a date.", field=name) from None


def _number(name: str, kind=float):
    try:
        return kind(_text(name))
    except ValueError:
        raise Invalid(f"{name} must be a number.", field=name) from None


def _local_time(name: str) -> datetime:
    """A datetime-local field, read as Beijing time."""
    try:
        return datetime.fromisoformat(_text(name)).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise Invalid(f"{name} must be a date and time.", field=name) from None


def _save(change, message: str):
    """Run `change(user)` for the portal's user, through the service it calls (who may change
    what is the service's rule): back to the page with the message, or the page again with
    what was refused."""
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        change(user)
    except DomainError as error:
        db.session.rollback()
        return _page(user, _message(error), max(status_of(error), 400))
    flash(message)
    return redirect(url_for("portal.registers"))


def _message(error: DomainError) -> str:
    label = FIELD_LABELS.get((error.field or "").split(".")[0])
    if isinstance(error, Invalid) and label:
        return f"请检查“{label}”。"
    return describe(error)


@bp.post("/registers/people")
def add_person():
    return _save(
        lambda user: training.add_person(
            user,
            enterprise_id=user.enterprise_id,
            name=_text("name"),
            role=_text("role"),
            job_title=_text("job_title"),
        ),
        "人员已登记。",
    )


@bp.post("/registers/people/<string(maxlength=64):person_id>/leave")
def person_left(person_id: str):
    return _save(
        lambda user: training.update_person(user, person_id, {"active": False}), "已标记为离岗。"
    )


@bp.post("/registers/certificates")
def add_certificate():
    return _save(
        lambda user: training.add_certificate(
            user,
            person_id=_text("person_id"),
            cert_type=_text("cert_type"),
            operation_category=_optional("operation_category"),
            number=_text("number"),
            issuer=_text("issuer"),
            issued_on=_date("issued_on"),
            valid_until=_date("valid_until"),
        ),
        "证书已登记。",
    )


@bp.post("/registers/certificates/<string(maxlength=64):certificate_id>/delete")
def delete_certificate(certificate_id: str):
    return _save(
        lambda user: training.delete_certificate(user, certificate_id), "误录的证书已删除。"
    )


@bp.post("/registers/trainings")
def record_training():
    return _save(
        lambda user: training.record_training(
            user, enterprise_id=user.enterprise_id, **_training_fields()
        ),
        "培训记录已保存。",
    )


@bp.post("/registers/trainings/<string(maxlength=64):session_id>")
def update_training(session_id: str):
    return _save(
        lambda user: training.update_training(user, session_id, _training_fields()),
        "培训记录已修改。",
    )


@bp.post("/registers/trainings/<string(maxlength=64):session_id>/delete")
def delete_training(session_id: str):
    return _save(lambda user: training.delete_training(user, session_id), "误录的培训记录已删除。")


def _training_fields() -> dict:
    """A training form's fields: the participants ticked, each with their assessment."""
    return {
        "held_at": _local_time("held_at"),
        "content": _text("content"),
        "hours": _number("hours"),
        "participants": [
            {"person_id": person_id, "assessment": request.form.get(f"assessment-{person_id}")}
            for person_id in request.form.getlist("participant")
        ],
    }


@bp.post("/registers/plans")
def add_plan():
    return _save(
        lambda user: emergency.add_plan(
            user,
            enterprise_id=user.enterprise_id,
            kind=_text("kind"),
            title=_text("title"),
            issued_on=_date("issued_on", required=False),
            filing_status=_text("filing_status") or "not_filed",
            filed_with=_optional("filed_with"),
            filed_on=_date("filed_on", required=False),
        ),
        "应急预案已登记。",
    )


@bp.post("/registers/drills")
def record_drill():
    return _save(
        lambda user: emergency.record_drill(
            user,
            enterprise_id=user.enterprise_id,
            drill_type=_text("drill_type"),
            held_on=_date("held_on"),
            plan_id=_optional("plan_id"),
            participants_count=_number("participants_count", int),
            evaluation=_text("evaluation"),
            improvements=_text("improvements"),
        ),
        "演练记录已保存。",
    )


@bp.post("/registers/drills/<string(maxlength=64):drill_id>")
def update_drill(drill_id: str):
    return _save(
        lambda user: emergency.update_drill(
            user,
            drill_id,
            {
                "drill_type": _text("drill_type"),
                "held_on": _date("held_on"),
                "plan_id": _optional("plan_id"),
                "participants_count": _number("participants_count", int),
                "evaluation": _text("evaluation"),
                "improvements": _text("improvements"),
            },
        ),
        "演练记录已修改。",
    )
