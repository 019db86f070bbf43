"""The published blacklist (信息公布), for anyone: `GET /api/v1/blacklist` and the page
`GET /blacklist`. Enterprise name, USCC, reason, publication date and term of the entries now
published; never a person's name, the facts, the evidence or the defence."""

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Response
from flask.views import MethodView
from markupsafe import escape

from ..core.db import db
from ..core.http import Blueprint, paginate_select, public
from ..core.timeutil import SHANGHAI
from ..models import BLACKLIST_TRIGGERS, utcnow
from . import blacklist as service

blp = Blueprint(
    "public_blacklist",
    __name__,
    url_prefix="/api/v1/blacklist",
    description="公开的安全生产“黑名单” (published blacklist, no login)",
)
page = FlaskBlueprint("blacklist_page", __name__)


class PublicEntrySchema(ma.Schema):
    id = ma.fields.String()
    enterprise_name = ma.fields.String()
    uscc = ma.fields.String()
    trigger = ma.fields.String(metadata={"enum": list(BLACKLIST_TRIGGERS)})
    trigger_label = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "案由"})
    published_on = ma.fields.Date()
    ends_on = ma.fields.Date(metadata={"description": "Last day of the term"})
    term_years = ma.fields.Integer()


@blp.route("")
class PublicBlacklist(MethodView):
    @public
    @blp.doc(security=[])
    @blp.response(200, PublicEntrySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """The published blacklist: entries in 信息公布, newest first (no login)"""
        entries = paginate_select(service.published_entries(), pagination_parameters)
        return [service.public_row(entry) for entry in entries]


@page.get("/blacklist")
def blacklist_page():
    entries = db.session.scalars(service.published_entries()).unique()
    rows = [service.public_row(entry) for entry in entries]
    body = "\n".join(
        "<tr>"
        f"<td>{escape(row['enterprise_name'])}</td>"
        f"<td>{escape(row['uscc'])}</td>"
        f"<td>{escape(row['trigger_label'])}<br>{escape(row['reason'])}</td>"
        f"<td>{escape(row['published_on'])}</td>"
        f"<td>{row['term_years']}年（至{escape(row['ends_on'])}）</td>"
        "</tr>"
        for row in rows
    )
    table = (
        "<table><thead><tr><th>企业名称</th><th>统一社会信用代码</th><th>列入事由</th>"
        f"<th>公布日期</th><th>管理期限</th></tr></thead><tbody>\n{body}\n</tbody></table>"
        if rows
        else "<p>目前没有列入“黑名单”管理的企业。</p>"
    )
    as_of = utcnow().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>安全生产不良记录“黑名单”公示</title>
<style>
body {{ font-family: sans-serif; margin: 1rem; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: .4rem; text-align: left; vertical-align: top; }}
</style>
</head>
<body>
<h1>安全生产不良记录“黑名单”公示</h1>
<p>以下生产经营单位现处于安全生产不良记录“黑名单”管理期内（截至{as_of}）。</p>
{table}
</body>
</html>
"""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response
