"""The enterprise's inspections in the portal (/portal/inspections): the reports of supervision
inspections and self-inspections (who, when, which checklist, the score, every item's result with
its note and photos, the hazards it produced), printable; and the self-inspection online for a
safety manager not using the app: pick an applicable checklist, answer item by item (saved as a
draft between visits), finish. Finishing is the inspections service's `finish_inspection`, the
same the app's sync push and the API call: a failed item becomes a hazard there.
"""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from media.errors import MediaError

from ..checklists import services as checklists
from ..core.db import db
from ..core.errors import DomainError, Invalid
from ..core.scope import INSPECTING_ROLES, get_visible
from ..core.timeutil import SHANGHAI
from ..inspections import services as inspections
from ..models import (
    FINDING_RESULTS,
    HAZARD_GRADES,
    HAZARD_STATUSES,
    ROLES,
    Enterprise,
    Inspection,
    User,
)
from . import page_number
from .messages import describe, status_of
from .portal import MAX_PHOTOS, bp, portal_user, receive_upload

PAGE_SIZE = 30
KIND_LABELS = {"supervision": "监管检查", "self_inspection": "企业自查"}
RESULT_LABELS = {"pass": "合格", "fail": "不合格", "na": "不适用"}
SELF_INSPECTION = "self_inspection"


