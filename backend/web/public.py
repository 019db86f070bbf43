"""The public landing page of a safety code (GET /q/<token>): what anyone at the gate may see.

Live (no caching) and nothing private: the enterprise's name, USCC, industry and jurisdiction,
its colour, how many hazards are open, overdue and waiting for an official's verification
(numbers only, no details), how many risk points of each colour (counts only), the date of its
last inspection, its standardisation grade — not
while it is on the blacklist ("对纳入'黑名单'的生产经营单位…下调或取消安全生产诚信等级", 方案5
L196; the grade is the 诚信等级, L195) — and how to report a hazard. No people's names, no
phone numbers, no photos, no hazard titles.
"""

from flask import current_app, render_template, request
from sqlalchemy import func, select

from checklists.industries import INDUSTRIES

from ..core.db import db
from ..core.timeutil import SHANGHAI
from ..credit import blacklist
from ..credit.commitments import public_commitments
from ..credit.levels import BLACKLIST_LEVEL_ORDER, entry_levels_on_list
from ..credit.records import blacklisted_enterprise_ids, published_records
from ..enforcement import licences
from ..enforcement import services as enforcement
from ..models import (
    BAD_RECORD_TRIGGERS,
    SAFETY_CODE_COLORS,
    STANDARDISATION_GRADES,
    Enterprise,
    Jurisdiction,
    utcnow,
)
from ..risks import services as risks
from ..safety_code import scans
from ..safety_code import services as codes
from ..safety_code.posters import REPORT_HOTLINE
from . import page_blueprint, page_number
from .risk_colours import colour_rows

bp = page_blueprint("public_pages", __name__, "/q")
blacklist_bp = page_blueprint("public_blacklist_page", __name__, "/blacklist")
gongshi_bp = page_blueprint("public_penalties_page", __name__, "/gongshi")
home_bp = page_blueprint("home", __name__, "")

COLOR_MEANINGS = {
    "green": "企业目前无逾期未整改隐患、无重大事故隐患、无管理期内的不良信用记录。",
    "yellow": "企业存在逾期未整改的隐患、正在整改的重大事故隐患，或尚在管理期内的不良信用记录。",
    "red": "企业存在逾期未整改的重大事故隐患、被责令停产停业整改，或被列入安全生产“黑名单”。",
}
BLACKLISTED_GRADE = "列入“黑名单”管理期间不予展示（下调或取消诚信等级）"
GONGSHI_PAGE_SIZE = 50
# 双公示's two halves: what is published, and what may be shown of each.
GONGSHI_KINDS = {
    "penalties": (enforcement.published_decisions, enforcement.public_rows),
    "licences": (licences.published_licences, licences.public_rows),
}
KIND_LABELS = {"supervision": "监管检查", "self_inspection": "企业自查"}
LIST_NAMES = {"county": "县级", "city": "市级", "province": "省级"}


@bp.get("/<string(maxlength=64):token>")
def safety_code_page(token: str):
    code = codes.code_by_token(token)
    if code is None:
        return _message(404, "未找到该常安码", "请确认扫描的是企业张贴的常安码。")
    if code.revoked_at is not None:
        return _message(
            410,
            "此常安码已失效",
            "该企业已更换新的常安码，此码不再有效。请扫描企业现场张贴的最新常安码。",
        )
    enterprise: Enterprise = code.enterprise
    now = utcnow()
    color = codes.refresh_safety_code_color(enterprise.id, now)
    last = scans.last_inspection(enterprise)
    # When the inspection took place (the inspector's device time), else when it reached us.
    last_at = (last.finished_at or last.finished_received_at or last.updated_at) if last else None
    return render_template(
        "public/code.html",
        enterprise=enterprise,
        industry=INDUSTRIES.get(enterprise.industry, enterprise.industry),
        grade=_grade(enterprise),
        color=color,
        color_label=SAFETY_CODE_COLORS[color],
        color_meaning=COLOR_MEANINGS[color],
        reasons=[text for _colour, text in codes.colour_reasons(enterprise, now)],
        records=[
            {
                "trigger": BAD_RECORD_TRIGGERS[record.trigger],
                "decided_on": record.decided_on or record.starts_on,
                "ends_on": record.ends_on,
            }
            for record in published_records(enterprise.id, now)
        ],
        authority=_authority(enterprise),
        counts=scans.hazard_counts(enterprise, now),
        risk_colours=colour_rows(risks.level_counts([enterprise.id])[enterprise.id]),
        commitments=[
            {
                "title": commitment.title,
                "text": commitment.text,
                "signed_on": commitment.signed_at.astimezone(SHANGHAI).date(),
            }
            for commitment in public_commitments(enterprise.id)
        ],
        last_inspection_on=last_at.astimezone(SHANGHAI).date() if last_at else None,
        last_inspection_kind=KIND_LABELS.get(last.kind) if last else None,
        hotline=REPORT_HOTLINE,
        as_of=now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    )


@home_bp.get("/")
def home():
    """Where a newcomer starts: each way in, by who uses it."""
    return render_template("home.html")


@blacklist_bp.get("")
def blacklist_page():
    """One level's published blacklist (?level=county|city|province; the deployment's own list
    by default) and its recent removals, both with their dates."""
    level = request.args.get("level") or current_app.config["BLACKLIST_LIST_LEVEL"]
    if level not in LIST_NAMES:
        return _message(404, "没有这一级名单", "请选择县级、市级或省级“黑名单”。")
    now = utcnow()
    current = db.session.scalars(blacklist.published_entries(level)).unique()
    removed = db.session.scalars(blacklist.recently_removed_entries(now, level)).unique()
    return render_template(
        "public/blacklist.html",
        level=level,
        list_name=LIST_NAMES[level],
        included=[LIST_NAMES[other] for other in entry_levels_on_list(level) if other != level],
        other_lists=[
            (other, LIST_NAMES[other]) for other in BLACKLIST_LEVEL_ORDER if other != level
        ],
        current=[blacklist.public_row(entry) for entry in current],
        removed=[blacklist.public_row(entry) for entry in removed],
        as_of=now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    )


@gongshi_bp.get("")
def gongshi_page():
    """双公示: the published penalty decisions (`?kind=penalties`, the default) or licence
    decisions (`?kind=licences`), newest first (what each `public_row` allows: no natural
    person's name)."""
    now = utcnow()
    kind = "licences" if request.args.get("kind") == "licences" else "penalties"
    published, public_rows = GONGSHI_KINDS[kind]
    stmt = published()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = page_number()
    decisions = db.session.scalars(
        stmt.limit(GONGSHI_PAGE_SIZE).offset((page - 1) * GONGSHI_PAGE_SIZE)
    )
    return render_template(
        "public/gongshi.html",
        kind=kind,
        rows=public_rows(decisions),
        total=total,
        page=page,
        pages=max(1, -(-total // GONGSHI_PAGE_SIZE)),
        as_of=now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    )


def _authority(enterprise: Enterprise) -> str:
    """The bureau that keeps the data: the top of the enterprise's jurisdiction tree."""
    root_id = int(enterprise.jurisdiction.path.strip("/").split("/")[0])
    return f"{db.session.get(Jurisdiction, root_id).name}应急管理部门"


def _grade(enterprise: Enterprise) -> str:
    if blacklisted_enterprise_ids([enterprise.id]):
        return BLACKLISTED_GRADE
    return STANDARDISATION_GRADES.get(enterprise.standardisation_grade, "未定级")


def _message(status: int, title: str, detail: str):
    page = render_template(
        "public/message.html", status=status, title=title, detail=detail, hotline=REPORT_HOTLINE
    )
    return page, status
