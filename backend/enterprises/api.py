import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import or_, select

from checklists.industries import INDUSTRIES, RISK_FEATURES, SCALES

from ..core.http import ID_CONVERTER, Blueprint, Coordinate, IdField, paginate_select
from ..core.scope import (
    current_user,
    enterprise_clause,
    get_visible,
    require_jurisdiction_in_scope,
    require_role,
    visible_subtree_ids,
)
from ..models import RISK_CLASSES, STANDARDISATION_GRADES, Enterprise
from . import services as service
from .uscc import uscc_problem

blp = Blueprint("enterprises", __name__, url_prefix="/api/v1/enterprises", description="企业")

WRITERS = ("admin", "supervisor")


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem:
        raise ma.ValidationError(f"Invalid USCC: {problem}.")


def _text(max_length: int, **kwargs):
    return ma.fields.String(validate=ma.validate.Length(max=max_length), **kwargs)


def _count():
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10_000_000))


def _text_list():
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=200)))


class EnterpriseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    address = _text(300)
    uscc = ma.fields.String(required=True, validate=validate_uscc)
    business_registration_no = _text(32, allow_none=True)
    industry = ma.fields.String(required=True, validate=ma.validate.OneOf(list(INDUSTRIES)))
    registration_type = _text(64, allow_none=True)
    competent_department = _text(100, allow_none=True)
    scale = ma.fields.String(validate=ma.validate.OneOf(list(SCALES)))
    business_scope = _text(2000, allow_none=True)
    principal_name = _text(64, allow_none=True)
    principal_phone = _text(32, allow_none=True)
    safety_department = _text(100, allow_none=True)
    safety_manager_name = _text(64, allow_none=True)
    safety_manager_phone = _text(32, allow_none=True)
    safety_staff_count = _count()
    employee_count = _count()
    special_operation_staff_count = _count()
    major_hazard_sources = _text_list()
    special_equipment = _text_list()
    risk_features = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(RISK_FEATURES)))
    )
    standardisation_grade = ma.fields.String(
        validate=ma.validate.OneOf(list(STANDARDISATION_GRADES))
    )
    risk_class = ma.fields.String(validate=ma.validate.OneOf(list(RISK_CLASSES)))
    jurisdiction_id = IdField(required=True)
    latitude = Coordinate("latitude")
    longitude = Coordinate("longitude")
    safety_code_color = ma.fields.String(
        dump_only=True, metadata={"description": "Live 常安码 colour: green, yellow or red"}
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.pre_load
    def normalise_uscc(self, data, **_):
        if isinstance(data, dict) and isinstance(data.get("uscc"), str):
            data = {**data, "uscc": data["uscc"].strip().upper()}
        return data

    @ma.validates_schema
    def both_coordinates_or_neither(self, data, **_):
        """A position is a pair: one coordinate alone would place the enterprise nowhere."""
        given = {field for field in ("latitude", "longitude") if field in data}
        if len(given) == 1:
            missing = ({"latitude", "longitude"} - given).pop()
            raise ma.ValidationError(f"Give {missing} with {given.pop()}.", missing)
        if given and (data["latitude"] is None) != (data["longitude"] is None):
            field = "latitude" if data["latitude"] is None else "longitude"
            raise ma.ValidationError("Both coordinates are given, or both null.", field)


class EnterpriseUpdateSchema(EnterpriseSchema):
    """Any subset of the enterprise's fields."""


class EnterpriseQuery(ma.Schema):
    q = ma.fields.String(
        validate=ma.validate.Length(max=100), metadata={"description": "Name or USCC contains"}
    )
    industry = ma.fields.String(
        validate=ma.validate.OneOf(list(INDUSTRIES)),
        metadata={"description": "industry_trade matches every 工贸 sub-industry"},
    )
    scale = ma.fields.String(validate=ma.validate.OneOf(list(SCALES)))
    risk_class = ma.fields.String(validate=ma.validate.OneOf(list(RISK_CLASSES)))
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})


def _filtered(stmt, query):
    if query.get("q"):
        stmt = stmt.where(service.search_clause(query["q"]))
    if "industry" in query:
        wanted = query["industry"]
        stmt = stmt.where(
            or_(Enterprise.industry == wanted, Enterprise.industry.startswith(wanted + "."))
        )
    for field in ("scale", "risk_class"):
        if field in query:
            stmt = stmt.where(getattr(Enterprise, field) == query[field])
    if "jurisdiction_id" in query:
        subtree = visible_subtree_ids(current_user(), query["jurisdiction_id"])
        stmt = stmt.where(Enterprise.jurisdiction_id.in_(subtree))
    return stmt


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseQuery, location="query")
    @blp.response(200, EnterpriseSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the enterprises in the caller's scope"""
        stmt = _filtered(select(Enterprise).where(enterprise_clause(current_user())), query)
        return paginate_select(stmt.order_by(Enterprise.id), pagination_parameters)

    @blp.arguments(EnterpriseSchema)
    @blp.response(201, EnterpriseSchema)
    def post(self, data):
        """Register an enterprise (admin, supervisor in scope)"""
        user = current_user()
        require_role(user, *WRITERS)
        require_jurisdiction_in_scope(user, data["jurisdiction_id"], "jurisdiction_id")
        return service.create_enterprise(**data)


@blp.route(f"/<{ID_CONVERTER}:enterprise_id>")
class EnterpriseById(MethodView):
    @blp.response(200, EnterpriseSchema)
    def get(self, enterprise_id):
        """Get an enterprise"""
        return get_visible(Enterprise, enterprise_id)

    @blp.arguments(EnterpriseUpdateSchema(partial=True))
    @blp.response(200, EnterpriseSchema)
    def patch(self, data, enterprise_id):
        """Update an enterprise (admin, supervisor in scope)"""
        user = current_user()
        enterprise = get_visible(Enterprise, enterprise_id)
        require_role(user, *WRITERS)
        if "jurisdiction_id" in data:
            require_jurisdiction_in_scope(user, data["jurisdiction_id"], "jurisdiction_id")
        return service.update_enterprise(enterprise, **data)
