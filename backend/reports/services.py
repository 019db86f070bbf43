"""Reports sent upward (issue 19 item 3): a report's life, draft → submitted → received, and
which subordinates are late.

- Who reports: a department official (行业主管部门, 安委会成员单位) the monthly 附件1 table and the
  monthly 联合惩戒 report of their department; the enterprise's principal (主要负责人) its 16号令
  第十四条 statistics, which the principal signs ("统计分析表应当由生产经营单位主要负责人签字"), so
  only the principal submits them (a safety manager may prepare the draft).
- Who receives: a supervisor (or an admin) whose jurisdiction holds the unit (the 县安办 above a
  department; the supervising authority of an enterprise).
- A draft is regenerated each time it is generated again; a submitted report is kept as it was
  submitted and cannot be redrafted.
- Campaign progress (seed 004 L67, 专项治理): each 镇/街道 under the organising jurisdiction
  (its supervisors or admins report for it) and each department at that level (its officials),
  after every phase that asks for a report; received by the organising level.
- Late: a unit in the receiver's area whose report for the period was not submitted by the due
  date (periods.py), whether still missing or submitted after it.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..campaigns import services as campaigns
from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.periods import CalendarNotCovered
from ..core.scope import (
    Forbidden,
    department_enterprise_clause,
    enterprise_clause,
    is_global,
    jurisdiction_clause,
    jurisdiction_in_scope,
    require_department_in_scope,
    require_enterprise_in_scope,
    require_role,
    visible_subtree_ids,
)
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import (
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    REPORT_KINDS,
    Campaign,
    Department,
    Enterprise,
    FiveImplementationStatus,
    Jurisdiction,
    Report,
    User,
)
from ..models.base import utcnow
from . import workbooks
from .periods import Period, campaign_phase_code, latest_past_due, period_of

DEPARTMENT_KINDS = ("five_implementations", "joint_punishment")
STREET_REPORTERS = ("supervisor", "admin")
STATISTICS_DRAFTERS = ("enterprise_principal", "enterprise_manager")
RECEIVERS = ("supervisor", "admin")
FIVE_IMPLEMENTATION_KEEPERS = ("supervisor", "admin", "department_official")


def checked_kind(kind) -> str:
    if kind not in REPORT_KINDS:
        raise Invalid(f"Unknown report kind {kind!r}.", field="kind")
    return kind


def report_clause(user: User):
    """Reports the user sees: their enterprise's, their department's, or those of the units in
    their jurisdiction subtree."""
    if user.role in ENTERPRISE_ROLES:
        return Report.enterprise_id == user.enterprise_id
    if user.role in DEPARTMENT_ROLES:
        return Report.department_id == user.department_id
    if is_global(user):
        return Report.id.isnot(None)
    return Report.jurisdiction_id.in_(select(Jurisdiction.id).where(jurisdiction_clause(user)))


def report_query(user: User, kind: str | None = None, period: str | None = None):
    stmt = select(Report).where(report_clause(user))
    if kind:
        stmt = stmt.where(Report.kind == checked_kind(kind))
    if period:
        stmt = stmt.where(Report.period == period)
    return stmt.order_by(Report.due_on.desc(), Report.id)


def get_report(user: User, report_id: int) -> Report:
    report = db.session.scalar(select(Report).where(Report.id == report_id, report_clause(user)))
    if report is None:
        raise NotFound("No such report.")
    return report


@dataclass(frozen=True)
class _Unit:
    kind: str
    key: str
    jurisdiction_id: int
    department: Department | None = None
    enterprise: Enterprise | None = None
    street: Jurisdiction | None = None


def _campaign_unit(user: User, campaign: Campaign) -> _Unit:
    """A department official reports for their department, a street's supervisor for the
    street; either must be one the campaign names."""
    if user.role in DEPARTMENT_ROLES:
        departments = {d.id: d for d in campaigns.reporting_departments(campaign)}
        if user.department_id not in departments:
            raise Forbidden("Your department does not report on this campaign.")
        department = departments[user.department_id]
        return _Unit(
            "department", f"department:{department.id}", department.jurisdiction_id, department
        )
    require_role(user, *STREET_REPORTERS)
    streets = {street.id: street for street in campaigns.reporting_streets(campaign)}
    if user.jurisdiction_id not in streets:
        raise Forbidden("Only a 镇/街道 under the organising level reports on this campaign.")
    street = streets[user.jurisdiction_id]
    return _Unit("jurisdiction", f"jurisdiction:{street.id}", street.id, street=street)


def _unit_for(user: User, kind: str, department_id, enterprise_id, campaign=None) -> _Unit:
    """The unit a user reports for: their own department or enterprise (an id, when given,
    must be it), or for a campaign their department or street."""
    if kind == "campaign_progress":
        return _campaign_unit(user, campaign)
    if kind in DEPARTMENT_KINDS:
        require_role(user, *DEPARTMENT_ROLES)
        department = require_department_in_scope(
            user, department_id or user.department_id, "department_id"
        )
        return _Unit(
            "department",
            f"department:{department.id}",
            department.jurisdiction_id,
            department=department,
        )
    require_role(user, *STATISTICS_DRAFTERS)
    enterprise = require_enterprise_in_scope(
        user, enterprise_id or user.enterprise_id, "enterprise_id"
    )
    return _Unit(
        "enterprise",
        f"enterprise:{enterprise.id}",
        enterprise.jurisdiction_id,
        enterprise=enterprise,
    )


def _workbook(kind: str, unit: _Unit, period: Period) -> bytes:
    if kind == "campaign_progress":
        return workbooks.campaign_progress_workbook(
            _campaign_of(period.code), unit.department, unit.street, period
        )
    if kind == "five_implementations":
        return workbooks.five_implementations_workbook(unit.department, period)
    if kind == "joint_punishment":
        return workbooks.joint_punishment_workbook(unit.department, period)
    return workbooks.hazard_statistics_workbook(
        unit.enterprise, period, unit.enterprise.principal_name or ""
    )


def _campaign_of(code: str) -> Campaign:
    return campaigns.get_phase(int(code[1:])).campaign


def generate_draft(
    user: User,
    *,
    kind: str,
    period: str | None = None,
    department_id: int | None = None,
    enterprise_id: int | None = None,
    campaign_phase_id: int | None = None,
) -> Report:
    """Generate (or regenerate) the unit's draft for the period; 409 once it was submitted.
    A campaign report names its phase (campaign_phase_id) instead of a period."""
    kind = checked_kind(kind)
    campaign = None
    if kind == "campaign_progress":
        if campaign_phase_id is None:
            raise Invalid("A campaign report names its phase.", field="campaign_phase_id")
        campaign = campaigns.get_campaign(user, campaigns.get_phase(campaign_phase_id).campaign_id)
        period = campaign_phase_code(campaign_phase_id)
    elif period is None:
        raise Invalid("The period is required.", field="period")
    the_period = period_of(kind, period)
    if the_period.start > today_in_shanghai():
        raise Invalid("The period has not begun yet.", field="period")
    unit = _unit_for(user, kind, department_id, enterprise_id, campaign)
    report = db.session.scalar(
        select(Report).where(
            Report.kind == kind, Report.period == period, Report.unit_key == unit.key
        )
    )
    if report is not None and report.state != "draft":
        raise Conflict("This report was already submitted.", state=report.state)
    workbook = _workbook(kind, unit, the_period)
    if report is None:
        report = Report(
            kind=kind,
            period=period,
            period_start=the_period.start,
            period_end=the_period.end,
            due_on=the_period.due_on,
            unit_kind=unit.kind,
            unit_key=unit.key,
            department_id=unit.department.id if unit.department else None,
            enterprise_id=unit.enterprise.id if unit.enterprise else None,
            jurisdiction_id=unit.jurisdiction_id,
            campaign_phase_id=campaign_phase_id if campaign else None,
            state="draft",
            created_by_id=user.id,
        )
        db.session.add(report)
    report.workbook = workbook
    report.created_at = utcnow()
    db.session.flush()
    return report


def _require_submitter(user: User, report: Report) -> None:
    if report.kind == "hazard_statistics":
        # 16号令 第十四条: the statistics are signed by the principal.
        require_role(user, "enterprise_principal")
    elif report.unit_kind == "jurisdiction":
        require_role(user, *STREET_REPORTERS)
        if user.jurisdiction_id != report.jurisdiction_id:
            raise Forbidden("Only the street's own officials submit its report.")
    else:
        require_role(user, *DEPARTMENT_ROLES)


def submit(user: User, report: Report, now: datetime | None = None) -> Report:
    """Send the draft upward, with its workbook regenerated at that moment and then kept."""
    _require_submitter(user, report)
    if report.state != "draft":
        raise Conflict("This report was already submitted.", state=report.state)
    unit = _Unit(
        report.unit_kind,
        report.unit_key,
        report.jurisdiction_id,
        department=db.session.get(Department, report.department_id)
        if report.department_id
        else None,
        enterprise=db.session.get(Enterprise, report.enterprise_id)
        if report.enterprise_id
        else None,
        street=db.session.get(Jurisdiction, report.jurisdiction_id)
        if report.unit_kind == "jurisdiction"
        else None,
    )
    if report.kind == "hazard_statistics":
        # The principal submitting signs it: their name goes on the signature line.
        report.workbook = workbooks.hazard_statistics_workbook(
            unit.enterprise,
            period_of(report.kind, report.period),
            user.display_name or unit.enterprise.principal_name or "",
        )
    else:
        report.workbook = _workbook(report.kind, unit, period_of(report.kind, report.period))
    report.state = "submitted"
    report.submitted_by_id = user.id
    report.submitted_at = now or utcnow()
    db.session.flush()
    return report


def receive(user: User, report: Report, now: datetime | None = None) -> Report:
    """The receiving level signs for a submitted report (签收)."""
    require_role(user, *RECEIVERS)
    if report.kind == "campaign_progress":
        campaign = _campaign_of(report.period)
        if not jurisdiction_in_scope(user, campaign.jurisdiction_id):
            raise Forbidden("The organising level receives a campaign's reports.")
    if report.state != "submitted":
        raise Conflict("Only a submitted report can be received.", state=report.state)
    report.state = "received"
    report.received_by_id = user.id
    report.received_at = now or utcnow()
    db.session.flush()
    return report


def submitted_on(report: Report) -> date | None:
    return report.submitted_at.astimezone(SHANGHAI).date() if report.submitted_at else None


def is_late(report: Report | None, due_on: date, today: date) -> bool:
    """Not submitted by the due date: still missing after it, or submitted after it."""
    sent_on = submitted_on(report) if report else None
    return sent_on > due_on if sent_on else today > due_on


def _expected_units(user: User, kind: str, period: str) -> list[tuple[str, str, int]]:
    """The units in the user's area that owe this kind of report: (key, name, id)."""
    if kind == "campaign_progress":
        campaign = _campaign_of(period)
        return [
            (f"jurisdiction:{j.id}", j.name, j.id) for j in campaigns.reporting_streets(campaign)
        ] + [
            (f"department:{d.id}", d.name, d.id) for d in campaigns.reporting_departments(campaign)
        ]
    if kind in DEPARTMENT_KINDS:
        territories = select(Jurisdiction.id).where(jurisdiction_clause(user))
        departments = db.session.scalars(
            select(Department)
            .where(Department.jurisdiction_id.in_(territories))
            .order_by(Department.name, Department.id)
        )
        return [(f"department:{d.id}", d.name, d.id) for d in departments]
    enterprises = db.session.scalars(
        select(Enterprise).where(enterprise_clause(user)).order_by(Enterprise.name, Enterprise.id)
    )
    return [(f"enterprise:{e.id}", e.name, e.id) for e in enterprises]


