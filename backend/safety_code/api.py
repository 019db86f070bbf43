"""The enterprise safety code (常安码): the code and its history, rotation, QR images, the
printable poster, and scanning it in the app (docs/sync.md, wire contracts: QR)."""

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from ..checklists.api import ChecklistSummarySchema, summary
from ..core.http import (
    ID_CONVERTER,
    Blueprint,
    Coordinate,
    DeviceTime,
    content_disposition,
    paginate_select,
)
from ..core.scope import current_user, get_visible, require_role
from ..enterprises.api import EnterpriseSchema
from ..hazards.api import HazardSchema
from ..inspections.api import InspectionSummarySchema
from ..models import JURISDICTION_ROLES, SAFETY_CODE_COLORS, Enterprise
from . import posters, scans
from . import services as service

blp = Blueprint(
    "safety_codes",
    __name__,
    url_prefix="/api/v1",
    description="常安码: the enterprise safety code, its QR code, poster and scans",
)

ENTERPRISE = f"/enterprises/<{ID_CONVERTER}:enterprise_id>"
TOKEN = "<string(maxlength=64):token>"
ROTATORS = ("admin", "supervisor")
BINARY = {"type": "string", "format": "binary"}
COLOR_FIELD = {
    "validate": ma.validate.OneOf(list(SAFETY_CODE_COLORS)),
    "metadata": {"description": "green, yellow or red (the rules: README, 常安码)"},
}


class SafetyCodeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    enterprise_id = ma.fields.Integer(dump_only=True)
    token = ma.fields.String(dump_only=True)
    url = ma.fields.Method(
        "get_url", dump_only=True, metadata={"type": "string", "description": "What the QR encodes"}
    )
    active = ma.fields.Method("get_active", dump_only=True, metadata={"type": "boolean"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    created_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    revoked_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_by_id = ma.fields.Integer(dump_only=True, allow_none=True)

    def get_url(self, code) -> str:
        return service.public_url(code.token)

    def get_active(self, code) -> bool:
        return code.revoked_at is None


class SafetyCodeStateSchema(ma.Schema):
    enterprise_id = ma.fields.Integer(required=True)
    safety_code_color = ma.fields.String(required=True, **COLOR_FIELD)
    code = ma.fields.Nested(SafetyCodeSchema, required=True, metadata={"description": "Active"})
    history = ma.fields.List(
        ma.fields.Nested(SafetyCodeSchema),
        required=True,
        metadata={"description": "Every code, newest first (revoked ones included)"},
    )


class ScanArgs(ma.Schema):
    latitude = Coordinate("latitude")
    longitude = Coordinate("longitude")
    device_time = DeviceTime(metadata={"description": "When the device scanned (stored only)"})


class ScanRecordSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True)
    enterprise_id = ma.fields.Integer(dump_only=True)
    safety_code_id = ma.fields.Integer(dump_only=True)
    scanned_at = ma.fields.AwareDateTime(dump_only=True, metadata={"description": "Server time"})
    latitude = ma.fields.Float(dump_only=True, allow_none=True)
    longitude = ma.fields.Float(dump_only=True, allow_none=True)
    device_time = ma.fields.AwareDateTime(dump_only=True, allow_none=True)


class ScanEnterpriseSchema(EnterpriseSchema):
    safety_code_color = ma.fields.String(dump_only=True, **COLOR_FIELD)


class InspectionPlanSchema(ma.Schema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    checklist_code = ma.fields.String()
    due_on = ma.fields.Date()


class TrainingRegisterSchema(ma.Schema):
    certificates = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "by state"}
    )
    certification = ma.fields.Dict(metadata={"description": "持证上岗率 (seed 001 L27)"})
    training_sessions = ma.fields.Integer()
    line = ma.fields.String(metadata={"description": "One line for checklist item D10"})


class EmergencyRegisterSchema(ma.Schema):
    plans = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    drills = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Item 17 requirement -> done / due / overdue"},
    )
    drill_overdue = ma.fields.Boolean()
    key_unit = ma.fields.Boolean()
    line = ma.fields.String(metadata={"description": "One line for checklist items D7, D17"})


class ScanRegistersSchema(ma.Schema):
    training = ma.fields.Nested(TrainingRegisterSchema)
    emergency = ma.fields.Nested(EmergencyRegisterSchema)


class ScanContextSchema(ma.Schema):
    enterprise = ma.fields.Nested(ScanEnterpriseSchema, required=True)
    safety_code_color = ma.fields.String(required=True, **COLOR_FIELD)
    checklists = ma.fields.List(
        ma.fields.Nested(ChecklistSummarySchema),
        required=True,
        metadata={"description": "Current checklist versions that apply to the enterprise"},
    )
    open_hazards = ma.fields.List(ma.fields.Nested(HazardSchema), required=True)
    last_inspection = ma.fields.Nested(
        InspectionSummarySchema,
        allow_none=True,
        required=True,
        metadata={"description": "The most recently finished inspection"},
    )
    due_inspection_plan = ma.fields.Nested(
        InspectionPlanSchema,
        allow_none=True,
        required=True,
        metadata={"description": "The inspection plan due (null while none is planned)"},
    )
    registers = ma.fields.Nested(ScanRegistersSchema, required=True)
    scan = ma.fields.Nested(ScanRecordSchema, required=True)


