"""The enterprise's risk registers in the portal (/portal/risks): its risk points (风险分级管控)
with their four-colour summary, and its major hazard installations (重大危险源, GB 18218-2018)
with their filing (备案), evaluation and monitoring notes. Every change goes through the risks
services, under the same rules as the API; officials read the registers through the API and
the board."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError, Invalid
from ..models import (
    ACCIDENT_TYPES,
    ASSESSMENT_METHODS,
    CONTROL_LEVELS,
    INSTALLATION_FILING_STATUSES,
    INSTALLATION_GRADES,
    INSTALLATION_KINDS,
    RISK_COLOUR_LABELS,
    RISK_COLOURS,
    RISK_LEVELS,
    RISK_POINT_KINDS,
    User,
)
from ..risks import services as risks
from .messages import describe, status_of
from .portal import bp, portal_user
from .risk_colours import colour_rows

SUBSTANCE_ROWS = 5  # chemicals a unit is declared with on the page at once
FIELD_LABELS = {
    "kind": "风险点类型",
    "name": "名称",
    "location": "位置",
    "hazard_types": "事故类别",
    "method": "评价方法",
    "lec_l": "L（事故发生的可能性）",
    "lec_e": "E（暴露于危险环境的频繁程度）",
    "lec_c": "C（发生事故可能造成的后果）",
    "likelihood": "可能性",
    "severity": "严重性",
    "control_measures": "管控措施",
    "control_level": "管控层级",
    "responsible_person": "责任人",
    "unit_kind": "单元类型",
    "substances": "危险化学品",
    "exposed_people": "厂外500米内常住人口数",
    "filing_status": "备案状态",
    "filed_on": "备案日期",
    "accepted_on": "受理日期",
    "registered_on": "登记建档日期",
    "last_evaluated_on": "最近一次安全评估日期",
    "monitoring_notes": "监测监控情况",
}


class BadForm(Invalid):
    """A form value that is not even of the right type (the service never sees it)."""


@bp.get("/risks")
def risk_registers():
    user, answer = portal_user()
    if user is None:
        return answer
    return _page(user)


def _page(user: User, error: str | None = None, status: int = 200):
    points = db.session.scalars(risks.risk_point_query(user)).all()
    installations = db.session.scalars(risks.installation_query(user)).all()
    counts = risks.level_counts([user.enterprise_id])[user.enterprise_id]
    page = render_template(
        "portal/risks.html",
        points=[_point_row(point) for point in points],
        installations=[_installation_row(unit) for unit in installations],
        risk_colours=colour_rows(counts),
        may_edit=user.role == "enterprise_manager",
        error=error,
        form=request.form,
        kinds=RISK_POINT_KINDS,
        accident_types=ACCIDENT_TYPES,
        methods=ASSESSMENT_METHODS,
        control_levels=CONTROL_LEVELS,
        lec=(("lec_l", risks.LEC_L), ("lec_e", risks.LEC_E), ("lec_c", risks.LEC_C)),
        field_labels=FIELD_LABELS,
        unit_kinds=INSTALLATION_KINDS,
        filing_statuses=INSTALLATION_FILING_STATUSES,
        substances=risks.standard()["substances"],
        categories=risks.standard()["categories"],
        substance_rows=range(SUBSTANCE_ROWS),
    )
    return page, status


def _point_row(point) -> dict:
    colour = RISK_COLOURS[point.level]
    if point.method == "lec":
        inputs = f"L={point.lec_l:g} × E={point.lec_e:g} × C={point.lec_c:g} = D {point.score:g}"
    else:
        inputs = f"L={point.likelihood} × S={point.severity} = R {point.score:g}"
    return {
        "point": point,
        "kind": RISK_POINT_KINDS[point.kind],
        "level": RISK_LEVELS[point.level],
        "colour": colour,
        "colour_label": RISK_COLOUR_LABELS[colour],
        "hazard_types": "、".join(ACCIDENT_TYPES[code] for code in point.hazard_types),
        "method": ASSESSMENT_METHODS[point.method],
        "inputs": inputs,
        "control_level": CONTROL_LEVELS[point.control_level],
    }


def _installation_row(unit) -> dict:
    names = risks.standard()
    lines = []
    for line in unit.substances:
        if line.get("substance"):
            name = names["substances"][line["substance"]]["name"]
        else:
            name = f"{line['category']} {names['categories'][line['category']]['name']}"
        lines.append(f"{name} {line['quantity_t']:g} t")
    return {
        "unit": unit,
        "kind": INSTALLATION_KINDS[unit.unit_kind],
        "grade": INSTALLATION_GRADES.get(unit.grade),
        "filing": INSTALLATION_FILING_STATUSES[unit.filing_status],
        "substances": "；".join(lines),
    }


@bp.post("/risks/points")
def add_risk_point():
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.create_risk_point(user, enterprise_id=user.enterprise_id, **_point_fields())
    except DomainError as error:
        return _failed(user, error)
    flash("风险点已登记。")
    return redirect(url_for("portal.risk_registers"))


@bp.post("/risks/points/<string(maxlength=64):point_id>")
def update_risk_point(point_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.update_risk_point(user, point_id, _point_fields())
    except DomainError as error:
        return _failed(user, error)
    flash("风险点已修改，风险等级已按评价重新确定。")
    return redirect(url_for("portal.risk_registers"))


@bp.post("/risks/points/<string(maxlength=64):point_id>/delete")
def delete_risk_point(point_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.delete_risk_point(user, point_id)
    except DomainError as error:
        return _failed(user, error)
    flash("风险点已删除。")
    return redirect(url_for("portal.risk_registers"))


@bp.post("/risks/installations")
def declare_installation():
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.declare_installation(
            user,
            enterprise_id=user.enterprise_id,
            name=request.form.get("name", ""),
            unit_kind=request.form.get("unit_kind", ""),
            substances=_substance_lines(),
            exposed_people=_whole(request.form.get("exposed_people") or "0", "exposed_people"),
            **_management_fields(),
        )
    except DomainError as error:
        return _failed(user, error)
    flash("危险化学品单元已申报，系统已按 GB 18218-2018 辨识并分级。")
    return redirect(url_for("portal.risk_registers"))


@bp.post("/risks/installations/<string(maxlength=64):installation_id>")
def update_installation(installation_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.update_installation(user, installation_id, _management_fields())
    except DomainError as error:
        return _failed(user, error)
    flash("登记建档、备案和评估信息已保存。")
    return redirect(url_for("portal.risk_registers"))


@bp.post("/risks/installations/<string(maxlength=64):installation_id>/delete")
def delete_installation(installation_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        risks.delete_installation(user, installation_id)
    except DomainError as error:
        return _failed(user, error)
    flash("危险化学品单元已删除。")
    return redirect(url_for("portal.risk_registers"))


def _point_fields() -> dict:
    form = request.form
    fields = {
        name: form.get(name, "")
        for name in (
            "kind",
            "name",
            "location",
            "method",
            "control_measures",
            "control_level",
            "responsible_person",
        )
    }
    fields["hazard_types"] = form.getlist("hazard_types")
    if fields["method"] == "lec":
        for name in ("lec_l", "lec_e", "lec_c"):
            fields[name] = _number(form.get(name, ""), name)
    else:
        for name in ("likelihood", "severity"):
            fields[name] = _whole(form.get(name, ""), name)
    return fields


def _substance_lines() -> list[dict]:
    lines = []
    for index in range(SUBSTANCE_ROWS):
        substance = request.form.get(f"substance_{index}") or None
        category = request.form.get(f"category_{index}") or None
        quantity = request.form.get(f"quantity_{index}", "").strip()
        if substance or category or quantity:
            field = f"substances.{len(lines)}.quantity_t"
            lines.append(
                {
                    "substance": substance,
                    "category": category,
                    "quantity_t": _number(quantity, field),
                }
            )
    return lines


def _management_fields() -> dict:
    form = request.form
    fields = {
        "filing_status": form.get("filing_status", "not_filed"),
        "monitoring_notes": form.get("monitoring_notes", ""),
    }
    for name in ("registered_on", "filed_on", "accepted_on", "last_evaluated_on"):
        fields[name] = _date(form.get(name, ""), name)
    return fields


def _number(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise BadForm(f"{field} must be a number.", field=field) from None


def _whole(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadForm(f"{field} must be a whole number.", field=field) from None


def _date(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadForm(f"{field} must be a date.", field=field) from None


def _message(error: DomainError) -> str:
    if isinstance(error, Invalid) and error.field:
        name = error.field.split(".")[0]
        if name in FIELD_LABELS:
            return f"“{FIELD_LABELS[name]}”填写有误或缺失，请检查后重试。"
    return describe(error)


def _failed(user: User, error: DomainError):
    db.session.rollback()
    return _page(user, _message(error), max(status_of(error), 400))
