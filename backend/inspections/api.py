import marshmallow as ma
from flask.views import MethodView

from checklists.industries import INSPECTION_KINDS

from ..core.http import (
    Blueprint,
    Coordinate,
    DeviceTime,
    IdField,
    PhotoList,
    SyncId,
    paginate_select,
)
from ..core.scope import current_user, get_visible
from ..hazards.api import HazardSchema
from ..models import FINDING_RESULTS, HAZARD_GRADES, Inspection
from . import services as service

blp = Blueprint("inspections", __name__, url_prefix="/api/v1/inspections", description="检查")

INSPECTION_ID = "<string(maxlength=64):inspection_id>"
ITEM_CODE = "<string(maxlength=32):item_code>"


class FindingSchema(ma.Schema):
    id = SyncId(metadata={"description": "Client-chosen id (optional)"})
    item_code = ma.fields.String(dump_only=True)
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(FINDING_RESULTS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=service.NOTE_MAX))
    grade = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(list(HAZARD_GRADES)),
        metadata={"description": "Override the item's hazard grade"},
    )
    due_on = ma.fields.Date(
        allow_none=True, metadata={"description": "Override the default rectification deadline"}
    )
    risk_point_id = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The enterprise's risk point the item was checked at"},
    )
    photos = PhotoList(load_only=True)
    device_recorded_at = DeviceTime()


class InspectionCreateSchema(ma.Schema):
    id = SyncId(metadata={"description": "Client-chosen id (optional)"})
    enterprise_id = IdField(required=True)
    checklist_version_id = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=64)
    )
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(INSPECTION_KINDS)))
    started_at = DeviceTime()
    latitude = Coordinate("latitude")
    longitude = Coordinate("longitude")


class EligibilitySchema(ma.Schema):
    code = ma.fields.String(required=True)
    label = ma.fields.String(required=True)


class InspectionSchema(InspectionCreateSchema):
    id = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    inspector_id = ma.fields.Integer(dump_only=True)
    finished_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    score = ma.fields.Float(dump_only=True, allow_none=True)
    eligibility = ma.fields.List(
        ma.fields.Nested(EligibilitySchema),
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Standardisation assessments only (常州市达标企业创建方案): what the"
            " score permits, pending the review and the bureau's decision; null otherwise"
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), dump_only=True)


class InspectionSummarySchema(InspectionSchema):
    class Meta:
        exclude = ("findings",)


class FinishSchema(ma.Schema):
    finished_at = ma.fields.AwareDateTime(allow_none=True)


class FinishedSchema(ma.Schema):
    inspection = ma.fields.Nested(InspectionSchema, required=True)
    hazards = ma.fields.List(ma.fields.Nested(HazardSchema), required=True)


class InspectionQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    status = ma.fields.String(validate=ma.validate.OneOf(["in_progress", "finished"]))
    kind = ma.fields.String(validate=ma.validate.OneOf(list(INSPECTION_KINDS)))


@blp.route("")
class Inspections(MethodView):
    @blp.arguments(InspectionQuery, location="query")
    @blp.response(200, InspectionSummarySchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List inspections of enterprises in the caller's scope, newest first"""
        stmt = service.inspection_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data):
        """Start an inspection of an enterprise against a checklist version"""
        return service.start_inspection(current_user(), **data)


@blp.route(f"/{INSPECTION_ID}")
class InspectionById(MethodView):
    @blp.response(200, InspectionSchema)
    def get(self, inspection_id):
        """An inspection with its findings"""
        return get_visible(Inspection, inspection_id)


@blp.route(f"/{INSPECTION_ID}/findings/{ITEM_CODE}")
class FindingByItem(MethodView):
    @blp.arguments(FindingSchema)
    @blp.response(200, FindingSchema)
    def put(self, data, inspection_id, item_code):
        """Record the result of one item (pass / fail / na) while the inspection is open"""
        inspection = get_visible(Inspection, inspection_id)
        return service.record_finding(current_user(), inspection, item_code=item_code, **data)


@blp.route(f"/{INSPECTION_ID}/finish")
class FinishInspection(MethodView):
    @blp.arguments(FinishSchema)
    @blp.response(200, FinishedSchema)
    def post(self, data, inspection_id):
        """Finish: score, eligibility (standardisation assessments), one hazard per failed item"""
        inspection = get_visible(Inspection, inspection_id)
        hazards = service.finish_inspection(current_user(), inspection, **data)
        return {"inspection": inspection, "hazards": hazards}
