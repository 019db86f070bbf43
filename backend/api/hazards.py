import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from ..authz import current_user, get_visible, hazard_clause
from ..models import HAZARD_GRADES, HAZARD_STATUSES, Hazard
from . import paginate_select
from .blueprint import Blueprint
from .schemas import IdField

blp = Blueprint("hazards", __name__, url_prefix="/api/v1/hazards", description="隐患")

HAZARD_ID = "<string(maxlength=64):hazard_id>"


class HazardSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    enterprise_id = ma.fields.Integer(dump_only=True)
    inspection_id = ma.fields.String(dump_only=True, allow_none=True)
    finding_id = ma.fields.String(dump_only=True, allow_none=True)
    checklist_version_id = ma.fields.String(dump_only=True, allow_none=True)
    item_code = ma.fields.String(dump_only=True, allow_none=True)
    title = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    legal_basis = ma.fields.Dict(dump_only=True, allow_none=True)
    grade = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    due_on = ma.fields.Date(dump_only=True)
    reported_at = ma.fields.AwareDateTime(dump_only=True)
    closed_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class HazardQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    status = ma.fields.String(validate=ma.validate.OneOf(list(HAZARD_STATUSES)))
    grade = ma.fields.String(validate=ma.validate.OneOf(list(HAZARD_GRADES)))


@blp.route("")
class Hazards(MethodView):
    @blp.arguments(HazardQuery, location="query")
    @blp.response(200, HazardSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List hazards of enterprises in the caller's scope"""
        stmt = select(Hazard).where(hazard_clause(current_user()))
        for field in ("enterprise_id", "status", "grade"):
            if field in query:
                stmt = stmt.where(getattr(Hazard, field) == query[field])
        return paginate_select(stmt.order_by(Hazard.due_on, Hazard.id), pagination_parameters)


@blp.route(f"/{HAZARD_ID}")
class HazardById(MethodView):
    @blp.response(200, HazardSchema)
    def get(self, hazard_id):
        """One hazard"""
        return get_visible(Hazard, hazard_id)
