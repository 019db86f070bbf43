import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..core.timeutil import today_in_shanghai
from ..models import ENTERPRISE_CLASSES, PLAN_STATUSES
from . import services as service

blp = Blueprint(
    "inspection_plans",
    __name__,
    url_prefix="/api/v1/inspection-plans",
    description="检查计划 (inspection plans by enterprise class)",
)


class PlannedInspectionSchema(ma.Schema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    enterprise_name = ma.fields.Function(lambda plan: plan.enterprise.name)
    jurisdiction_id = ma.fields.Integer(metadata={"description": "Assigned jurisdiction"})
    checklist_code = ma.fields.String()
    class_code = ma.fields.String(metadata={"enum": list(ENTERPRISE_CLASSES)})
    basis_on = ma.fields.Date(metadata={"description": "The date the interval counts from"})
    due_on = ma.fields.Date()
    status = ma.fields.Method(
        "get_status",
        metadata={"type": "string", "enum": list(PLAN_STATUSES), "description": "As of today"},
    )
    days_overdue = ma.fields.Method("get_days_overdue", metadata={"type": "integer"})
    inspection_id = ma.fields.String(allow_none=True)
    done_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()

    def get_status(self, plan) -> str:
        return service.plan_status(plan, today_in_shanghai())

    def get_days_overdue(self, plan) -> int:
        today = today_in_shanghai()
        return (today - plan.due_on).days if service.plan_status(plan, today) == "overdue" else 0


class PlannedInspectionQuery(ma.Schema):
    overdue = ma.fields.Boolean(metadata={"description": "Past due_on and not done"})
    status = ma.fields.String(validate=ma.validate.OneOf(list(PLAN_STATUSES)))
    enterprise_id = IdField(strict=False)
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})
    class_code = ma.fields.String(validate=ma.validate.OneOf(list(ENTERPRISE_CLASSES)))


@blp.route("")
class Plans(MethodView):
    @blp.arguments(PlannedInspectionQuery, location="query")
    @blp.response(200, PlannedInspectionSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Inspection plans in the caller's scope, soonest due first (inspectors, supervisors,
        admins); a missed plan is overdue"""
        stmt = service.plan_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)
