import marshmallow as ma
from flask.views import MethodView

from checklists.industries import INDUSTRIES

from ..core.http import (
    QUERY_DATES,
    Blueprint,
    DeviceTime,
    IdField,
    PhotoList,
    SyncId,
    download,
    paginate_select,
)
from ..core.scope import current_user, get_visible, require_role
from ..core.spreadsheets import CSV_MIME, XLSX_MIME, csv_bytes, xlsx_bytes
from ..models import HAZARD_ACTIONS, HAZARD_GRADES, HAZARD_STATUSES, Hazard
from . import reports as hazard_reports
from . import services as service

blp = Blueprint("hazards", __name__, url_prefix="/api/v1/hazards", description="隐患")

HAZARD_ID = "<string(maxlength=64):hazard_id>"


def _plan_text(description: str):
    return ma.fields.String(
        validate=ma.validate.Length(max=4000),
        allow_none=True,
        metadata={"description": description},
    )


class PlanSchema(ma.Schema):
    """五落实 and the six parts of a 重大事故隐患治理方案 (16号令 第十五条); the deadline (时限)
    is the hazard's due_on. A general hazard needs `owner` before rectification starts, a
    major hazard every part."""

    owner = _plan_text("整改责任人（责任落实）")
    measures = _plan_text("整改措施（措施落实）")
    funds = _plan_text("整改资金（资金落实）")
    contingency_plan = _plan_text("应急预案（预案落实）")
    objectives = _plan_text("（一）治理的目标和任务")
    methods = _plan_text("（二）采取的方法和措施")
    funds_and_materials = _plan_text("（三）经费和物资的落实")
    organisation = _plan_text("（四）负责治理的机构和人员")
    time_limit = _plan_text("（五）治理的时限和要求")
    safety_measures = _plan_text("（六）安全措施和应急预案")


class HazardSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    enterprise_id = ma.fields.Integer(dump_only=True)
    inspection_id = ma.fields.String(dump_only=True, allow_none=True)
    finding_id = ma.fields.String(dump_only=True, allow_none=True)
    checklist_version_id = ma.fields.String(dump_only=True, allow_none=True)
    item_code = ma.fields.String(dump_only=True, allow_none=True)
    title = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    location = ma.fields.String(dump_only=True, metadata={"description": "隐患部位"})
    risk_point_id = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The risk point it was found at"}
    )
    legal_basis = ma.fields.Dict(dump_only=True, allow_none=True)
    grade = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    due_on = ma.fields.Date(dump_only=True)
    overdue = ma.fields.Method(
        "get_overdue",
        dump_only=True,
        metadata={
            "type": "boolean",
            "description": "Past its deadline (Asia/Shanghai), not closed",
        },
    )
    days_overdue = ma.fields.Method(
        "get_days_overdue",
        dump_only=True,
        metadata={
            "type": "integer",
            "description": "Whole days past the deadline; 0 if not overdue",
        },
    )
    overdue_since = ma.fields.Method(
        "get_overdue_since",
        dump_only=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "Start of the day after the deadline in Asia/Shanghai",
        },
    )
    marked_overdue_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    fixed_on_spot = ma.fields.Boolean(dump_only=True)
    self_reported = ma.fields.Boolean(
        dump_only=True,
        metadata={
            "description": "自查自报: found by the enterprise itself (its self-inspection "
            "or its own report)"
        },
    )
    stop_work_order = ma.fields.Boolean(dump_only=True)
    listed_for_supervision = ma.fields.Boolean(dump_only=True)
    plan = ma.fields.Nested(PlanSchema, dump_only=True, allow_none=True)
    extension_requested_due_on = ma.fields.Date(
        dump_only=True, allow_none=True, metadata={"description": "A pending extension request"}
    )
    reported_by_id = ma.fields.Integer(dump_only=True)
    reported_at = ma.fields.AwareDateTime(dump_only=True)
    closed_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_by_enterprise = ma.fields.Boolean(
        dump_only=True,
        metadata={
            "description": "Closed (销号) by the enterprise itself; officials may "
            "spot-check and reopen it"
        },
    )
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    def get_overdue(self, hazard: Hazard) -> bool:
        return service.is_overdue(hazard)

    def get_days_overdue(self, hazard: Hazard) -> int:
        return service.days_overdue(hazard)

    def get_overdue_since(self, hazard: Hazard) -> str:
        return service.overdue_since(hazard).isoformat()


class HazardQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})
    industry = ma.fields.String(
        validate=ma.validate.OneOf(list(INDUSTRIES)),
        metadata={
            "description": "The enterprise's industry (industry_trade: every 工贸 sub-industry)"
        },
    )
    department_id = IdField(
        strict=False,
        metadata={"description": "The enterprises this department (行业主管部门) supervises"},
    )
    status = ma.fields.String(validate=ma.validate.OneOf(list(HAZARD_STATUSES)))
    grade = ma.fields.String(validate=ma.validate.OneOf(list(HAZARD_GRADES)))
    overdue = ma.fields.Boolean(metadata={"description": "Past the deadline and not closed"})
    self_reported = ma.fields.Boolean(metadata={"description": "Found by the enterprise itself"})
    closed_by_enterprise = ma.fields.Boolean(
        metadata={"description": "Closed by the enterprise itself (to spot-check)"}
    )
    min_days_overdue = ma.fields.Integer(
        strict=False, validate=ma.validate.Range(min=0, max=100_000)
    )
    due_from = ma.fields.Date(
        validate=QUERY_DATES, metadata={"description": "Deadline on or after"}
    )
    due_to = ma.fields.Date(validate=QUERY_DATES, metadata={"description": "Deadline on or before"})
    sort = ma.fields.String(load_default="due_on", validate=ma.validate.OneOf(service.SORTS))


class HazardReportSchema(ma.Schema):
    id = SyncId(metadata={"description": "Client-chosen id (optional)"})
    enterprise_id = IdField(required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    location = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=500),
        metadata={"description": "隐患部位: where in the plant"},
    )
    grade = ma.fields.String(
        load_default="general", validate=ma.validate.OneOf(list(HAZARD_GRADES))
    )
    due_on = ma.fields.Date(
        allow_none=True, metadata={"description": "Rectification deadline; today if fixed on spot"}
    )
    risk_point_id = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The enterprise's risk point the hazard was found at"},
    )
    photos = PhotoList(metadata={"description": "SHA-256 of photos of the hazard (before)"})
    fixed_on_spot = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "立查立改: fixed during the visit; closes at once"},
    )
    after_photos = PhotoList(
        metadata={"description": "SHA-256 of photos after fixing (required when fixed_on_spot)"}
    )
    device_time = DeviceTime()


class ActionSchema(ma.Schema):
    action = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(service.TRANSITIONS)),
        metadata={"description": "The transition to take (see the hazard workflow)"},
    )
    id = SyncId(metadata={"description": "Client-chosen action id; a replay is a no-op"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    photos = PhotoList()
    due_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "request_extension: the deadline asked for; approve_extension, "
            "reopen: the new deadline"
        },
    )
    plan = ma.fields.Nested(PlanSchema, allow_none=True)
    stop_work_order = ma.fields.Boolean(allow_none=True, metadata={"description": "set_flags"})
    listed_for_supervision = ma.fields.Boolean(
        allow_none=True, metadata={"description": "set_flags"}
    )
    device_time = DeviceTime(
        metadata={"description": "When the device took the action (stored only)"}
    )


class HazardActionSchema(ma.Schema):
    id = ma.fields.String()
    seq = ma.fields.Integer()
    action = ma.fields.String()
    action_label = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String()
    received_at = ma.fields.AwareDateTime()
    device_time = ma.fields.AwareDateTime(allow_none=True)
    note = ma.fields.String()
    payload = ma.fields.Dict()
    due_on_before = ma.fields.Date(allow_none=True)
    due_on_after = ma.fields.Date(allow_none=True)
    photos = ma.fields.List(ma.fields.String(), metadata={"description": "SHA-256 of photos"})


class StatsQuery(ma.Schema):
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})
    industry = ma.fields.String(validate=ma.validate.OneOf(list(INDUSTRIES)))
    department_id = IdField(
        strict=False,
        metadata={"description": "The enterprises this department (行业主管部门) supervises"},
    )
    grade = ma.fields.String(validate=ma.validate.OneOf(list(HAZARD_GRADES)))
    reported_from = ma.fields.Date(
        validate=QUERY_DATES, metadata={"description": "Reported on or after (Asia/Shanghai)"}
    )
    reported_to = ma.fields.Date(
        validate=QUERY_DATES, metadata={"description": "Reported on or before (Asia/Shanghai)"}
    )


class TallySchema(ma.Schema):
    total = ma.fields.Integer()
    open = ma.fields.Integer()
    overdue = ma.fields.Integer(
        metadata={"description": "Not rectified by the deadline (submitted ones are not)"}
    )
    closed = ma.fields.Integer()
    self_reported = ma.fields.Integer(
        metadata={"description": "自查自报: found by the enterprises themselves"}
    )
    rectification_rate = ma.fields.Float(
        allow_none=True, metadata={"description": "closed / total"}
    )
    mean_days_to_close = ma.fields.Float(allow_none=True)
    awaiting_verification = ma.fields.Integer(
        metadata={"description": "Submitted, waiting for an official (待核验)"}
    )
    mean_days_awaiting_verification = ma.fields.Float(
        allow_none=True, metadata={"description": "The bureau's own delay, so far"}
    )
    max_days_awaiting_verification = ma.fields.Float(allow_none=True)


class JurisdictionTallySchema(TallySchema):
    jurisdiction_id = ma.fields.Integer()
    name = ma.fields.String()
    level = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)


