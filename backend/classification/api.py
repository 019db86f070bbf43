import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint, IdField, paginate_select
from ..core.scope import current_user, get_visible
from ..models import CLASSIFICATION_CHANGE_KINDS, ENTERPRISE_CLASSES, Enterprise
from . import services as service

blp = Blueprint(
    "classification",
    __name__,
    url_prefix="/api/v1",
    description="分级分类 (enterprise classification): the rule, overrides, history",
)

ENTERPRISE_ID = f"<{ID_CONVERTER}:enterprise_id>"
CLASS_ENUM = {"enum": list(ENTERPRISE_CLASSES)}


class ClassificationSchema(ma.Schema):
    enterprise_id = ma.fields.Integer()
    class_code = ma.fields.String(
        attribute="effective_class",
        metadata={**CLASS_ENUM, "description": "The class in force (override, else computed)"},
    )
    class_label = ma.fields.Function(lambda row: ENTERPRISE_CLASSES[row.effective_class])
    computed_class = ma.fields.String(metadata=CLASS_ENUM)
    factors = ma.fields.Dict(metadata={"description": "What the rule used, and its result"})
    override_class = ma.fields.String(allow_none=True, metadata=CLASS_ENUM)
    override_reason = ma.fields.String(allow_none=True)
    overridden_by_id = ma.fields.Integer(allow_none=True)
    overridden_at = ma.fields.AwareDateTime(allow_none=True)
    inspection_interval_months = ma.fields.Function(
        lambda row: service.interval_months_shown_to(current_user(), row.effective_class),
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "How often it is due a supervision visit (officials only)",
        },
    )
    updated_at = ma.fields.AwareDateTime()


class OverrideSchema(ma.Schema):
    class_code = ma.fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.OneOf(list(ENTERPRISE_CLASSES)),
        metadata={"description": "The class to set; null clears the override"},
    )
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class ChangeSchema(ma.Schema):
    id = ma.fields.Integer()
    changed_at = ma.fields.AwareDateTime()
    kind = ma.fields.String(metadata={"enum": list(CLASSIFICATION_CHANGE_KINDS)})
    from_class = ma.fields.String(allow_none=True, metadata=CLASS_ENUM)
    to_class = ma.fields.String(metadata=CLASS_ENUM)
    computed_class = ma.fields.String(metadata=CLASS_ENUM)
    override_class = ma.fields.String(allow_none=True, metadata=CLASS_ENUM)
    reason = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    factors = ma.fields.Dict()


class ClassificationQuery(ma.Schema):
    class_code = ma.fields.String(validate=ma.validate.OneOf(list(ENTERPRISE_CLASSES)))
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})


@blp.route(f"/enterprises/{ENTERPRISE_ID}/classification")
class EnterpriseClassification(MethodView):
    @blp.response(200, ClassificationSchema)
    def get(self, enterprise_id):
        """The enterprise's class as of now, with the factors of the rule"""
        return service.current_classification(current_user(), enterprise_id)


@blp.route(f"/enterprises/{ENTERPRISE_ID}/classification/override")
class ClassificationOverride(MethodView):
    @blp.arguments(OverrideSchema)
    @blp.response(200, ClassificationSchema)
    def post(self, data, enterprise_id):
        """Override the class with a reason, or clear the override (supervisor in scope)"""
        user = current_user()
        enterprise = get_visible(Enterprise, enterprise_id, user)
        return service.set_override(user, enterprise, data["class_code"], data["reason"])


@blp.route(f"/enterprises/{ENTERPRISE_ID}/classification/history")
class ClassificationHistory(MethodView):
    @blp.response(200, ChangeSchema(many=True))
    def get(self, enterprise_id):
        """Every change of the enterprise's class: rule results and overrides, oldest first"""
        return service.history(get_visible(Enterprise, enterprise_id))


@blp.route("/classifications")
class Classifications(MethodView):
    @blp.arguments(ClassificationQuery, location="query")
    @blp.response(200, ClassificationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Classes of the enterprises in the caller's scope (as of the last recomputation)"""
        stmt = service.classification_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)
