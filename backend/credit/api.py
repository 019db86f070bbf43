import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, PhotoList, paginate_select
from ..core.scope import current_user
from ..models import (
    ACCIDENT_RECORD_LEVELS,
    BAD_RECORD_SOURCES,
    BAD_RECORD_STATUSES,
    BAD_RECORD_TRIGGERS,
)
from . import records as service

blp = Blueprint(
    "credit_records",
    __name__,
    url_prefix="/api/v1/credit-records",
    description="不良信用记录 (bad credit records)",
)

RECORD_ID = "<string(maxlength=64):record_id>"


class EvidenceSchema(ma.Schema):
    text = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=4000),
        metadata={"description": "The facts and how they were established"},
    )
    photos = PhotoList()


class BadRecordSchema(ma.Schema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    trigger = ma.fields.String(metadata={"enum": list(BAD_RECORD_TRIGGERS)})
    trigger_label = ma.fields.String()
    description = ma.fields.String()
    evidence = ma.fields.Nested(EvidenceSchema)
    source = ma.fields.String(metadata={"enum": list(BAD_RECORD_SOURCES)})
    created_by_id = ma.fields.Integer(allow_none=True)
    hazard_id = ma.fields.String(allow_none=True, metadata={"description": "System candidates"})
    inspection_id = ma.fields.String(allow_none=True)
    accident_id = ma.fields.String(allow_none=True, metadata={"description": "责任事故"})
    management_level = ma.fields.String(
        metadata={
            "enum": list(ACCIDENT_RECORD_LEVELS),
            "description": "The list the record is on: an accident's 分级管理 (方案5 L178), "
            "else the enterprise's list (local policy); 县(区)/市/省/国家级",
        },
    )
    management_level_label = ma.fields.String()
    notified_on = ma.fields.Date(allow_none=True, metadata={"description": "告知"})
    objection_due_on = ma.fields.Date(allow_none=True)
    objection_text = ma.fields.String(allow_none=True, metadata={"description": "异议"})
    objection_late = ma.fields.Boolean()
    decided_on = ma.fields.Date(allow_none=True, metadata={"description": "认定"})
    starts_on = ma.fields.Date(allow_none=True, metadata={"description": "Set by the decision"})
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day of the term"})
    status = ma.fields.String(metadata={"enum": list(BAD_RECORD_STATUSES)})
    active = ma.fields.Boolean(metadata={"description": "In force today (Asia/Shanghai)"})
    created_at = ma.fields.AwareDateTime()
    expired_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_by_id = ma.fields.Integer(allow_none=True)
    revoke_reason = ma.fields.String(allow_none=True)


class BadRecordCreateSchema(ma.Schema):
    enterprise_id = IdField(required=True)
    trigger = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(BAD_RECORD_TRIGGERS)),
        metadata={"description": "A trigger of the seeds' list"},
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    evidence = ma.fields.Nested(EvidenceSchema, required=True)


class BadRecordQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    active = ma.fields.Boolean(metadata={"description": "In force today, or not"})
    trigger = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_TRIGGERS)))
    source = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_SOURCES)))
    status = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_STATUSES)))
    level = ma.fields.String(
        validate=ma.validate.OneOf(list(ACCIDENT_RECORD_LEVELS)),
        metadata={"description": "On this level's list: its own records and higher ones'"},
    )


class RecordActionSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(list(service.TRANSITIONS)))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    photos = PhotoList()


class RecordEventSchema(ma.Schema):
    seq = ma.fields.Integer()
    action = ma.fields.String()
    label = ma.fields.String()
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String()
    at = ma.fields.AwareDateTime()
    note = ma.fields.String()
    payload = ma.fields.Dict()
    photos = ma.fields.List(ma.fields.String())


class RevokeSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


def _one(record):
    return service.with_evidence([record])[0]


@blp.route("")
class BadRecords(MethodView):
    @blp.arguments(BadRecordQuery, location="query")
    @blp.response(200, BadRecordSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List bad credit records in the caller's scope (an enterprise: its own)"""
        stmt = service.bad_record_query(current_user(), **query)
        return service.with_evidence(paginate_select(stmt, pagination_parameters))

    @blp.arguments(BadRecordCreateSchema)
    @blp.response(201, BadRecordSchema)
    def post(self, data):
        """Collect (采集) a bad credit record with evidence (supervisor in scope); it waits for
        review (审核) by another supervisor, notice (告知) and the enterprise's objection"""
        evidence = data.pop("evidence")
        record = service.create_bad_record(
            current_user(), evidence_text=evidence["text"], photos=evidence["photos"], **data
        )
        return _one(record)


@blp.route(f"/{RECORD_ID}")
class BadRecordById(MethodView):
    @blp.response(200, BadRecordSchema)
    def get(self, record_id):
        """One bad credit record"""
        return _one(service.get_visible_record(current_user(), record_id))


@blp.route(f"/{RECORD_ID}/actions")
class BadRecordActions(MethodView):
    @blp.arguments(RecordActionSchema)
    @blp.response(200, BadRecordSchema)
    @blp.alt_response(409, response="CONFLICT", description="The step does not fit the state")
    def post(self, data, record_id):
        """Take a step: review (审核 → 告知), object (异议, the enterprise's manager), decide
        (认定), dismiss (不予认定), revoke"""
        user = current_user()
        record = service.get_visible_record(user, record_id)
        return _one(service.apply_action(user, record, data.pop("action"), **data))


@blp.route(f"/{RECORD_ID}/history")
class BadRecordHistory(MethodView):
    @blp.response(200, RecordEventSchema(many=True))
    def get(self, record_id):
        """The record's steps in order: who, role, server time, note, photos"""
        record = service.get_visible_record(current_user(), record_id)
        return [_history_row(step) for step in service.history(record)]


def _history_row(step: dict) -> dict:
    event = step["event"]
    fields = ("seq", "action", "from_state", "to_state", "actor_id", "actor_role", "at", "note")
    row = {name: getattr(event, name) for name in fields}
    return {**row, "payload": event.payload, "label": step["label"], "photos": step["photos"]}


@blp.route(f"/{RECORD_ID}/revoke")
class BadRecordRevoke(MethodView):
    @blp.arguments(RevokeSchema)
    @blp.response(200, BadRecordSchema)
    @blp.alt_response(409, response="CONFLICT", description="The record is not active")
    def post(self, data, record_id):
        """Revoke an active bad credit record, with the reason (supervisor in scope)"""
        user = current_user()
        record = service.get_visible_record(user, record_id)
        return _one(service.revoke_bad_record(user, record, data["reason"]))
