import marshmallow as ma
from flask import Response
from flask.views import MethodView

from ..core.errors import NotFound
from ..core.http import Blueprint, IdField, PhotoList, paginate_select
from ..core.scope import current_user
from ..models import (
    ACCIDENT_LEVELS,
    BLACKLIST_LIST_LEVELS,
    BLACKLIST_STATES,
    BLACKLIST_TRIGGERS,
    REMOVAL_KINDS,
)
from . import blacklist as service

blp = Blueprint(
    "blacklist_entries",
    __name__,
    url_prefix="/api/v1/blacklist-entries",
    description="黑名单 (blacklist entries): 信息采集 → 告知 → 公布 → 移出",
)

ENTRY_ID = "<string(maxlength=64):entry_id>"


class EntrySchema(ma.Schema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    state = ma.fields.String(metadata={"enum": list(BLACKLIST_STATES)})
    state_label = ma.fields.Function(lambda entry: BLACKLIST_STATES[entry.state])
    trigger = ma.fields.String(metadata={"enum": list(BLACKLIST_TRIGGERS)})
    trigger_label = ma.fields.Function(service.trigger_label)
    list_level = ma.fields.String(
        metadata={
            "enum": list(BLACKLIST_LIST_LEVELS),
            "description": "县级, 市级 or 省级 list (trigger 六's wording)",
        }
    )
    reason = ma.fields.String(metadata={"description": "案由, published as written"})
    facts = ma.fields.String(metadata={"description": "Facts and evidence (not published)"})
    accident_level = ma.fields.String(metadata={"enum": list(ACCIDENT_LEVELS)})
    term_years = ma.fields.Integer()
    bad_credit_record_id = ma.fields.String(allow_none=True)
    accident_id = ma.fields.String(allow_none=True)
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    notified_on = ma.fields.Date(allow_none=True)
    defence_due_on = ma.fields.Date(allow_none=True)
    defence_text = ma.fields.String(allow_none=True)
    defence_submitted_at = ma.fields.AwareDateTime(allow_none=True)
    defence_late = ma.fields.Boolean()
    decided_on = ma.fields.Date(allow_none=True, metadata={"description": "确认纳入"})
    publish_due_on = ma.fields.Date(allow_none=True)
    published_on = ma.fields.Date(allow_none=True)
    publish_late = ma.fields.Boolean()
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day of the term"})
    removal_application = ma.fields.String(allow_none=True)
    removal_applied_on = ma.fields.Date(allow_none=True)
    removal_due_on = ma.fields.Date(allow_none=True)
    rectified_on = ma.fields.Date(
        allow_none=True, metadata={"description": "整改验收合格 (published; removal at term end)"}
    )
    removed_on = ma.fields.Date(allow_none=True)
    removal_kind = ma.fields.String(allow_none=True, metadata={"enum": list(REMOVAL_KINDS)})
    removal_late = ma.fields.Boolean()
    retained_since = ma.fields.Date(
        allow_none=True, metadata={"description": "Term over, kept for a new bad record"}
    )
    allowed_actions = ma.fields.Method(
        "get_allowed_actions",
        metadata={"type": "array", "items": {"type": "string"}, "description": "For the caller"},
    )

    def get_allowed_actions(self, entry) -> list[str]:
        role = current_user().role
        return [
            action
            for action, transition in service.TRANSITIONS.items()
            if entry.state in transition.from_states and role in transition.roles
        ]


class EntryCreateSchema(ma.Schema):
    enterprise_id = IdField(required=True)
    trigger = ma.fields.String(required=True, validate=ma.validate.OneOf(list(BLACKLIST_TRIGGERS)))
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "案由: published as written; name no person"},
    )
    facts = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=4000),
        metadata={"description": "Facts and evidence (信息采集), not published"},
    )
    accident_level = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(list(ACCIDENT_LEVELS)),
        metadata={
            "description": "Sets the term: 1 year; 较大 1, 重大 2, 特别重大 3 years. Default "
            "none; with accident_id it comes from the accident (leave it out)"
        },
    )
    bad_credit_record_id = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(min=1, max=64)
    )
    accident_id = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The accident the entry rests on: its level sets the term"},
    )
    photos = PhotoList()


class EntryQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    state = ma.fields.String(validate=ma.validate.OneOf(list(BLACKLIST_STATES)))


class EntryActionSchema(ma.Schema):
    action = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(service.TRANSITIONS)),
        metadata={"description": "The step to take (see the blacklist procedure)"},
    )
    note = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=4000),
        metadata={"description": "The defence, the removal application, or the reason"},
    )
    photos = PhotoList()


class EventSchema(ma.Schema):
    id = ma.fields.String()
    seq = ma.fields.Integer()
    action = ma.fields.String()
    action_label = ma.fields.String()
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String()
    at = ma.fields.AwareDateTime()
    note = ma.fields.String()
    payload = ma.fields.Dict()
    photos = ma.fields.List(ma.fields.String(), metadata={"description": "SHA-256 of photos"})


@blp.route("")
class Entries(MethodView):
    @blp.arguments(EntryQuery, location="query")
    @blp.response(200, EntrySchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List blacklist entries in the caller's scope (an enterprise: its own, once notified)"""
        return paginate_select(service.entry_query(current_user(), **query), pagination_parameters)

    @blp.arguments(EntryCreateSchema)
    @blp.response(201, EntrySchema)
    @blp.alt_response(409, response="CONFLICT", description="An entry is already in progress")
    def post(self, data):
        """信息采集: open a blacklist entry with the facts and evidence (supervisor in scope)"""
        return service.collect(current_user(), **data)


@blp.route(f"/{ENTRY_ID}")
class EntryById(MethodView):
    @blp.response(200, EntrySchema)
    def get(self, entry_id):
        """One blacklist entry"""
        return service.get_visible_entry(current_user(), entry_id)


@blp.route(f"/{ENTRY_ID}/actions")
class EntryActions(MethodView):
    @blp.arguments(EntryActionSchema)
    @blp.response(200, EntrySchema)
    @blp.alt_response(409, response="CONFLICT", description="The step does not fit the state")
    def post(self, data, entry_id):
        """Take a step: notify, submit_defence, accept_defence, confirm, publish, apply_removal,
        accept_rectification, reject_removal, remove"""
        user = current_user()
        entry = service.get_visible_entry(user, entry_id)
        return service.apply_action(user, entry, data.pop("action"), **data)


@blp.route(f"/{ENTRY_ID}/history")
class EntryHistory(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self, entry_id):
        """The entry's steps in order: who, role, server time, note, photos"""
        entry = service.get_visible_entry(current_user(), entry_id)
        return [
            {
                **{
                    name: getattr(item["event"], name)
                    for name in EventSchema().fields
                    if hasattr(item["event"], name)
                },
                "action_label": service.ACTION_LABELS.get(item["event"].action),
                "photos": item["photos"],
            }
            for item in service.history(entry)
        ]


@blp.route(f"/{ENTRY_ID}/notice")
class EntryNotice(MethodView):
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/html",
        description="The written notice (告知书), HTML in Chinese",
    )
    def get(self, entry_id):
        """The written notice (告知书) sent with 信息告知"""
        entry = service.get_visible_entry(current_user(), entry_id)
        if entry.notice_html is None:
            raise NotFound("This entry has not been notified yet.")
        response = Response(entry.notice_html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
