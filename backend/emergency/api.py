import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import DRILL_TYPES, FILING_STATUSES, PLAN_KINDS
from . import services as service

blp = Blueprint(
    "emergency",
    __name__,
    url_prefix="/api/v1",
    description="The enterprise's emergency plans (应急预案, 备案) and drills (演练), and the "
    "drill due rule of 青安委〔2024〕2号 item 17",
)

RECORD_ID = "<string(maxlength=64):record_id>"


def _choices(labels: dict) -> dict:
    return {
        "validate": ma.validate.OneOf(list(labels)),
        "metadata": {"description": "; ".join(f"{k}: {v}" for k, v in labels.items())},
    }


class EmergencyPlanWriteSchema(ma.Schema):
    kind = ma.fields.String(required=True, **_choices(PLAN_KINDS))
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    issued_on = ma.fields.Date(allow_none=True, metadata={"description": "发布实施日期"})
    filing_status = ma.fields.String(**_choices(FILING_STATUSES))
    filed_with = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=100),
        metadata={"description": "The authority it was filed with (required when filed)"},
    )
    filed_on = ma.fields.Date(allow_none=True, metadata={"description": "备案日期"})


class EmergencyPlanCreateSchema(EmergencyPlanWriteSchema):
    enterprise_id = IdField(required=True)


class EmergencyPlanSchema(EmergencyPlanCreateSchema):
    id = ma.fields.String()
    kind_label = ma.fields.Function(lambda plan: PLAN_KINDS[plan.kind])
    filing_status_label = ma.fields.Function(lambda plan: FILING_STATUSES[plan.filing_status])
    updated_at = ma.fields.AwareDateTime()


class DrillWriteSchema(ma.Schema):
    drill_type = ma.fields.String(required=True, **_choices(DRILL_TYPES))
    held_on = ma.fields.Date(required=True)
    plan_id = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=64))
    participants_count = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=0, max=2**31 - 1)
    )
    evaluation = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=4000), metadata={"description": "效果评估"}
    )
    improvements = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=4000), metadata={"description": "改进措施"}
    )


class DrillCreateSchema(DrillWriteSchema):
    enterprise_id = IdField(required=True)


class DrillSchema(DrillCreateSchema):
    id = ma.fields.String()
    drill_type_label = ma.fields.Function(lambda drill: DRILL_TYPES[drill.drill_type])
    updated_at = ma.fields.AwareDateTime()


class EmergencyPlanQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    kind = ma.fields.String(validate=ma.validate.OneOf(list(PLAN_KINDS)))


class DrillQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    year = ma.fields.Integer(strict=False, validate=ma.validate.Range(min=2000, max=2100))


class OverdueQuery(ma.Schema):
    jurisdiction_id = IdField(strict=False)


class DrillRequirementSchema(ma.Schema):
    code = ma.fields.String(metadata={"enum": list(service.REQUIREMENT_LABELS)})
    label = ma.fields.String()
    period_months = ma.fields.Integer()
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    last_held_on = ma.fields.Date(allow_none=True)
    state = ma.fields.String(metadata={"enum": ["done", "due", "overdue"]})
    missed_period_start = ma.fields.Date(allow_none=True)


class DrillStatusSchema(ma.Schema):
    enterprise_id = ma.fields.Integer()
    enterprise_name = ma.fields.String()
    key_unit = ma.fields.Boolean(metadata={"description": "重点单位 (local policy: its class)"})
    overdue = ma.fields.Boolean()
    requirements = ma.fields.List(ma.fields.Nested(DrillRequirementSchema))
    basis = ma.fields.String()
    rule = ma.fields.String()


@blp.route("/emergency-plans")
class Plans(MethodView):
    @blp.arguments(EmergencyPlanQuery, location="query")
    @blp.response(200, EmergencyPlanSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the emergency plans in scope"""
        return paginate_select(service.plan_query(current_user(), **query), pagination_parameters)

    @blp.arguments(EmergencyPlanCreateSchema)
    @blp.response(201, EmergencyPlanSchema)
    def post(self, data):
        """Register an emergency plan and its 备案 (the enterprise's safety manager)"""
        return service.add_plan(current_user(), **data)


@blp.route(f"/emergency-plans/{RECORD_ID}")
class PlanById(MethodView):
    @blp.response(200, EmergencyPlanSchema)
    def get(self, record_id):
        """One emergency plan"""
        return service.get_visible_plan(current_user(), record_id)

    @blp.arguments(EmergencyPlanWriteSchema(partial=True))
    @blp.response(200, EmergencyPlanSchema)
    def patch(self, data, record_id):
        """Correct a plan or record its 备案"""
        return service.update_plan(current_user(), record_id, data)


@blp.route("/drills")
class Drills(MethodView):
    @blp.arguments(DrillQuery, location="query")
    @blp.response(200, DrillSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the drills in scope, latest first"""
        return paginate_select(service.drill_query(current_user(), **query), pagination_parameters)

    @blp.arguments(DrillCreateSchema)
    @blp.response(201, DrillSchema)
    def post(self, data):
        """Record a drill held (the enterprise's safety manager)"""
        return service.record_drill(current_user(), **data)


@blp.route("/overdue-drills")
class OverdueDrills(MethodView):
    @blp.arguments(OverdueQuery, location="query")
    @blp.response(200, DrillStatusSchema(many=True))
    def get(self, query):
        """The enterprises in scope whose drills are overdue (item 17)"""
        return service.overdue_drills(current_user(), query.get("jurisdiction_id"))


@blp.route(f"/drills/{RECORD_ID}")
class DrillById(MethodView):
    @blp.response(200, DrillSchema)
    def get(self, record_id):
        """One drill"""
        return service.get_visible_drill(current_user(), record_id)

    @blp.arguments(DrillWriteSchema(partial=True))
    @blp.response(200, DrillSchema)
    def patch(self, data, record_id):
        """Correct a drill, add its evaluation and improvements"""
        return service.update_drill(current_user(), record_id, data)


@blp.route(f"/enterprises/<{ID_CONVERTER}:enterprise_id>/drill-status")
class EnterpriseDrillStatus(MethodView):
    @blp.response(200, DrillStatusSchema)
    def get(self, enterprise_id):
        """The enterprise's drills under item 17: done, due or overdue, per requirement"""
        return service.drill_status(current_user(), enterprise_id)
