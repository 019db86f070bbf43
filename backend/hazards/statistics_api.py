"""16号令 第十四条: an enterprise's quarterly / annual hazard statistics (统计分析表)."""

import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint, download
from ..core.scope import get_visible
from ..core.spreadsheets import XLSX_MIME, workbook_bytes
from ..core.timeutil import today_in_shanghai
from ..models import Enterprise
from . import reports as service
from .api import BINARY

blp = Blueprint(
    "hazard_statistics",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="隐患排查治理统计分析（16号令第十四条）",
)

ENTERPRISE = f"<{ID_CONVERTER}:enterprise_id>"


class PeriodQuery(ma.Schema):
    year = ma.fields.Integer(
        strict=False,
        validate=ma.validate.Range(min=2000, max=2100),
        metadata={"description": "Default: the current year (Asia/Shanghai)"},
    )
    quarter = ma.fields.Integer(
        strict=False,
        validate=ma.validate.Range(min=1, max=4),
        metadata={"description": "1-4; omitted for the annual table"},
    )


class MajorHazardSchema(ma.Schema):
    id = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String()
    due_on = ma.fields.Date()
    has_plan = ma.fields.Boolean()
    stop_work_order = ma.fields.Boolean()
    listed_for_supervision = ma.fields.Boolean()


class EnterpriseStatisticsSchema(ma.Schema):
    enterprise_id = ma.fields.Integer()
    enterprise_name = ma.fields.String()
    uscc = ma.fields.String()
    principal_name = ma.fields.String(allow_none=True)
    year = ma.fields.Integer()
    quarter = ma.fields.Integer(allow_none=True)
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    report_due_on = ma.fields.Date(metadata={"description": "下一季度15日前 / 次年1月31日前"})
    as_of = ma.fields.AwareDateTime(metadata={"description": "The period's end, or now"})
    found = ma.fields.Integer(metadata={"description": "排查发现隐患数"})
    major = ma.fields.Integer(metadata={"description": "其中重大事故隐患"})
    self_reported = ma.fields.Integer(
        metadata={"description": "其中自查自报隐患 (found by the enterprise itself)"}
    )
    rectified = ma.fields.Integer(metadata={"description": "已整改销号数"})
    rectification_rate = ma.fields.Float(allow_none=True, metadata={"description": "整改率"})
    major_rectified = ma.fields.Integer(metadata={"description": "重大事故隐患已整改数"})
    in_progress = ma.fields.Integer(metadata={"description": "正在整改数"})
    overdue = ma.fields.Integer(metadata={"description": "逾期未整改数"})
    major_hazards = ma.fields.List(ma.fields.Nested(MajorHazardSchema))


def _statistics(enterprise_id: int, query: dict) -> dict:
    enterprise = get_visible(Enterprise, enterprise_id)
    year = query.get("year") or today_in_shanghai().year
    return service.enterprise_statistics(enterprise, year, query.get("quarter"))


@blp.route(f"/{ENTERPRISE}/hazard-statistics")
class EnterpriseHazardStatistics(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, EnterpriseStatisticsSchema)
    def get(self, query, enterprise_id):
        """Quarterly or annual hazard statistics of one enterprise (16号令 第十四条)"""
        return _statistics(enterprise_id, query)


@blp.route(f"/{ENTERPRISE}/hazard-statistics.xlsx")
class EnterpriseHazardStatisticsXlsx(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, BINARY, content_type=XLSX_MIME, description="统计分析表 (XLSX)")
    def get(self, query, enterprise_id):
        """The same statistics as an XLSX table, with a line for the principal's signature"""
        stats = _statistics(enterprise_id, query)
        workbook = service.statistics_workbook(stats)
        suffix = f"{stats['year']}" + (f"Q{stats['quarter']}" if stats["quarter"] else "")
        return download(
            workbook_bytes(workbook),
            XLSX_MIME,
            f"hazard-statistics-{stats['enterprise_id']}-{suffix}.xlsx",
            f"隐患排查治理统计分析表-{stats['enterprise_name']}-{suffix}.xlsx",
        )