def units_status(user: User, kind: str, period: str, today: date | None = None) -> list[dict]:
    """For the receiving level: every unit in its area owing the report, with its state
    (missing, draft, submitted, received) and whether it is late."""
    require_role(user, *RECEIVERS)
    kind = checked_kind(kind)
    the_period = period_of(kind, period)
    today = today or today_in_shanghai()
    reports = {
        report.unit_key: report
        for report in db.session.scalars(
            select(Report).where(Report.kind == kind, Report.period == period)
        )
    }
    rows = []
    for key, name, unit_id in _expected_units(user, kind, period):
        report = reports.get(key)
        rows.append(
            {
                "unit_kind": key.split(":")[0],
                "unit_id": unit_id,
                "unit_name": name,
                "report_id": report.id if report else None,
                "state": report.state if report else "missing",
                "due_on": the_period.due_on,
                "submitted_at": report.submitted_at if report else None,
                "late": is_late(report, the_period.due_on, today),
            }
        )
    return rows


def late_units(user: User, kind: str, period: str, today: date | None = None) -> list[dict]:
    return [row for row in units_status(user, kind, period, today) if row["late"]]


def not_submitted(user: User, kind: str, period: str, today: date | None = None) -> list[dict]:
    """Units whose report is not sent yet (missing or still a draft), late or not."""
    return [
        row
        for row in units_status(user, kind, period, today)
        if row["state"] in ("missing", "draft")
    ]


