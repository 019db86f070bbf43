"""The enterprise's emergency plans (应急预案, seed 004 item 7: 综合应急预案、专项应急预案和现场处置
方案, their 备案) and its drills (应急预案演练, seed 004 item 17)."""

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin

# 《生产安全事故应急预案管理办法》 art. 6: the three kinds of plan; a drill exercises one kind.
PLAN_KINDS = {
    "comprehensive": "综合应急预案",
    "special": "专项应急预案",
    "on_site": "现场处置方案",
}
DRILL_TYPES = {
    "comprehensive": "综合应急预案演练",
    "special": "专项应急预案演练",
    "on_site": "现场处置方案演练",
}
FILING_STATUSES = {"not_filed": "未备案", "filed": "已备案"}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EmergencyPlan(TimestampMixin, Base):
    """One emergency plan with its 备案 (filing with the authority, date)."""

    __tablename__ = "emergency_plans"
    __table_args__ = (
        CheckConstraint(_one_of("kind", PLAN_KINDS), name="kind"),
        CheckConstraint(_one_of("filing_status", FILING_STATUSES), name="filing_status"),
        CheckConstraint(
            "filing_status = 'not_filed' OR (filed_with IS NOT NULL AND filed_on IS NOT NULL)",
            name="filing",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date | None] = mapped_column(Date)
    filing_status: Mapped[str] = mapped_column(String(16), default="not_filed")
    filed_with: Mapped[str | None] = mapped_column(String(100))
    filed_on: Mapped[date | None] = mapped_column(Date)


class Drill(TimestampMixin, Base):
    """One drill: its type, date, how many took part, its evaluation and what is to improve."""

    __tablename__ = "emergency_drills"
    __table_args__ = (
        CheckConstraint(_one_of("drill_type", DRILL_TYPES), name="drill_type"),
        CheckConstraint("participants_count >= 0", name="participants_count"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    drill_type: Mapped[str] = mapped_column(String(16))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    plan_id: Mapped[str | None] = mapped_column(
        ForeignKey("emergency_plans.id", ondelete="SET NULL"), index=True
    )
    participants_count: Mapped[int] = mapped_column(Integer)
    evaluation: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
