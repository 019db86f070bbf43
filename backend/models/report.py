"""Reports sent upward on fixed dates (issue 19 item 3): the monthly 「五落实」进展情况汇总表
(附件1, seed 000 方案1), the monthly 联合惩戒 report (方案2) and the enterprise's 16号令 第十四条
quarterly and annual statistics; and the facts 附件1 counts that no other register holds."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

REPORT_KINDS = {
    "five_implementations": "企业落实“五落实”进展情况汇总表",
    "joint_punishment": "联合惩戒对象和“黑名单”管理信息月报",
    "hazard_statistics": "事故隐患排查治理统计分析表",
    "campaign_progress": "专项治理工作进展情况",
}
REPORT_STATES = {"draft": "草稿", "submitted": "已报送", "received": "已签收"}
REPORT_UNITS = {"department": "行业主管部门", "jurisdiction": "辖区", "enterprise": "生产经营单位"}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Report(Base):
    """One report of one unit for one period: draft → submitted → received. The workbook is
    kept as it was submitted (a draft's is regenerated on demand)."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REPORT_KINDS), name="kind"),
        CheckConstraint(_one_of("state", REPORT_STATES), name="state"),
        CheckConstraint(_one_of("unit_kind", REPORT_UNITS), name="unit_kind"),
        UniqueConstraint("kind", "period", "unit_key", name="uq_reports_kind_period_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # "2026-05" (a month), "2026-Q2" (a quarter), "2026" (a year) or "P12" (campaign phase 12:
    # the phase is in the period, so the unique key stays as it is for every kind).
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    unit_kind: Mapped[str] = mapped_column(String(16))
    # "department:7", "enterprise:12": one report per unit, kind and period.
    unit_key: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    # The unit's jurisdiction (a department's territory, an enterprise's own): who sees it.
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    campaign_phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_phases.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    workbook: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    received_at: Mapped[datetime | None]


class FiveImplementationStatus(Base):
    """What 附件1 counts of one enterprise and no other register holds: the day it had printed
    and posted the 五落实五到位规定 wall chart (挂图, 方案1 三(一)), and the day its 五落实 passed
    the department's check (检查验收, 方案1 三(二)3)."""

    __tablename__ = "five_implementation_statuses"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    chart_posted_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
