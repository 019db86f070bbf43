"""16号令 第十四条: an enterprise's quarterly / annual hazard statistics (统计分析表)."""

import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint
from ..core.scope import get_visible
from ..core.spreadsheets import XLSX_MIME, add_table_sheet, new_workbook, workbook_bytes
from ..core.timeutil import today_in_shanghai
from ..models import Enterprise
from . import reports as service
from .api import BINARY, download

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
        label = service.period_label(stats["year"], stats["quarter"])
        rate = stats["rectification_rate"]
        values = [
            f"{rate:.2%}" if key == "rectification_rate" and rate is not None else stats[key]
            for key, _ in service.STATISTICS_HEADERS
        ]
        workbook = new_workbook()
        add_table_sheet(
            workbook,
            "统计分析表",
            [title for _, title in service.STATISTICS_HEADERS],
            [["" if value is None else value for value in values]],
            preamble=[
                ["生产经营单位事故隐患排查治理统计分析表"],
                ["单位名称", stats["enterprise_name"]],
                ["统一社会信用代码", stats["uscc"]],
                ["统计期间", f"{label}（{stats['period_start']} 至 {stats['period_end']}）"],
                [],
            ],
            footer=[
                [],
                ["报送期限", stats["report_due_on"].isoformat()],
                ["主要负责人（签字）", stats["principal_name"] or ""],
                ["填报日期", today_in_shanghai().isoformat()],
            ],
        )
        add_table_sheet(
            workbook,
            "重大事故隐患",
            ["隐患编号", "隐患描述", "状态", "整改期限", "治理方案", "停产停业整改", "挂牌督办"],
            [
                [
                    hazard["id"],
                    hazard["title"],
                    hazard["status"],
                    hazard["due_on"].isoformat(),
                    "已制定" if hazard["has_plan"] else "未制定",
                    "是" if hazard["stop_work_order"] else "否",
                    "是" if hazard["listed_for_supervision"] else "否",
                ]
                for hazard in stats["major_hazards"]
            ],
        )
        suffix = f"{stats['year']}" + (f"Q{stats['quarter']}" if stats["quarter"] else "")
        return download(
            workbook_bytes(workbook),
            XLSX_MIME,
            f"hazard-statistics-{stats['enterprise_id']}-{suffix}.xlsx",
            f"隐患排查治理统计分析表-{stats['enterprise_name']}-{suffix}.xlsx",
        )