def _binary(content: bytes, mimetype: str, filename: str, inline: bool = True) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    # A rotated code must never be served from a cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _code_of(enterprise_id: int):
    user = current_user()
    enterprise = get_visible(Enterprise, enterprise_id, user)
    return enterprise, service.current_code(enterprise, user)


@blp.route(f"{ENTERPRISE}/safety-code", tags=["safety codes"])
class EnterpriseSafetyCode(MethodView):
    @blp.response(200, SafetyCodeStateSchema)
    def get(self, enterprise_id):
        """The enterprise's safety code, its colour and the codes it had (made on first use)"""
        enterprise, code = _code_of(enterprise_id)
        return {
            "enterprise_id": enterprise.id,
            "safety_code_color": service.refresh_safety_code_color(enterprise.id),
            "code": code,
            "history": service.code_history(enterprise),
        }


@blp.route(f"{ENTERPRISE}/safety-code/rotate", tags=["safety codes"])
class RotateSafetyCode(MethodView):
    @blp.response(201, SafetyCodeSchema, description="The new code; the old one is revoked")
    @blp.alt_response(403, response="FORBIDDEN")
    def post(self, enterprise_id):
        """Rotate the safety code: revoke the active token, issue a new one (admin,
        supervisor)

        Posters printed with the old code stop working: their page says the code is no longer
        valid. The old code stays in the history."""
        user = current_user()
        enterprise = get_visible(Enterprise, enterprise_id, user)
        require_role(user, *ROTATORS)
        return service.rotate_code(enterprise, user)


@blp.route(f"{ENTERPRISE}/qr.png", tags=["safety codes"])
class QrPng(MethodView):
    @blp.response(200, BINARY, content_type="image/png", description="The QR code")
    def get(self, enterprise_id):
        """The safety code as a PNG QR code encoding {PUBLIC_BASE_URL}/q/{token}"""
        enterprise, code = _code_of(enterprise_id)
        content = posters.qr_png(service.public_url(code.token))
        return _binary(content, "image/png", f"changanma-{enterprise.id}.png")


@blp.route(f"{ENTERPRISE}/qr.svg", tags=["safety codes"])
class QrSvg(MethodView):
    @blp.response(200, BINARY, content_type="image/svg+xml", description="The QR code")
    def get(self, enterprise_id):
        """The safety code as an SVG QR code encoding {PUBLIC_BASE_URL}/q/{token}"""
        enterprise, code = _code_of(enterprise_id)
        content = posters.qr_svg(service.public_url(code.token))
        return _binary(content, "image/svg+xml", f"changanma-{enterprise.id}.svg")


@blp.route(f"{ENTERPRISE}/poster.pdf", tags=["safety codes"])
class PosterPdf(MethodView):
    @blp.response(200, BINARY, content_type="application/pdf", description="A4 poster")
    def get(self, enterprise_id):
        """A printable A4 poster: enterprise name, USCC, the QR code, instructions (zh-CN)"""
        enterprise, code = _code_of(enterprise_id)
        content = posters.poster_pdf(enterprise, service.public_url(code.token))
        return _binary(content, "application/pdf", f"常安码-{enterprise.name}.pdf")


@blp.route(f"{ENTERPRISE}/scans", tags=["safety codes"])
class EnterpriseScans(MethodView):
    @blp.response(200, ScanRecordSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.paginate()
    def get(self, enterprise_id, pagination_parameters):
        """Scans of the enterprise's codes, newest first: proof of site visits (officials)"""
        user = current_user()
        enterprise = get_visible(Enterprise, enterprise_id, user)
        require_role(user, *JURISDICTION_ROLES)
        return paginate_select(scans.scans_query(enterprise), pagination_parameters)


def _scan(token: str, args: dict) -> dict:
    context = scans.scan(current_user(), token, **args)
    enterprise = context["enterprise"]
    context["checklists"] = [summary(enterprise, v, None) for v in context["checklists"]]
    return context


@blp.route(f"/scan/{TOKEN}", tags=["safety codes"])
class Scan(MethodView):
    @blp.arguments(ScanArgs, location="query")
    @blp.response(200, ScanContextSchema)
    def get(self, args, token):
        """Scan a safety code in the app: the enterprise's context; the scan is recorded

        The device's position and time (query) are stored as reported. A revoked or unknown
        token, or an enterprise outside the caller's scope, answers 404."""
        return _scan(token, args)

    @blp.arguments(ScanArgs)
    @blp.response(200, ScanContextSchema)
    def post(self, args, token):
        """Scan a safety code, the device's position and time in a JSON body (same answer)"""
        return _scan(token, args)