def _when(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _may_self_inspect(user: User) -> bool:
    return user.role in INSPECTING_ROLES[SELF_INSPECTION]


@bp.get("/inspections")
def inspection_list():
    user, answer = portal_user()
    if user is None:
        return answer
    page = page_number()
    finished = inspections.inspection_query(user, status="finished")
    total = db.session.scalar(select(func.count()).select_from(finished.order_by(None).subquery()))
    rows = db.session.scalars(
        finished.options(*_SUMMARY_LOADS).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    drafts = db.session.scalars(
        inspections.inspection_query(user, status="in_progress", kind=SELF_INSPECTION)
        .where(Inspection.inspector_id == user.id)
        .options(*_SUMMARY_LOADS)
    ).all()
    may_self_inspect = _may_self_inspect(user)
    enterprise = get_visible(Enterprise, user.enterprise_id, user)
    return render_template(
        "portal/inspections.html",
        inspections=[_summary(inspection) for inspection in rows],
        drafts=[_summary(inspection) for inspection in drafts],
        checklists=checklists.applicable_versions(enterprise, SELF_INSPECTION)
        if may_self_inspect
        else [],
        may_self_inspect=may_self_inspect,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
    )


# What a row of the list reads, loaded for the whole page at once.
_SUMMARY_LOADS = (
    selectinload(Inspection.findings),
    selectinload(Inspection.checklist_version),
)


def _summary(inspection: Inspection) -> dict:
    hazards = sum(1 for finding in inspection.findings if finding.result == "fail")
    return {
        "inspection": inspection,
        "kind": KIND_LABELS[inspection.kind],
        "title": inspection.checklist_version.title,
        "finished": _when(inspection.finished_received_at),
        "started": _when(inspection.created_at),
        "failed": hazards,
        "answered": len(inspection.findings),
    }


@bp.get("/inspections/<string(maxlength=64):inspection_id>")
def inspection_report(inspection_id: str):
    """The report: printable (the page's print stylesheet drops the navigation)."""
    user, answer = portal_user()
    if user is None:
        return answer
    inspection = get_visible(Inspection, inspection_id, user)
    if _is_own_draft(user, inspection):
        return redirect(url_for("portal.self_inspection", inspection_id=inspection.id))
    inspector = inspection.inspector
    return render_template(
        "portal/inspection.html",
        inspection=inspection,
        kind=KIND_LABELS[inspection.kind],
        inspector=inspector.display_name or inspector.username,
        inspector_role=ROLES.get(inspector.role, ""),
        started=_when(inspection.started_at or inspection.created_at),
        finished=_when(inspection.finished_received_at),
        sections=inspections.inspection_report(inspection),
        results=RESULT_LABELS,
        grades=HAZARD_GRADES,
        statuses=HAZARD_STATUSES,
    )


def _is_own_draft(user: User, inspection: Inspection) -> bool:
    return inspection.status == "in_progress" and inspection.inspector_id == user.id


# --- the self-inspection online ---------------------------------------------------------------


@bp.post("/self-inspections")
def start_self_inspection():
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        inspection = inspections.start_inspection(
            user,
            enterprise_id=user.enterprise_id,
            checklist_version_id=request.form.get("checklist_version_id", ""),
            kind=SELF_INSPECTION,
        )
    except DomainError as error:
        db.session.rollback()
        flash(describe(error))
        return redirect(url_for("portal.inspection_list")), 303
    return redirect(url_for("portal.self_inspection", inspection_id=inspection.id))


@bp.get("/self-inspections/<string(maxlength=64):inspection_id>")
def self_inspection(inspection_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    inspection = get_visible(Inspection, inspection_id, user)
    if inspection.status == "finished":
        return redirect(url_for("portal.inspection_report", inspection_id=inspection.id))
    return _form(user, _own_draft(user, inspection_id))


def _own_draft(user: User, inspection_id: str) -> Inspection:
    """The user's own self-inspection, still open."""
    inspection = get_visible(Inspection, inspection_id, user)
    if inspection.kind != SELF_INSPECTION:
        raise Invalid("Not a self-inspection.", field="inspection_id")
    inspections.require_may_add_evidence(user, inspection)
    return inspection


def _form(user: User, inspection: Inspection, error: str | None = None, status: int = 200):
    sections = inspections.inspection_report(inspection)
    items = [row for section in sections for row in section.rows]
    page = render_template(
        "portal/self_inspection.html",
        inspection=inspection,
        sections=sections,
        answered=sum(1 for row in items if row.finding),
        total=len(items),
        results=RESULT_LABELS,
        form=request.form if request.method == "POST" else {},
        error=error,
        max_photos=MAX_PHOTOS,
    )
    return page, status


@bp.post("/self-inspections/<string(maxlength=64):inspection_id>")
def save_self_inspection(inspection_id: str):
    """Save the answers given so far (a draft); with `finish`, then finish the inspection."""
    user, answer = portal_user()
    if user is None:
        return answer
    inspection = _own_draft(user, inspection_id)
    finish = request.form.get("finish") == "1"
    try:
        _save_answers(user, inspection)
        if finish:
            hazards = inspections.finish_inspection(user, inspection)
    except (DomainError, MediaError) as error:
        db.session.rollback()
        inspection = _own_draft(user, inspection_id)
        return _form(user, inspection, _finish_message(error), max(status_of(error), 400))
    if not finish:
        flash("已保存，可稍后继续填写。")
        return redirect(url_for("portal.self_inspection", inspection_id=inspection.id))
    flash(
        f"自查已完成，{len(hazards)} 项不合格已登记为隐患，请落实整改。"
        if hazards
        else "自查已完成，全部合格或不适用。"
    )
    return redirect(url_for("portal.inspection_report", inspection_id=inspection.id))


def _save_answers(user: User, inspection: Inspection) -> None:
    """Each answered item through `record_finding`; an unanswered one stays open, unless a note
    or a photo was given for it: that is refused rather than silently dropped."""
    for section in inspections.inspection_report(inspection):
        for row in section.rows:
            code = row.item.code
            result = request.form.get(f"result_{code}", "")
            uploads = [u for u in request.files.getlist(f"photos_{code}") if u and u.filename]
            if not result and (request.form.get(f"note_{code}", "").strip() or uploads):
                raise Invalid(
                    "A note or photo was given without a result.", field="result", item=code
                )
            if not result:
                continue
            if result not in FINDING_RESULTS:
                raise Invalid(f"Unknown result {result}.", field="result")
            if len(uploads) > MAX_PHOTOS:
                raise Invalid("Too many photos.", field="photos")
            inspections.record_finding(
                user,
                inspection,
                item_code=code,
                result=result,
                note=request.form.get(f"note_{code}", "").strip(),
                photos=[receive_upload(user, upload) for upload in uploads],
            )


def _finish_message(error: Exception) -> str:
    if isinstance(error, Invalid) and error.field == "findings":
        missing = error.extra.get("missing")
        if missing:
            return f"还有 {len(missing)} 项未填写结果，请逐项选择合格、不合格或不适用后再完成自查。"
        lacking = error.extra.get("missing_photos") or []
        return f"不合格项须附照片：第 {'、'.join(lacking)} 项，请拍照上传后再完成自查。"
    if isinstance(error, Invalid) and error.field == "result" and error.extra.get("item"):
        return f"第 {error.extra['item']} 项填写了说明或照片，请选择合格、不合格或不适用后再保存。"
    if isinstance(error, Invalid) and error.field == "note":
        return "说明最多 2000 字。"
    if isinstance(error, Invalid) and error.field == "photos":
        return f"每项最多上传 {MAX_PHOTOS} 张照片。"
    return describe(error)
