"""行政许可决定 over REST (`/api/v1/enforcement/licence-decisions`): recorded and published by a
supervisor in scope, read by officials in scope and by the holder enterprise (双公示's other
half; the rules are in licences.py)."""

import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import LICENCE_DECISIONS, LICENCE_KINDS
from . import licences as service

blp = Blueprint(
    "licences",
    __name__,
    url_prefix="/api/v1/enforcement/licence-decisions",
    description="行政许可决定 (licence decisions) and their publication (双公示)",
)

DOCUMENT_ID = "<string(maxlength=64):document_id>"


class LicenceCreateSchema(ma.Schema):
    enterprise_id = IdField(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(LICENCE_KINDS)))
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(list(LICENCE_DECISIONS)))
    licence_number = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "许可证编号"},
    )
    content = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=service.CONTENT_MAX),
        metadata={"description": "许可内容 / 许可范围"},
    )
    decided_on = ma.fields.Date(required=True, metadata={"description": "许可决定日期"})
    valid_from = ma.fields.Date(load_default=None, allow_none=True)
    valid_until = ma.fields.Date(load_default=None, allow_none=True)


class LicenceSchema(LicenceCreateSchema):
    id = ma.fields.String()
    holder_name = ma.fields.String()
    holder_uscc = ma.fields.String()
    kind_label = ma.fields.Function(lambda d: LICENCE_KINDS[d.kind])
    decision_label = ma.fields.Function(lambda d: LICENCE_DECISIONS[d.decision])
    publish_due_on = ma.fields.Date(
        allow_none=True,
        metadata={"description": "公示期限 (local policy); null until the calendar has its year"},
    )
    published_at = ma.fields.AwareDateTime(allow_none=True)


class LicenceQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    published = ma.fields.Boolean()


@blp.route("")
class Licences(MethodView):
    @blp.arguments(LicenceQuery, location="query")
    @blp.response(200, LicenceSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the licence decisions in the caller's scope, latest first"""
        return paginate_select(
            service.licence_query(current_user(), **query), pagination_parameters
        )

    @blp.arguments(LicenceCreateSchema)
    @blp.response(201, LicenceSchema)
    def post(self, data):
        """Record a 行政许可决定 (supervisor in scope)"""
        return service.record_licence(current_user(), **data)


@blp.route("/publication-due")
class LicencesDueForPublication(MethodView):
    @blp.response(200, LicenceSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Licence decisions not yet published whose deadline has passed or is near"""
        return paginate_select(service.publication_due_query(current_user()), pagination_parameters)


@blp.route(f"/{DOCUMENT_ID}")
class LicenceById(MethodView):
    @blp.response(200, LicenceSchema)
    def get(self, document_id):
        """One licence decision"""
        return service.get_visible_licence(current_user(), document_id)


@blp.route(f"/{DOCUMENT_ID}/publication")
class LicencePublication(MethodView):
    @blp.response(200, LicenceSchema)
    def post(self, document_id):
        """Publish the licence decision (双公示; supervisor in scope): it shows on /gongshi"""
        return service.publish_licence(current_user(), document_id)
