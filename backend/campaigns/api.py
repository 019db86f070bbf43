import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, QUERY_DATES, Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import ENTERPRISE_CLASSES
from . import progress
from . import services as service

blp = Blueprint(
    "campaigns",
    __name__,
    url_prefix="/api/v1/campaigns",
    description="专项整治 / 专项治理 (campaigns: phases, checklists, targets, progress)",
)


class PhaseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    starts_on = ma.fields.Date(required=True, validate=QUERY_DATES)
    ends_on = ma.fields.Date(required=True, validate=QUERY_DATES)
    self_inspection = ma.fields.Boolean(
        allow_none=True, metadata={"description": "Default: the phase is named 自查自纠"}
    )
    report_due = ma.fields.Boolean(
        allow_none=True,
        metadata={"description": "Report due after it (default: 自查自纠, the last)"},
    )


class TargetFilterSchema(ma.Schema):
    industries = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=64)))
    jurisdiction_id = IdField(allow_none=True)
    department_id = IdField(allow_none=True)
    classes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(list(ENTERPRISE_CLASSES))))


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    jurisdiction_id = IdField(required=True, metadata={"description": "The organising level"})
    department_id = IdField(allow_none=True)
    checklist_codes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        validate=ma.validate.Length(min=1, max=10),
    )
    phases = ma.fields.List(ma.fields.Nested(PhaseSchema), required=True)
    target_filter = ma.fields.Nested(TargetFilterSchema, load_only=True)
    enterprise_ids = ma.fields.List(IdField(), load_only=True)
    target_count = ma.fields.Integer(dump_only=True)
    current_phase = ma.fields.Function(
        lambda c: p.name if (p := service.current_phase(c)) else None, dump_only=True
    )
    status = ma.fields.Function(service.status_label, dump_only=True)
    created_by_id = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class FiguresSchema(ma.Schema):
    targets = ma.fields.Integer()
    self_inspected = ma.fields.Integer()
    supervised = ma.fields.Integer()
    hazards_found = ma.fields.Integer()
    hazards_closed = ma.fields.Integer()
    rechecked = ma.fields.Integer()
    committed = ma.fields.Integer(metadata={"description": "签订履职承诺的企业"})
    penalised = ma.fields.Integer(metadata={"description": "受到行政处罚的企业"})


class CutSchema(FiguresSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ProgressSchema(ma.Schema):
    totals = ma.fields.Nested(FiguresSchema)
    phases = ma.fields.List(ma.fields.Nested(CutSchema))
    streets = ma.fields.List(ma.fields.Nested(CutSchema))
    departments = ma.fields.List(ma.fields.Nested(CutSchema))
    lagging_enterprise_ids = ma.fields.List(ma.fields.Integer())


def _cut(rows):
    return [{"id": unit.id, "name": unit.name, **figures.as_dict()} for unit, figures in rows]


@blp.route("")
class Campaigns(MethodView):
    @blp.response(200, CampaignSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Campaigns the caller sees"""
        return paginate_select(service.campaign_query(current_user()), pagination_parameters)

    @blp.arguments(CampaignSchema)
    @blp.response(201, CampaignSchema)
    def post(self, data):
        """Organise a campaign (supervisors and admins), its targets fixed at once"""
        target_filter = data.pop("target_filter", None)
        return service.create_campaign(
            current_user(),
            target_filter=service.TargetFilter(
                industries=tuple(target_filter.get("industries") or ()),
                jurisdiction_id=target_filter.get("jurisdiction_id"),
                department_id=target_filter.get("department_id"),
                classes=tuple(target_filter.get("classes") or ()),
            )
            if target_filter is not None
            else None,
            **data,
        )


@blp.route(f"/<{ID_CONVERTER}:campaign_id>")
class CampaignResource(MethodView):
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """One campaign, with its phases and the current one"""
        return service.get_campaign(current_user(), campaign_id)


@blp.route(f"/<{ID_CONVERTER}:campaign_id>/progress")
class CampaignProgress(MethodView):
    @blp.response(200, ProgressSchema)
    def get(self, campaign_id):
        """Progress: totals, per phase, per street (镇/街道), per department, lagging targets"""
        campaign = service.get_progress_campaign(current_user(), campaign_id)
        return {
            "totals": progress.totals(campaign).as_dict(),
            "phases": _cut(progress.by_phase(campaign)),
            "streets": _cut(progress.by_street(campaign)),
            "departments": _cut(progress.by_department(campaign)),
            "lagging_enterprise_ids": [e.id for e in progress.lagging(campaign)],
        }
