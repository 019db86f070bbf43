"""The enterprise's risk registers: risk points (风险分级管控) and major hazard installations
(重大危险源, GB 18218-2018). The rules (levels, S, R, grade, due dates) are the risks domain's
(backend/risks/); the columns they derive are kept so that pages, the API and devices read them."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .enterprise import Enterprise

RISK_POINT_KINDS = {"place": "场所/区域", "activity": "作业活动", "equipment": "设备设施"}
# The four levels and their colours (四色: 红 橙 黄 蓝), highest first.
RISK_LEVELS = {"major": "重大风险", "larger": "较大风险", "general": "一般风险", "low": "低风险"}
RISK_COLOURS = {"major": "red", "larger": "orange", "general": "yellow", "low": "blue"}
RISK_COLOUR_LABELS = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}
ASSESSMENT_METHODS = {"lec": "作业条件危险性分析法（LEC）", "matrix": "风险矩阵法（L×S）"}
CONTROL_LEVELS = {"company": "公司", "workshop": "车间", "team": "班组", "post": "岗位"}
INSTALLATION_KINDS = {"production": "生产单元", "storage": "储存单元"}
INSTALLATION_GRADES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
INSTALLATION_FILING_STATUSES = {
    "not_filed": "未备案",
    "filed": "已报备案",
    "accepted": "备案已受理",
}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RiskPoint(Base):
    """One risk point of an enterprise, its assessment inputs and the level they give."""

    __tablename__ = "risk_points"
    __table_args__ = (
        CheckConstraint(_one_of("kind", RISK_POINT_KINDS), name="kind"),
        CheckConstraint(_one_of("method", ASSESSMENT_METHODS), name="method"),
        CheckConstraint(_one_of("level", RISK_LEVELS), name="level"),
        CheckConstraint(_one_of("control_level", CONTROL_LEVELS), name="control_level"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(500), default="")
    # GB 6441-1986 accident categories (ACCIDENT_TYPES codes).
    hazard_types: Mapped[list] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(8))
    # The inputs as given: LEC's L, E, C, or the matrix's likelihood and severity.
    lec_l: Mapped[float | None] = mapped_column(Float)
    lec_e: Mapped[float | None] = mapped_column(Float)
    lec_c: Mapped[float | None] = mapped_column(Float)
    likelihood: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(16), index=True)
    control_measures: Mapped[str] = mapped_column(Text, default="")
    control_level: Mapped[str] = mapped_column(String(16))
    responsible_person: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()


class HazardInstallation(Base):
    """One production or storage unit an enterprise declared under GB 18218-2018, with the
    hazardous chemicals in it and what the standard derives from them."""

    __tablename__ = "hazard_installations"
    __table_args__ = (
        CheckConstraint(_one_of("unit_kind", INSTALLATION_KINDS), name="unit_kind"),
        CheckConstraint(
            _one_of("filing_status", INSTALLATION_FILING_STATUSES), name="filing_status"
        ),
        CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 4", name="grade"),
        CheckConstraint("exposed_people >= 0", name="exposed_people"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    unit_kind: Mapped[str] = mapped_column(String(16))
    # [{"substance": code | null, "category": symbol | null, "quantity_t": q}, ...]
    substances: Mapped[list] = mapped_column(JSON, default=list)
    # 厂区边界向外扩展500米范围内常住人口数量 (GB 18218-2018 表5, α).
    exposed_people: Mapped[int] = mapped_column(Integer, default=0)
    s_value: Mapped[float] = mapped_column(Float)
    r_value: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float)
    is_major: Mapped[bool] = mapped_column(Boolean, index=True)
    grade: Mapped[int | None] = mapped_column(Integer)
    registered_on: Mapped[date | None]  # 登记建档
    filing_status: Mapped[str] = mapped_column(String(16), default="not_filed")
    filed_on: Mapped[date | None]
    accepted_on: Mapped[date | None]
    last_evaluated_on: Mapped[date | None]
    evaluation_due_on: Mapped[date | None]
    monitoring_notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