class IndustryTallySchema(TallySchema):
    industry = ma.fields.String()
    name = ma.fields.String()


class MonthTallySchema(TallySchema):
    month = ma.fields.String(metadata={"description": "YYYY-MM reported (Asia/Shanghai)"})


class StatsSchema(ma.Schema):
    as_of = ma.fields.AwareDateTime()
    totals = ma.fields.Nested(TallySchema)
    by_jurisdiction = ma.fields.List(
        ma.fields.Nested(JurisdictionTallySchema),
        metadata={"description": "Every visible jurisdiction, counting its whole subtree"},
    )
    by_industry = ma.fields.List(ma.fields.Nested(IndustryTallySchema))
    by_month = ma.fields.List(ma.fields.Nested(MonthTallySchema))


BINARY = {"type": "string", "format": "binary"}


@blp.route("")
class Hazards(MethodView):
    @blp.arguments(HazardQuery, location="query")
    @blp.response(200, HazardSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List hazards in the caller's scope: filters, sorting, overdue days"""
        return paginate_select(service.hazard_query(current_user(), **query), pagination_parameters)

    @blp.arguments(HazardReportSchema)
    @blp.response(201, HazardSchema)
    def post(self, data):
        """Report a hazard outside any checklist (officials; an enterprise's safety manager for
        its own enterprise); 立查立改 closes a general hazard at once"""
        return service.report_hazard(current_user(), **data)


@blp.route("/stats")
class HazardStats(MethodView):
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsSchema)
    def get(self, query):
        """Statistics: open, overdue, rectification rate, mean days to close (supervisors,
        admins, department officials; each of their scope)"""
        user = current_user()
        require_role(user, *hazard_reports.STATS_ROLES)
        return hazard_reports.hazard_stats(user, query)


@blp.route("/export.xlsx")
class HazardLedgerXlsx(MethodView):
    @blp.arguments(HazardQuery, location="query")
    @blp.response(200, BINARY, content_type=XLSX_MIME, description="The hazard ledger (隐患台账)")
    def get(self, query):
        """Export the hazard ledger (隐患台账) as XLSX: the list's filters and scope"""
        headers, rows = hazard_reports.ledger(current_user(), query)
        content = xlsx_bytes("隐患台账", headers, rows)
        return download(content, XLSX_MIME, *hazard_reports.ledger_file_names("xlsx"))


@blp.route("/export.csv")
class HazardLedgerCsv(MethodView):
    @blp.arguments(HazardQuery, location="query")
    @blp.response(
        200,
        {"type": "string"},
        content_type=CSV_MIME,
        description="The hazard ledger (隐患台账), UTF-8 with a byte-order mark",
    )
    def get(self, query):
        """Export the hazard ledger (隐患台账) as CSV (UTF-8 with BOM, for Excel)"""
        headers, rows = hazard_reports.ledger(current_user(), query)
        response = download(
            csv_bytes(headers, rows), CSV_MIME, *hazard_reports.ledger_file_names("csv")
        )
        response.charset = "utf-8"
        return response


@blp.route(f"/{HAZARD_ID}")
class HazardById(MethodView):
    @blp.response(200, HazardSchema)
    def get(self, hazard_id):
        """One hazard"""
        return get_visible(Hazard, hazard_id)


@blp.route(f"/{HAZARD_ID}/actions")
class HazardActions(MethodView):
    @blp.arguments(ActionSchema)
    @blp.response(200, HazardSchema)
    @blp.alt_response(409, response="CONFLICT", description="The action does not fit the state")
    def post(self, data, hazard_id):
        """Take an action: file_plan, start_rectification, submit, verify, reject,
        request/approve/deny_extension, reopen, set_flags"""
        hazard = get_visible(Hazard, hazard_id)
        action = data.pop("action")
        return service.apply_action(current_user(), hazard, action, **data)


@blp.route(f"/{HAZARD_ID}/plan")
class HazardPlan(MethodView):
    @blp.arguments(PlanSchema)
    @blp.response(200, HazardSchema)
    def put(self, data, hazard_id):
        """File or update the rectification plan (enterprise manager; same as file_plan)"""
        hazard = get_visible(Hazard, hazard_id)
        return service.apply_action(current_user(), hazard, "file_plan", plan=data)


@blp.route(f"/{HAZARD_ID}/history")
class HazardHistory(MethodView):
    @blp.response(200, HazardActionSchema(many=True))
    def get(self, hazard_id):
        """The hazard's audit trail in server order, with each entry's photos"""
        hazard = get_visible(Hazard, hazard_id)
        return [
            {
                **{
                    column: getattr(item["entry"], column)
                    for column in HazardActionSchema().fields
                    if hasattr(item["entry"], column)
                },
                "action_label": HAZARD_ACTIONS.get(item["entry"].action, item["entry"].action),
                "photos": item["photos"],
            }
            for item in service.history(hazard)
        ]
