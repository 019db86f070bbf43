"""The 双公示 step from the board: a supervisor publishes a penalty or licence decision listed
in the work queue (late, or due within the warning days), through the enforcement services —
the same calls as `POST /api/v1/enforcement/penalty-decisions/{id}/publication` and
`…/licence-decisions/{id}/publication`."""

from flask import flash, redirect, url_for

from ..core.db import db
from ..core.errors import DomainError
from ..enforcement import licences
from ..enforcement import services as enforcement
from . import render_error
from .board import bp, require_bureau_user
from .messages import describe, status_of


@bp.post("/penalty-decisions/<string(maxlength=64):decision_id>/publication")
def publish_penalty_decision(decision_id: str):
    user, answer = require_bureau_user()
    if user is None:
        return answer
    try:
        decision = enforcement.publish_decision(user, decision_id)
    except DomainError as error:
        db.session.rollback()
        return render_error(max(status_of(error), 400), describe(error))
    flash(f"{decision.number} 已公示，可在“双公示”页查看。")
    return redirect(url_for("board.index"))


@bp.post("/licence-decisions/<string(maxlength=64):licence_id>/publication")
def publish_licence_decision(licence_id: str):
    user, answer = require_bureau_user()
    if user is None:
        return answer
    try:
        licence = licences.publish_licence(user, licence_id)
    except DomainError as error:
        db.session.rollback()
        return render_error(max(status_of(error), 400), describe(error))
    flash(f"{licence.holder_name}的行政许可决定（{licence.licence_number}）已公示。")
    return redirect(url_for("board.index"))
