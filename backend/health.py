from flask import Blueprint
from sqlalchemy import text

from .core.db import db
from .core.problems import problem_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not reachable"
        return problem_response(
            503, "Database unreachable", f"{type(error).__name__}", database="unreachable"
        )
    return {"status": "ok", "database": "reachable"}
