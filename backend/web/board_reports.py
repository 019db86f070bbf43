"""Reports sent upward on the board (/board/reports): for each kind, the latest period past its
due date and the subordinate units late with it (missing, still a draft, or submitted after the
due date), with their counts; from the reports service."""

from flask import render_template

from ..reports import services as reports
from .board import bp, require_bureau_user


@bp.get("/reports")
def late_reports():
    user, answer = require_bureau_user()
    if user is None:
        return answer
    return render_template(
        "board/reports.html",
        summary=reports.late_summary(user),
        states={
            "missing": "未报送",
            "draft": "未报送（草稿）",
            "submitted": "逾期报送",
            "received": "逾期报送",
        },
    )
