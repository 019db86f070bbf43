"""Campaigns on the board (/board/campaigns, 专项治理): the campaigns the user sees with their
current phase and progress, one campaign's phases, progress by 镇/街道 and by department, the
target enterprises lagging after 自查自纠 and the campaign reports' state per unit; and a
supervisor's form to start a campaign.

Everything is read and created through the campaigns and reports services under the user's
scope (`campaign_clause`), as the API does; the view only parses the form and words errors.
"""

import re
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from checklists.industries import KEY_INDUSTRIES

from ..campaigns import progress
from ..campaigns import services as campaigns
from ..checklists import services as checklists
from ..core.db import db
from ..core.errors import DomainError, Invalid
from ..core.scope import jurisdiction_clause
from ..core.timeutil import today_in_shanghai
from ..models import Campaign, Jurisdiction, User
from ..reports import services as reports
from .auth import require_area_user
from .board import AREA, bp
from .messages import describe, status_of

LIST_SHOWN = 50
PHASE_ROWS = 4
DEFAULT_CHECKLIST = "duty31"
ORGANISING_LEVELS = ("district", "street")
STANDINGS = {"submitted": "已报送", "late": "逾期", "missing": "未报送"}
PHASE_FIELDS = {"name": "名称", "starts_on": "开始日期", "ends_on": "结束日期"}
FIELD_LABELS = {
    "title": "专项治理名称",
    "jurisdiction_id": "组织单位",
    "phases": "工作阶段",
    "checklist_codes": "检查表",
    "target_filter": "治理对象",
    "target_filter.jurisdiction_id": "治理对象所在镇（街道）",
}
PHASE_FIELD = re.compile(r"phases\.([0-9]+)\.(name|starts_on|ends_on)")


@bp.get("/campaigns")
def campaign_list():
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    return _list_page(user, _form_defaults())