def record_five_implementations(
    user: User, enterprise_id: int, *, chart_posted_on=None, completed_on=None
) -> FiveImplementationStatus:
    """Record what 附件1 counts of an enterprise: the wall chart posted, the 五落实 passed the
    check; officials in scope keep it (方案1 三(二)3: 各行业主管部门…检查验收)."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    require_role(user, *FIVE_IMPLEMENTATION_KEEPERS)
    today = today_in_shanghai()
    for field, value in (("chart_posted_on", chart_posted_on), ("completed_on", completed_on)):
        if value is not None and value > today:
            raise Invalid("The date cannot lie in the future.", field=field, rule="future")
    if completed_on is not None and enterprise.scale != "above_scale":
        raise Invalid(
            "附件1 counts completion for above-scale enterprises only.",
            field="completed_on",
            rule="above_scale_only",
        )
    status = db.session.get(FiveImplementationStatus, enterprise.id)
    if status is None:
        status = FiveImplementationStatus(enterprise_id=enterprise.id)
        db.session.add(status)
    status.chart_posted_on = chart_posted_on
    status.completed_on = completed_on
    status.updated_by_id = user.id
    db.session.flush()
    return status


def five_implementation_status(user: User, enterprise_id: int) -> FiveImplementationStatus | None:
    """An enterprise's 五落实 facts as its keepers recorded them (the enterprise reads its own)."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    return db.session.get(FiveImplementationStatus, enterprise_id)


