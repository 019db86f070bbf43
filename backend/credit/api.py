import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, PhotoList, paginate_select
from ..core.scope import current_user
from ..models import (
    BAD_RECORD_SOURCES,
    BAD_RECORD_STATUSES,
    BAD_RECORD_TRIGGERS,
    SYSTEM_TRIGGERS,
)
from . import records as service

blp = Blueprint(
    "credit_records",
    __name__,
    url_prefix="/api/v1/credit-records",
    description="不良信用记录 (bad credit records)",
)

RECORD_ID = "<string(maxlength=64):record_id>"
SUPERVISOR_TRIGGERS = [code for code in BAD_RECORD_TRIGGERS if code not in SYSTEM_TRIGGERS]


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
    hazard_id = ma.fields.String(allow_none=True, metadata={"description": "System records"})
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(metadata={"description": "Last day of the term"})
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
        validate=ma.validate.OneOf(SUPERVISOR_TRIGGERS),
        metadata={"description": "A trigger of the seeds' list (the overdue ones are automatic)"},
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    evidence = ma.fields.Nested(EvidenceSchema, required=True)


class BadRecordQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    active = ma.fields.Boolean(metadata={"description": "In force today, or not"})
    trigger = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_TRIGGERS)))
    source = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_SOURCES)))
    status = ma.fields.String(validate=ma.validate.OneOf(list(BAD_RECORD_STATUSES)))


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
        """Record a bad credit record with evidence (supervisor in scope)"""
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
