import json

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView

from checklists.industries import INSPECTION_KINDS

from ..core.http import ID_CONVERTER, Blueprint
from ..core.scope import get_visible
from ..models import Enterprise
from . import registers
from . import services as service

blp = Blueprint("checklists", __name__, url_prefix="/api/v1", description="检查表")

VERSION_ID = "<string(maxlength=64):version_id>"
ONE_YEAR = 365 * 24 * 3600


class RegisterStateSchema(ma.Schema):
    kind = ma.fields.String(
        required=True, metadata={"description": "risk_points, hazard_installations, …"}
    )
    label = ma.fields.String(required=True)
    summary = ma.fields.Dict(
        required=True, metadata={"description": "The register's current state: counts, dates"}
    )


class ChecklistSummarySchema(ma.Schema):
    id = ma.fields.String(required=True, metadata={"description": "The version id"})
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    version = ma.fields.String(required=True)
    content_hash = ma.fields.String(required=True)
    coverage = ma.fields.String(required=True)
    coverage_note = ma.fields.String(
        allow_none=True,
        metadata={"description": "What the checklist is and is not (e.g. 参照: a reference list)"},
    )
    kind = ma.fields.String(
        required=True,
        metadata={
            "description": "inspection (scored, not graded) or standardisation_assessment"
            " (the score gives eligibility statements)"
        },
    )
    kinds = ma.fields.List(ma.fields.String(), required=True)
    item_count = ma.fields.Integer(
        required=True, metadata={"description": "Items that apply to this enterprise"}
    )
    registers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.Nested(RegisterStateSchema)),
        required=True,
        metadata={
            "description": "item code → the enterprise's registers the item concerns, with "
            "their current state (shown beside the item)"
        },
    )


class ChecklistVersionSchema(ma.Schema):
    id = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    version = ma.fields.String(required=True)
    content_hash = ma.fields.String(required=True)
    content = ma.fields.Dict(required=True, metadata={"description": "Sections and items"})


class ApplicableQuery(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(list(INSPECTION_KINDS)))


def summary(enterprise: Enterprise, version, kind: str | None) -> dict:
    checklist = service.checklist_of(version)
    kinds = [k for k in checklist.applicability.kinds if kind in (None, k)] or list(
        INSPECTION_KINDS
    )
    _sections, items = service.items_for(enterprise, checklist, kinds[0])
    return {
        "id": version.id,
        "code": version.code,
        "title": version.title,
        "version": version.version,
        "content_hash": version.content_hash,
        "coverage": checklist.coverage,
        "coverage_note": checklist.coverage_note,
        "kind": checklist.kind,
        "kinds": list(checklist.applicability.kinds),
        "item_count": len(items),
        "registers": registers.registers_beside_items(enterprise.id, version.code),
    }


@blp.route(f"/enterprises/<{ID_CONVERTER}:enterprise_id>/checklists")
class EnterpriseChecklists(MethodView):
    @blp.arguments(ApplicableQuery, location="query")
    @blp.response(200, ChecklistSummarySchema(many=True))
    def get(self, query, enterprise_id):
        """The current checklist versions that apply to an enterprise"""
        enterprise = get_visible(Enterprise, enterprise_id)
        kind = query.get("kind")
        return [summary(enterprise, v, kind) for v in service.applicable_versions(enterprise, kind)]


@blp.route(f"/checklists/{VERSION_ID}")
class ChecklistVersionById(MethodView):
    @blp.response(200, ChecklistVersionSchema)
    @blp.alt_response(304, description="Not modified: the version in the client's cache is current")
    def get(self, version_id):
        """One immutable checklist version (strong ETag; cache it for good)"""
        version = service.get_version(version_id)
        response = current_app.json.response(
            {
                "id": version.id,
                "code": version.code,
                "title": version.title,
                "version": version.version,
                "content_hash": version.content_hash,
                "content": json.loads(version.content),
            }
        )
        response.set_etag(version.content_hash)
        response.headers["Cache-Control"] = f"private, max-age={ONE_YEAR}, immutable"
        return response.make_conditional(request)


@blp.route(f"/enterprises/<{ID_CONVERTER}:enterprise_id>/registers")
class EnterpriseRegisters(MethodView):
    @blp.response(200, RegisterStateSchema(many=True))
    def get(self, enterprise_id):
        """The current state of every register the enterprise keeps (risk points, major hazard
        installations, …), for those who may see the enterprise"""
        enterprise = get_visible(Enterprise, enterprise_id)
        return list(registers.register_summaries(enterprise.id, registers.REGISTERS).values())