def five_implementation_query(
    user: User, *, department_id: int | None = None, jurisdiction_id: int | None = None
):
    """The enterprises whose 五落实 facts the user keeps, each with its facts (None when none
    are recorded), by name; optionally those of one department, or of a jurisdiction subtree."""
    require_role(user, *FIVE_IMPLEMENTATION_KEEPERS)
    stmt = (
        select(Enterprise, FiveImplementationStatus)
        .outerjoin(
            FiveImplementationStatus, FiveImplementationStatus.enterprise_id == Enterprise.id
        )
        .where(enterprise_clause(user))
    )
    if department_id is not None:
        department = require_department_in_scope(user, department_id, "department_id")
        stmt = stmt.where(department_enterprise_clause(department))
    if jurisdiction_id is not None:
        stmt = stmt.where(
            Enterprise.jurisdiction_id.in_(visible_subtree_ids(user, jurisdiction_id))
        )
    return stmt.order_by(Enterprise.name, Enterprise.id)


def late_summary(user: User, today: date | None = None) -> list[dict]:
    """For the board: per kind, the latest period past its due date and the units late for it."""
    today = today or today_in_shanghai()
    summary = []
    for kind, title in REPORT_KINDS.items():
        if kind == "campaign_progress":
            summary += _campaign_late_summary(user, title, today)
            continue
        period = latest_past_due(kind, today)
        late = late_units(user, kind, period.code, today)
        summary.append(
            {"kind": kind, "title": title, "period": period, "late": late, "count": len(late)}
        )
    return summary


