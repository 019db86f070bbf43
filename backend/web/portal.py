"""The enterprise portal (/portal/): an enterprise's own hazards, their deadlines and states,
a hazard's detail with its photos, submitting a rectification with after-photos, and the
enterprise's own 自查、自改、自报: reporting a hazard it found (or fixed on the spot), and the
核验 (verify = 销号, reject = 返工) of a self-found general hazard.

Enterprise users only. Everything goes through authz and the hazard and photo services: the
list is the hazard list's query, a rectification is `apply_action` (start_rectification with
the plan when the hazard has not started yet, then submit), a report is `report_hazard`, photos
are `receive_upload`.
"""

import hashlib
from datetime import date

from flask import flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select

from media.errors import MediaError

from ..core.db import db
from ..core.errors import DomainError, Invalid
from ..core.scope import get_visible
from ..hazards import services as service
from ..models import (
    ENTERPRISE_ROLES,
    HAZARD_GRADES,
    HAZARD_STATUSES,
    SAFETY_CODE_COLORS,
    Enterprise,
    Hazard,
    User,
)
from ..photos import services as photos
from ..safety_code import posters
from ..safety_code import services as codes
from . import page_blueprint, page_number, send_photo
from .auth import Area, login_page, logout_page, require_area_user
from .hazard_pages import history_rows, record_photos
from .messages import describe, status_of

bp = page_blueprint("portal", __name__, "/portal")
AREA = Area(
    name="portal",
    title="企业端",
    roles=ENTERPRISE_ROLES,
    home="portal.hazards",
    wrong_role="企业端仅供企业用户登录；监管部门请使用监管看板。",
)
PAGE_SIZE = 30
MAX_PHOTOS = 10
LIST_FILTERS = {"open": "未销号", "overdue": "已逾期", "closed": "已销号", "all": "全部"}
VERIFICATION_DECISIONS = {"verify": "已核验销号。", "reject": "已退回返工整改。"}
REPORT_MESSAGES = {
    "title": "请填写隐患名称。",
    "location": "隐患部位最多 500 字。",
    "due_on": "请填写整改期限（今天起一年内的日期）。",
    "photos": "立查立改需要整改前的照片。",
    "after_photos": "立查立改需要整改后的照片。",
    "fixed_on_spot": "重大事故隐患不能立查立改，须制定治理方案并报告监管部门。",
}


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_page(AREA)


@bp.post("/logout")
def logout():
    return logout_page(AREA)


@bp.get("/")
def home():
    return redirect(url_for("portal.hazards"))


def portal_user() -> tuple[User | None, object]:
    return require_area_user(AREA)


