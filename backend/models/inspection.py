from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, utcnow
from .enterprise import Enterprise
from .user import User

INSPECTION_KINDS = ("supervision", "self_inspection")
FINDING_RESULTS = ("pass", "fail", "na")


class ChecklistVersion(Base):
    """A published, immutable checklist version: its id and hash come from its content."""

    __tablename__ = "checklist_versions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inspection(TimestampMixin, Base):
    """One on-site supervision inspection or enterprise self-inspection against one version."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint("kind IN ('supervision', 'self_inspection')", name="kind"),
        CheckConstraint("status IN ('in_progress', 'finished')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    checklist_version_id: Mapped[str] = mapped_column(
        ForeignKey("checklist_versions.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    inspector_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Device times, stored as reported and never used for ordering.
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    finished_received_at: Mapped[datetime | None]
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    # A standardisation assessment's eligibility statements ([{code, label}]); None otherwise.
    eligibility: Mapped[list | None] = mapped_column(JSON)

    enterprise: Mapped[Enterprise] = relationship()
    checklist_version: Mapped[ChecklistVersion] = relationship()
    inspector: Mapped[User] = relationship()
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="inspection", order_by="Finding.item_code"
    )


class Finding(TimestampMixin, Base):
    """The result of one checklist item in one inspection."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_code", name="uq_findings_inspection_item"),
        CheckConstraint("result IN ('pass', 'fail', 'na')", name="result"),
        CheckConstraint("grade IS NULL OR grade IN ('general', 'major')", name="grade"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    item_code: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    # Optional overrides for the hazard a failed item becomes.
    grade: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[date | None]
    # The enterprise's risk point the item was checked at; its hazard names it too.
    risk_point_id: Mapped[str | None] = mapped_column(
        ForeignKey("risk_points.id", ondelete="RESTRICT"), index=True
    )
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    device_recorded_at: Mapped[datetime | None]

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