def enterprises_without_statistics(period: Period) -> list[Enterprise]:
    """Every enterprise whose 16号令 statistics for the period are not submitted yet."""
    sent = select(Report.enterprise_id).where(
        Report.kind == "hazard_statistics",
        Report.period == period.code,
        Report.state.in_(("submitted", "received")),
    )
    return list(
        db.session.scalars(
            select(Enterprise).where(Enterprise.id.not_in(sent)).order_by(Enterprise.id)
        )
    )


def _known_periods(campaign: Campaign) -> list[Period]:
    """The campaign's report periods whose due date can be counted: one falling in a year the
    working-day calendar does not cover yet is left out (/healthz and `xuncha calendar check`
    name the year) rather than failing the whole list."""
    periods = []
    for phase in campaign.phases:
        if not phase.report_due:
            continue
        try:
            periods.append(period_of("campaign_progress", campaign_phase_code(phase.id)))
        except CalendarNotCovered:
            continue
    return periods


def _campaign_late_summary(user: User, title: str, today: date) -> list[dict]:
    """Per campaign the user's level organises, its latest phase report past due and the
    streets and departments late with it."""
    summary = []
    for campaign in db.session.scalars(campaigns.campaign_query(user)):
        if not jurisdiction_in_scope(user, campaign.jurisdiction_id):
            continue
        past_due = [period for period in _known_periods(campaign) if period.due_on < today]
        if not past_due:
            continue
        period = past_due[-1]
        late = late_units(user, "campaign_progress", period.code, today)
        summary.append(
            {
                "kind": "campaign_progress",
                "title": title,
                "period": period,
                "late": late,
                "count": len(late),
            }
        )
    return summary


def campaign_report_standing(row: dict) -> str:
    """A unit's campaign report in three words: "late" (missing past the due date, or sent
    after it), "submitted" (sent in time) or "missing" (not sent, not yet due)."""
    if row["late"]:
        return "late"
    return "submitted" if row["state"] in ("submitted", "received") else "missing"


def campaign_report_states(user: User, campaign: Campaign, today: date | None = None) -> list:
    """For the organising level, each phase that asks for a report: its period and every
    street's and department's standing; nothing for a user who does not receive them. A phase
    whose due date falls in a year the working-day calendar does not cover yet comes with
    `uncovered_year` and no rows: the rest of the campaign still shows."""
    if user.role not in RECEIVERS or not jurisdiction_in_scope(user, campaign.jurisdiction_id):
        return []
    today = today or today_in_shanghai()
    states = []
    for phase in campaign.phases:
        if not phase.report_due:
            continue
        code = campaign_phase_code(phase.id)
        try:
            period = period_of("campaign_progress", code)
            rows = units_status(user, "campaign_progress", code, today)
        except CalendarNotCovered as gap:
            states.append({"phase": phase, "period": None, "rows": [], "uncovered_year": gap.year})
            continue
        for row in rows:
            row["standing"] = campaign_report_standing(row)
        states.append({"phase": phase, "period": period, "rows": rows, "uncovered_year": None})
    return states
