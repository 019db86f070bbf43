"""The enterprise's 16号令 第十四条 statistics in the portal (/portal/reports): the periods due
next with their state, a draft generated from the hazards (principal or safety manager), signed
and submitted by the principal (主要负责人) alone, and every report sent, with its workbook.
Every step goes through the reports service, under the same rules as the API."""

from flask import flash, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError
from ..core.http import download
from ..core.spreadsheets import XLSX_MIME
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import REPORT_STATES
from ..reports import services as reports
from ..reports.periods import statistics_period_due_next
from .messages import describe, status_of
from .portal import bp, portal_user

KIND = "hazard_statistics"


def _page(user, error: str | None = None, status: int = 200):
    sent = db.session.scalars(reports.report_query(user, KIND)).all()
    by_period = {report.period: report for report in sent}
    due = [
        {"period": period, "report": by_period.get(period.code)}
        for period in statistics_period_due_next(today_in_shanghai())
    ]
    page = render_template(
        "portal/reports.html",
        due=due,
        sent=sent,
        states=REPORT_STATES,
        may_submit=user.role == "enterprise_principal",
        may_draft=user.role in reports.STATISTICS_DRAFTERS,
        five_implementations=reports.five_implementation_status(user, user.enterprise_id),
        local=lambda moment: moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        error=error,
    )
    return page, status


@bp.get("/reports")
def statistics_reports():
    user, answer = portal_user()
    if user is None:
        return answer
    return _page(user)


@bp.post("/reports/draft")
def draft_statistics():
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        reports.generate_draft(user, kind=KIND, period=request.form.get("period", ""))
    except DomainError as error:
        db.session.rollback()
        return _page(user, describe(error), max(status_of(error), 400))
    flash("统计分析表草稿已生成，请核对后由主要负责人签字报送。")
    return redirect(url_for("portal.statistics_reports"))


@bp.post("/reports/<int:report_id>/submit")
def submit_statistics(report_id: int):
    user, answer = portal_user()
    if user is None:
        return answer
    try:
        reports.submit(user, reports.get_report(user, report_id))
    except DomainError as error:
        db.session.rollback()
        return _page(user, describe(error), max(status_of(error), 400))
    flash("统计分析表已签字报送。")
    return redirect(url_for("portal.statistics_reports"))


@bp.get("/reports/<int:report_id>/workbook.xlsx")
def statistics_workbook(report_id: int):
    user, answer = portal_user()
    if user is None:
        return answer
    report = reports.get_report(user, report_id)
    name = f"统计分析表-{report.period}.xlsx"
    return download(report.workbook, XLSX_MIME, f"hazard-statistics-{report.period}.xlsx", name)