@bp.post("/campaigns")
def create_campaign():
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    form = _posted_form()
    try:
        campaign = campaigns.create_campaign(user, **_create_arguments(form))
    except DomainError as error:
        db.session.rollback()
        return _list_page(user, form, _error_message(error, form)), max(status_of(error), 400)
    flash(f"已创建专项治理“{campaign.title}”。")
    return redirect(url_for("board.campaign_detail", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
def campaign_detail(campaign_id: int):
    user, answer = require_area_user(AREA)
    if user is None:
        return answer
    campaign = campaigns.get_progress_campaign(user, campaign_id)
    today = today_in_shanghai()
    return render_template(
        "board/campaign.html",
        campaign=campaign,
        today=today,
        status=campaigns.status_label(campaign, today),
        timing={phase.id: campaigns.phase_timing(phase, today) for phase in campaign.phases},
        totals=progress.totals(campaign),
        by_phase=progress.by_phase(campaign),
        by_street=progress.by_street(campaign),
        by_department=progress.by_department(campaign),
        self_inspection_ended=campaigns.self_inspection_ended(campaign, today),
        lagging=progress.lagging(campaign, today),
        report_states=reports.campaign_report_states(user, campaign, today),
        standings=STANDINGS,
    )


# ---- the list and the form ----------------------------------------------------------------


def _list_page(user: User, form: dict, error: str | None = None):
    today = today_in_shanghai()
    shown = db.session.scalars(
        campaigns.campaign_query(user).options(selectinload(Campaign.phases)).limit(LIST_SHOWN)
    ).all()
    rows = []
    for campaign in shown:
        phase = campaigns.current_phase(campaign, today)
        rows.append(
            {
                "campaign": campaign,
                "status": campaigns.status_label(campaign, today),
                "phase": phase,
                "days_left": campaigns.days_left(phase, today) if phase else None,
                "figures": progress.totals(campaign),
            }
        )
    may_organise = campaigns.may_organise(user)
    return render_template(
        "board/campaigns.html",
        rows=rows,
        may_organise=may_organise,
        form=form,
        error=error,
        checklists=checklists.current_versions() if may_organise else [],
        industries=KEY_INDUSTRIES,
        jurisdictions=_organiser_options(user) if may_organise else [],
        streets=_street_options(user) if may_organise else [],
    )


def _organiser_options(user: User) -> list[Jurisdiction]:
    return list(
        db.session.scalars(
            select(Jurisdiction)
            .where(jurisdiction_clause(user), Jurisdiction.level.in_(ORGANISING_LEVELS))
            .order_by(Jurisdiction.path)
        )
    )


def _street_options(user: User) -> list[Jurisdiction]:
    return [node for node in _organiser_options(user) if node.level == "street"]


def _form_defaults() -> dict:
    """Seed 004's four phases in this year, its 31-item checklist."""
    phases = campaigns.seed_004_phases(today_in_shanghai().year)
    return {
        "title": "",
        "jurisdiction_id": "",
        "phases": [
            {key: str(value) if isinstance(value, date) else value for key, value in p.items()}
            for p in phases
        ],
        "checklist_code": DEFAULT_CHECKLIST,
        "industries": [],
        "street_id": "",
    }


def _posted_form() -> dict:
    return {
        "title": request.form.get("title", ""),
        "jurisdiction_id": request.form.get("jurisdiction_id", ""),
        "phases": [
            {
                field: request.form.get(f"phase-{index}-{field}", "").strip()
                for field in PHASE_FIELDS
            }
            for index in range(PHASE_ROWS)
        ],
        "checklist_code": request.form.get("checklist_code", "")[:64],
        "industries": [code for code in request.form.getlist("industries") if code][:20],
        "street_id": request.form.get("street_id", ""),
    }


def _create_arguments(form: dict) -> dict:
    """The service's arguments from the form; a value that is not even a date or an id is
    refused here with the field the service would name."""
    rows = [row for row in form["phases"] if any(row.values())]
    street_id = _optional_id(form["street_id"], "target_filter.jurisdiction_id")
    return {
        "title": form["title"],
        "jurisdiction_id": _required_id(form["jurisdiction_id"], "jurisdiction_id"),
        "phases": [
            {
                "name": row["name"],
                "starts_on": _date(row["starts_on"], f"phases.{index}.starts_on"),
                "ends_on": _date(row["ends_on"], f"phases.{index}.ends_on"),
            }
            for index, row in enumerate(rows)
        ],
        "checklist_codes": [form["checklist_code"]] if form["checklist_code"] else [],
        "target_filter": campaigns.TargetFilter(
            industries=tuple(form["industries"]), jurisdiction_id=street_id
        ),
    }


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("Not a date.", field=field) from None


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _optional_id(value: str, field: str) -> int | None:
    return _required_id(value, field) if value else None


def _required_id(value: str, field: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", value or ""):
        raise Invalid("Choose one.", field=field)
    return int(value)


def _error_message(error: DomainError, form: dict) -> str:
    """A Chinese sentence naming the field the service refused."""
    field = error.field or ""
    match = PHASE_FIELD.fullmatch(field)
    if match:
        return _phase_message(int(match[1]), match[2], form)
    if field == "title" and len(form["title"].strip()) > campaigns.TITLE_MAX:
        return f"专项治理名称最多{campaigns.TITLE_MAX}个字。"
    if field == "target_filter":
        return "治理对象：按所选行业和镇（街道）没有找到企业，请调整筛选条件。"
    if field in FIELD_LABELS:
        return f"{FIELD_LABELS[field]}填写有误或未选择，请检查。"
    return describe(error)


def _phase_message(index: int, part: str, form: dict) -> str:
    rows = [row for row in form["phases"] if any(row.values())]
    row = rows[index] if index < len(rows) else {}
    name = row.get("name", "")
    where = f"第{index + 1}阶段{f'（{name}）' if name else ''}的{PHASE_FIELDS[part]}"
    if part == "name":
        if len(name) > campaigns.PHASE_NAME_MAX:
            return f"第{index + 1}阶段的名称最多{campaigns.PHASE_NAME_MAX}个字。"
        return f"{where}未填写。"
    if not _is_date(row.get(part, "")):
        return f"{where}不是有效日期。"
    if part == "ends_on":
        return f"{where}早于开始日期。"
    return f"{where}早于上一阶段的结束日期：各阶段须按顺序排列、不得重叠。"
