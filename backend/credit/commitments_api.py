import marshmallow as ma
from flask import Response
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user
from . import commitments as service
from .commitment_templates import TEMPLATES

blp = Blueprint(
    "commitments",
    __name__,
    url_prefix="/api/v1/commitments",
    description="承诺书 (commitments), signed in the app and kept immutably",
)

COMMITMENT_ID = "<string(maxlength=64):commitment_id>"
# Base64 of SIGNATURE_MAX_BYTES (checked in the service) fits well within this.
MAX_SIGNATURE_TEXT = 2_000_000


class QuoteSchema(ma.Schema):
    passage = ma.fields.String()
    source = ma.fields.String()


class TemplateSchema(ma.Schema):
    code = ma.fields.String()
    version = ma.fields.String()
    title = ma.fields.String()
    text = ma.fields.String()
    text_sha256 = ma.fields.String()
    signer_roles = ma.fields.List(ma.fields.String())
    source = ma.fields.String()
    quoted = ma.fields.List(
        ma.fields.Nested(QuoteSchema),
        metadata={"description": "Passages of the text quoted verbatim, with their source"},
    )
    requires_self_inspection = ma.fields.String(
        allow_none=True,
        metadata={"description": "Checklist code of a self-inspection that must come first"},
    )


class CommitmentSchema(ma.Schema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    template_code = ma.fields.String(metadata={"enum": list(TEMPLATES)})
    template_version = ma.fields.String()
    title = ma.fields.String()
    text = ma.fields.String(metadata={"description": "Exactly the text signed"})
    text_sha256 = ma.fields.String()
    signer_id = ma.fields.Integer()
    signer_role = ma.fields.String()
    signer_name = ma.fields.String(metadata={"description": "The name the signer typed"})
    signature_sha256 = ma.fields.String()
    signature_url = ma.fields.Function(
        lambda commitment: f"/api/v1/commitments/{commitment.id}/signature.png"
    )
    signed_at = ma.fields.AwareDateTime(metadata={"description": "Server time"})
    inspection_id = ma.fields.String(
        allow_none=True, metadata={"description": "The self-inspection it follows"}
    )


class SignSchema(ma.Schema):
    template_code = ma.fields.String(required=True, validate=ma.validate.OneOf(list(TEMPLATES)))
    signer_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=2, max=64),
        metadata={"description": "The signer's full name, typed"},
    )
    signature_png = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_SIGNATURE_TEXT),
        metadata={"description": "The drawn signature: a PNG, base64 (a data: URL is accepted)"},
    )


class CommitmentQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    template_code = ma.fields.String(validate=ma.validate.OneOf(list(TEMPLATES)))


@blp.route("/templates")
class Templates(MethodView):
    @blp.response(200, TemplateSchema(many=True))
    def get(self):
        """The commitment templates (code, version, text) an enterprise signs"""
        return list(TEMPLATES.values())


@blp.route("")
class Commitments(MethodView):
    @blp.arguments(CommitmentQuery, location="query")
    @blp.response(200, CommitmentSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List signed commitments in the caller's scope, newest first"""
        stmt = service.commitment_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(SignSchema)
    @blp.response(201, CommitmentSchema)
    def post(self, data):
        """Sign a commitment for one's own enterprise (typed name and drawn signature)"""
        return service.sign(current_user(), **data)


@blp.route(f"/{COMMITMENT_ID}")
class CommitmentById(MethodView):
    @blp.response(200, CommitmentSchema)
    def get(self, commitment_id):
        """One signed commitment"""
        return service.get_visible_commitment(current_user(), commitment_id)


@blp.route(f"/{COMMITMENT_ID}/signature.png")
class CommitmentSignature(MethodView):
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="image/png",
        description="The drawn signature as signed",
    )
    def get(self, commitment_id):
        """The drawn signature (PNG)"""
        commitment = service.get_visible_commitment(current_user(), commitment_id)
        response = Response(commitment.signature_png, mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