@bp.get("/hazards")
def hazards():
    user, answer = portal_user()
    if user is None:
        return answer
    shown = request.args.get("show", "open")
    if shown not in LIST_FILTERS:
        shown = "open"
    page = page_number()
    stmt = service.hazard_query(
        user,
        overdue=True if shown == "overdue" else None,
        status="closed" if shown == "closed" else None,
        sort="due_on",
    )
    if shown == "open":
        stmt = stmt.where(Hazard.status.in_(service.OPEN_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    enterprise = db.session.get(Enterprise, user.enterprise_id)
    color = codes.refresh_safety_code_color(enterprise.id)
    return render_template(
        "portal/hazards.html",
        enterprise=enterprise,
        color=color,
        color_label=SAFETY_CODE_COLORS[color],
        hazards=[_row(hazard) for hazard in rows],
        shown=shown,
        filters=LIST_FILTERS,
        may_report=user.role in service.REPORTERS,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
    )


def _row(hazard: Hazard) -> dict:
    return {
        "hazard": hazard,
        "grade": HAZARD_GRADES[hazard.grade],
        "status": HAZARD_STATUSES[hazard.status],
        "overdue": service.is_overdue(hazard),
        "days_overdue": service.days_overdue(hazard),
    }


@bp.get("/hazards/<string(maxlength=64):hazard_id>")
def hazard(hazard_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    return _detail(user, hazard)


def _detail(user: User, hazard: Hazard, error: str | None = None, status: int = 200):
    submit = service.TRANSITIONS["submit"]
    start = service.TRANSITIONS["start_rectification"]
    extension = service.TRANSITIONS["request_extension"]
    may_start = user.role in start.roles and hazard.status in start.from_states
    may_rectify = user.role in submit.roles and hazard.status in submit.from_states
    may_request_extension = (
        user.role in extension.roles
        and hazard.status in extension.from_states
        and hazard.extension_requested_due_on is None
    )
    may_verify = user.role in service.roles_for("verify", hazard) and (
        hazard.status in service.TRANSITIONS["verify"].from_states
    )
    needs_plan = hazard.status in start.from_states
    plan_fields = service.PLAN_FIELDS if hazard.grade == "major" else service.FIVE_IMPLEMENTATIONS
    page = render_template(
        "portal/hazard.html",
        row=_row(hazard),
        hazard=hazard,
        history=history_rows(hazard),
        earlier_photos=record_photos(hazard),
        may_start=may_start,
        may_rectify=may_rectify,
        may_request_extension=may_request_extension,
        may_verify=may_verify,
        is_manager=user.role in submit.roles,
        needs_plan=needs_plan,
        plan_fields=plan_fields,
        required_plan=set(service.REQUIRED_PLAN_FIELDS[hazard.grade]),
        plan=hazard.plan or {},
        form=request.form if request.method == "POST" else {},
        error=error,
        max_photos=MAX_PHOTOS,
    )
    return page, status


@bp.post("/hazards/<string(maxlength=64):hazard_id>/rectification")
def submit_rectification(hazard_id: str):
    """Start rectification with the plan if needed, then submit with the after-photos."""
    user, answer = portal_user()
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    files = [upload for upload in request.files.getlist("photos") if upload and upload.filename]
    if len(files) > MAX_PHOTOS:
        return _failed(user, hazard, f"一次最多上传 {MAX_PHOTOS} 张照片。", 422)
    note = request.form.get("note", "").strip()[:4000]
    plan = _plan_from_form()
    try:
        # Everything that can refuse the submission comes before the photos are stored: bytes
        # stored for a refused action would outlive its rollback.
        if hazard.status in service.TRANSITIONS["start_rectification"].from_states:
            service.apply_action(user, hazard, "start_rectification", plan=plan or None)
        service.require_may_take(user, hazard, "submit")
        shas = [receive_upload(user, upload) for upload in files]
        service.apply_action(user, hazard, "submit", note=note, photos=shas)
    except (DomainError, MediaError) as error:
        return _failed(user, hazard, describe(error), status_of(error))
    flash("整改已提交成功。")
    return redirect(url_for("portal.hazard", hazard_id=hazard.id))


@bp.post("/hazards/<string(maxlength=64):hazard_id>/start")
def start_rectification(hazard_id: str):
    """Step one: the plan (五落实; a major hazard's 治理方案 too) filed, rectification begun."""
    user, answer = portal_user()
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    try:
        service.apply_action(user, hazard, "start_rectification", plan=_plan_from_form() or None)
    except DomainError as error:
        return _failed(user, hazard, describe(error), status_of(error))
    flash("整改方案已落实，开始整改。整改完成后请上传整改后照片提交复查。")
    return redirect(url_for("portal.hazard", hazard_id=hazard.id))


@bp.post("/hazards/<string(maxlength=64):hazard_id>/extension")
def request_extension(hazard_id: str):
    """An extension request with its reason; a supervisor decides it."""
    user, answer = portal_user()
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    try:
        due_on = date.fromisoformat(request.form.get("due_on", ""))
    except ValueError:
        return _failed(user, hazard, "请选择申请延期至的日期。", 422)
    note = request.form.get("note", "").strip()[:4000]
    try:
        service.apply_action(user, hazard, "request_extension", due_on=due_on, note=note)
    except DomainError as error:
        return _failed(user, hazard, describe(error), status_of(error))
    flash(f"延期申请已提交（申请延期至 {due_on}），等待监管部门审批。")
    return redirect(url_for("portal.hazard", hazard_id=hazard.id))


def _plan_from_form() -> dict:
    return {
        name: request.form.get(f"plan_{name}", "").strip()[:4000]
        for name in service.PLAN_FIELDS
        if request.form.get(f"plan_{name}", "").strip()
    }


@bp.post("/hazards/<string(maxlength=64):hazard_id>/verification")
def verify_rectification(hazard_id: str):
    """The enterprise's 核验 of its self-found general hazard: 销号 (verify) or 返工 (reject),
    with its assessment of the rectification's quality (青安委〔2024〕2号 item 31)."""
    user, answer = portal_user()
    if user is None:
        return answer
    hazard = get_visible(Hazard, hazard_id, user)
    decision = request.form.get("decision", "")
    if decision not in VERIFICATION_DECISIONS:
        return _failed(user, hazard, "请选择核验结论。", 422)
    note = request.form.get("note", "").strip()[:4000]
    try:
        service.apply_action(user, hazard, decision, note=note)
    except DomainError as error:
        message = "请填写核验意见（整改质量评估）。" if _is_field(error, "note") else None
        return _failed(user, hazard, message or describe(error), status_of(error))
    flash(VERIFICATION_DECISIONS[decision])
    return redirect(url_for("portal.hazard", hazard_id=hazard.id))


def _is_field(error: Exception, name: str) -> bool:
    return isinstance(error, Invalid) and error.field == name


def _failed(user: User, hazard: Hazard, message: str, status: int):
    # The whole submission is undone (the request's error status rolls it back); the form
    # keeps what was typed.
    db.session.rollback()
    hazard = get_visible(Hazard, hazard.id, user)
    return _detail(user, hazard, message, status if status >= 400 else 422)


def receive_upload(user: User, upload) -> str:
    """One uploaded file through the photo intake service (the same checks as the API)."""
    stream = upload.stream
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    media, _created = photos.receive_upload(user, stream, digest.hexdigest())
    return media.sha256


@bp.get("/hazards/new")
def new_hazard():
    user, answer = portal_user()
    if user is None:
        return answer
    return _report_form(user)


@bp.post("/hazards/new")
def report_hazard():
    """自报 (方案4 L140): the enterprise reports a hazard it found itself, outside any checklist;
    a general one fixed at once (立查立改, 16号令 第十五条) is reported and closed in one step."""
    user, answer = portal_user()
    if user is None:
        return answer
    form = request.form
    before, after = _uploads("photos"), _uploads("after_photos")
    if len(before) > MAX_PHOTOS or len(after) > MAX_PHOTOS:
        return _report_failed(user, f"每组最多上传 {MAX_PHOTOS} 张照片。", 422)
    fixed_on_spot = form.get("fixed_on_spot") == "1"
    try:
        hazard = service.report_hazard(
            user,
            enterprise_id=user.enterprise_id,
            title=form.get("title", ""),
            description=form.get("description", "")[:4000],
            location=form.get("location", ""),
            grade=form.get("grade", "general"),
            due_on=_form_date(form.get("due_on", ""), "due_on"),
            photos=[receive_upload(user, upload) for upload in before],
            fixed_on_spot=fixed_on_spot,
            after_photos=[receive_upload(user, upload) for upload in after],
        )
    except (DomainError, MediaError) as error:
        field = getattr(error, "field", None)
        message = REPORT_MESSAGES.get(field) if isinstance(error, Invalid) else None
        return _report_failed(user, message or describe(error), status_of(error))
    flash("隐患已立查立改并销号。" if fixed_on_spot else "隐患已登记。")
    return redirect(url_for("portal.hazard", hazard_id=hazard.id))


def _uploads(name: str) -> list:
    return [upload for upload in request.files.getlist(name) if upload and upload.filename]


def _form_date(text: str, field: str) -> date | None:
    """A date typed into a form (YYYY-MM-DD), or None when left empty."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{field} must be a date YYYY-MM-DD.", field=field) from None


def _report_form(user: User, error: str | None = None, status: int = 200):
    page = render_template(
        "portal/report.html",
        may_report=user.role in service.REPORTERS,
        grades=HAZARD_GRADES,
        form=request.form if request.method == "POST" else {},
        error=error,
        max_photos=MAX_PHOTOS,
    )
    return page, status


def _report_failed(user: User, message: str, status: int):
    db.session.rollback()  # photos received for a report that failed are not kept either
    return _report_form(user, message, status if status >= 400 else 422)


@bp.get("/media/<string(length=64):sha256>")
def media(sha256: str):
    user, answer = portal_user()
    if user is None:
        return answer
    return send_photo(user, sha256)


@bp.get("/poster.pdf")
def poster():
    """The enterprise's own safety-code poster, to print and post at the gate."""
    user, answer = portal_user()
    if user is None:
        return answer
    enterprise = get_visible(Enterprise, user.enterprise_id, user)
    code = codes.current_code(enterprise, user)
    content = posters.poster_pdf(enterprise, codes.public_url(code.token))
    response = make_response(content)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="changanma-{enterprise.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
