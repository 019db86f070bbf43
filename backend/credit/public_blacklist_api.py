"""The published blacklist (信息公布), for anyone: `GET /api/v1/blacklist` (the entries now
published, with the date a rectification was accepted) and `GET /api/v1/blacklist/removed`
(removals are published too, 方案5 L193). Enterprise name, USCC, reason and dates; never a
person's name, the facts, the evidence or the defence. `?level=county|city|province` gives
one level's list, with the entries of the lists it includes (credit/levels.py). The page is
web/public.py."""

import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, paginate_select, public
from ..models import BLACKLIST_LIST_LEVELS, BLACKLIST_TRIGGERS
from . import blacklist as service

blp = Blueprint(
    "public_blacklist",
    __name__,
    url_prefix="/api/v1/blacklist",
    description="公开的安全生产“黑名单” (published blacklist, no login)",
)


class PublicEntrySchema(ma.Schema):
    id = ma.fields.String()
    enterprise_name = ma.fields.String()
    uscc = ma.fields.String()
    trigger = ma.fields.String(metadata={"enum": list(BLACKLIST_TRIGGERS)})
    trigger_label = ma.fields.String()
    list_level = ma.fields.String(metadata={"enum": list(BLACKLIST_LIST_LEVELS)})
    list_level_label = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "案由"})
    published_on = ma.fields.Date()
    ends_on = ma.fields.Date(metadata={"description": "Last day of the term"})
    term_years = ma.fields.Integer()
    rectified_on = ma.fields.Date(
        allow_none=True, metadata={"description": "整改验收合格 (stays to the term's end)"}
    )
    removed_on = ma.fields.Date(allow_none=True, metadata={"description": "信息移出"})


class ListLevelQuery(ma.Schema):
    level = ma.fields.String(
        validate=ma.validate.OneOf(list(BLACKLIST_LIST_LEVELS)),
        metadata={
            "description": "One level's list: the county list holds the city list's entries "
            "(方案5 L188), the city and county lists the province list's (local policy); "
            "every list's when absent"
        },
    )


@blp.route("")
class PublicBlacklist(MethodView):
    @public
    @blp.doc(security=[])
    @blp.arguments(ListLevelQuery, location="query")
    @blp.response(200, PublicEntrySchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """The published blacklist: entries in 信息公布, newest first (no login)"""
        entries = paginate_select(
            service.published_entries(query.get("level")), pagination_parameters
        )
        return [service.public_row(entry) for entry in entries]


@blp.route("/removed")
class RemovedFromBlacklist(MethodView):
    @public
    @blp.doc(security=[])
    @blp.arguments(ListLevelQuery, location="query")
    @blp.response(200, PublicEntrySchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Entries removed recently (信息移出), newest first (no login)"""
        entries = paginate_select(
            service.recently_removed_entries(level=query.get("level")), pagination_parameters
        )
        return [service.public_row(entry) for entry in entries]
