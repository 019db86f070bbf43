"""The grid workers' duty performance on the board (/board/patrols): per worker and month,
patrols against the grid's required number, enterprises visited, hazards found and closed,
follow-up visits — the facts behind 「对不认真履职的网格员…进行责任追究」 (seed 001 L55), from the
patrol service."""

import re

from flask import render_template, request

from ..core.timeutil import today_in_shanghai
from ..patrols import services as patrols
from .board import BadFilter, bp, require_bureau_user


@bp.get("/patrols")
def duty_performance():
    user, answer = require_bureau_user()
    if user is None:
        return answer
    month = request.args.get("month", "") or today_in_shanghai().strftime("%Y-%m")
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise BadFilter()
    return render_template(
        "board/patrols.html", month=month, rows=patrols.duty_performance(user, month)
    )
