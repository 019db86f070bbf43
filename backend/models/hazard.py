from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, utcnow
from .enterprise import Enterprise

HAZARD_GRADES = {"general": "一般事故隐患", "major": "重大事故隐患"}
HAZARD_STATUSES = {
    "reported": "已登记",
    "rectifying": "整改中",
    "submitted": "待复查",
    "closed": "已销号",
}


class Hazard(TimestampMixin, Base):
    """A hazard (隐患) tracked from the finding that revealed it to its close-out (销号)."""

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint("grade IN ('general', 'major')", name="grade"),
        CheckConstraint(
            "status IN ('reported', 'rectifying', 'submitted', 'closed')", name="status"
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="RESTRICT"), index=True
    )
    finding_id: Mapped[str | None] = mapped_column(
        ForeignKey("findings.id", ondelete="RESTRICT"), unique=True
    )
    checklist_version_id: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[dict | None] = mapped_column(JSON)
    grade: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="reported", index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
