from flask import Blueprint
from sqlalchemy import text

from .core.db import db
from .core.periods import missing_calendar_years
from .core.problems import problem_response
from .core.timeutil import today_in_shanghai

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not reachable"
        return problem_response(
            503, "Database unreachable", f"{type(error).__name__}", database="unreachable"
        )
    # Reported, not failed: the app is alive; the operator must configure the missing years.
    missing = missing_calendar_years(today_in_shanghai())
    return {"status": "ok", "database": "reachable", "calendar_missing_years": missing}
