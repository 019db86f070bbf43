import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, QUERY_DATES, Blueprint, IdField, download, paginate_select
from ..core.scope import current_user
from ..core.spreadsheets import XLSX_MIME
from ..models import REPORT_KINDS, REPORT_STATES
from . import services as service

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="上报报表 (reports sent upward: 附件1, 联合惩戒 monthly, 16号令 statistics)",
)

PERIOD = ma.fields.String(
    required=True,
    validate=ma.validate.Length(min=2, max=8),
    metadata={"description": "YYYY-MM, YYYY-Qn or YYYY; P<phase id> (campaign_progress)"},
)


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    period = ma.fields.String()
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    due_on = ma.fields.Date()
    unit_kind = ma.fields.String()
    department_id = ma.fields.Integer(allow_none=True)
    enterprise_id = ma.fields.Integer(allow_none=True)
    jurisdiction_id = ma.fields.Integer()
    campaign_phase_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(metadata={"enum": list(REPORT_STATES)})
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    submitted_by_id = ma.fields.Integer(allow_none=True)
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    received_by_id = ma.fields.Integer(allow_none=True)
    received_at = ma.fields.AwareDateTime(allow_none=True)


class DraftSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(REPORT_KINDS)))
    period = ma.fields.String(
        validate=ma.validate.Length(min=4, max=7),
        metadata={"description": "YYYY-MM, YYYY-Qn or YYYY; a campaign report names its phase"},
    )
    campaign_phase_id = IdField(metadata={"description": "campaign_progress: the phase"})
    department_id = IdField(metadata={"description": "Defaults to the caller's department"})
    enterprise_id = IdField(metadata={"description": "Defaults to the caller's enterprise"})


class ReportQuery(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(list(REPORT_KINDS)))
    period = ma.fields.String(validate=ma.validate.Length(min=4, max=7))


class UnitsQuery(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(REPORT_KINDS)))
    period = PERIOD
    late = ma.fields.Boolean(load_default=False, metadata={"description": "Only the late ones"})


class UnitStatusSchema(ma.Schema):
    unit_kind = ma.fields.String()
    unit_id = ma.fields.Integer()
    unit_name = ma.fields.String()
    report_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(metadata={"enum": ["missing", *REPORT_STATES]})
    due_on = ma.fields.Date()
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    late = ma.fields.Boolean()


class FiveImplementationSchema(ma.Schema):
    enterprise_id = ma.fields.Integer(dump_only=True)
    chart_posted_on = ma.fields.Date(
        allow_none=True, validate=QUERY_DATES, metadata={"description": "挂图印制张贴日期"}
    )
    completed_on = ma.fields.Date(
        allow_none=True, validate=QUERY_DATES, metadata={"description": "五落实检查验收合格日期"}
    )
    updated_at = ma.fields.AwareDateTime(dump_only=True)


@blp.route("")
class Reports(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, ReportSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Reports the caller sees (their own unit's, or their area's)"""
        stmt = service.report_query(current_user(), query.get("kind"), query.get("period"))
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(DraftSchema)
    @blp.response(201, ReportSchema)
    def post(self, data):
        """Generate (or regenerate) the caller's unit's draft for a period"""
        return service.generate_draft(current_user(), **data)


@blp.route("/units")
class ReportUnits(MethodView):
    @blp.arguments(UnitsQuery, location="query")
    @blp.response(200, UnitStatusSchema(many=True))
    def get(self, query):
        """Receiving level: each subordinate unit's report for a period, and who is late"""
        rows = service.units_status(current_user(), query["kind"], query["period"])
        return [row for row in rows if row["late"]] if query["late"] else rows


@blp.route(f"/<{ID_CONVERTER}:report_id>")
class ReportResource(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, report_id):
        """One report"""
        return service.get_report(current_user(), report_id)


@blp.route(f"/<{ID_CONVERTER}:report_id>/workbook.xlsx")
class ReportWorkbook(MethodView):
    @blp.response(200, content_type=XLSX_MIME)
    def get(self, report_id):
        """The report's workbook, as generated for the draft or as submitted"""
        report = service.get_report(current_user(), report_id)
        name = f"{report.kind}-{report.period}-{report.unit_key.replace(':', '-')}.xlsx"
        return download(report.workbook, XLSX_MIME, name, name)


@blp.route(f"/<{ID_CONVERTER}:report_id>/submit")
class ReportSubmit(MethodView):
    @blp.response(200, ReportSchema)
    def post(self, report_id):
        """Submit the draft upward (16号令 statistics: the principal signs and submits)"""
        user = current_user()
        return service.submit(user, service.get_report(user, report_id))


@blp.route(f"/<{ID_CONVERTER}:report_id>/receive")
class ReportReceive(MethodView):
    @blp.response(200, ReportSchema)
    def post(self, report_id):
        """The receiving level signs for a submitted report"""
        user = current_user()
        return service.receive(user, service.get_report(user, report_id))


@blp.route(f"/five-implementations/<{ID_CONVERTER}:enterprise_id>")
class FiveImplementations(MethodView):
    @blp.arguments(FiveImplementationSchema)
    @blp.response(200, FiveImplementationSchema)
    def put(self, data, enterprise_id):
        """Record an enterprise's 五落实 facts counted by 附件1 (wall chart, check passed)"""
        return service.record_five_implementations(current_user(), enterprise_id, **data)
