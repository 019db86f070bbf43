import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from ..core.http import ID_CONVERTER, Blueprint, IdField, paginate_select
from ..core.scope import (
    current_user,
    get_visible,
    is_global,
    jurisdiction_clause,
    require_jurisdiction_in_scope,
    require_role,
    visible_subtree_ids,
)
from ..models import LEVELS, Jurisdiction
from . import services as service

MAX_PATROLS_PER_MONTH = 100

blp = Blueprint(
    "jurisdictions", __name__, url_prefix="/api/v1/jurisdictions", description="辖区 tree"
)


class JurisdictionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    code = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=32))
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    parent_id = IdField(allow_none=True, load_default=None)
    path = ma.fields.String(dump_only=True)
    patrols_per_month = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_PATROLS_PER_MONTH),
        metadata={"description": "A grid's required patrols a month (null: the default)"},
    )


class JurisdictionUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    code = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=32))
    parent_id = IdField(allow_none=True)
    patrols_per_month = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_PATROLS_PER_MONTH),
        metadata={"description": "A grid's required patrols a month (null: the default)"},
    )


class JurisdictionQuery(ma.Schema):
    parent_id = IdField(strict=False, metadata={"description": "Direct children of this node"})
    within = IdField(strict=False, metadata={"description": "The whole subtree under this node"})
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    q = ma.fields.String(validate=ma.validate.Length(max=100))


def _resolve_parent(parent_id):
    if parent_id is None:
        if not is_global(current_user()):
            require_jurisdiction_in_scope(current_user(), None, "parent_id")
        return None
    require_jurisdiction_in_scope(current_user(), parent_id, "parent_id")
    return get_visible(Jurisdiction, parent_id)


@blp.route("")
class Jurisdictions(MethodView):
    @blp.arguments(JurisdictionQuery, location="query")
    @blp.response(200, JurisdictionSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the jurisdictions in the caller's scope"""
        stmt = select(Jurisdiction).where(jurisdiction_clause(current_user()))
        if "parent_id" in query:
            stmt = stmt.where(Jurisdiction.parent_id == query["parent_id"])
        if "within" in query:
            stmt = stmt.where(
                Jurisdiction.id.in_(visible_subtree_ids(current_user(), query["within"]))
            )
        if "level" in query:
            stmt = stmt.where(Jurisdiction.level == query["level"])
        if query.get("q"):
            stmt = stmt.where(Jurisdiction.name.contains(query["q"], autoescape=True))
        return paginate_select(stmt.order_by(Jurisdiction.path), pagination_parameters)

    @blp.arguments(JurisdictionSchema)
    @blp.response(201, JurisdictionSchema)
    def post(self, data):
        """Create a jurisdiction (admin)"""
        require_role(current_user(), "admin")
        parent = _resolve_parent(data.pop("parent_id"))
        return service.create_jurisdiction(parent=parent, **data)


@blp.route(f"/<{ID_CONVERTER}:jurisdiction_id>")
class JurisdictionById(MethodView):
    @blp.response(200, JurisdictionSchema)
    def get(self, jurisdiction_id):
        """Get a jurisdiction"""
        return get_visible(Jurisdiction, jurisdiction_id)

    @blp.arguments(JurisdictionUpdateSchema)
    @blp.response(200, JurisdictionSchema)
    def patch(self, data, jurisdiction_id):
        """Rename or move a jurisdiction (admin)"""
        node = get_visible(Jurisdiction, jurisdiction_id)
        require_role(current_user(), "admin")
        if "parent_id" in data:
            data["parent"] = _resolve_parent(data.pop("parent_id"))
        return service.update_jurisdiction(node, **data)

    @blp.response(204)
    def delete(self, jurisdiction_id):
        """Delete an empty jurisdiction (admin)"""
        node = get_visible(Jurisdiction, jurisdiction_id)
        require_role(current_user(), "admin")
        service.delete_jurisdiction(node)
