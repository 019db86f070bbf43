"""Enterprise classification (分级分类) and the inspection plans it drives."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, utcnow
from .enterprise import Enterprise

# Most to least supervised.
ENTERPRISE_CLASSES = {"key": "重点", "elevated": "较高", "general": "一般", "low": "低"}
PLAN_STATUSES = {"open": "待检查", "overdue": "逾期未检查", "done": "已检查"}
CLASSIFICATION_CHANGE_KINDS = {
    "computed": "按规则重新分级",
    "override": "监管部门调整分级",
    "override_cleared": "取消人工调整",
}

_CLASS_VALUES = ", ".join(repr(code) for code in ENTERPRISE_CLASSES)


class EnterpriseClassification(Base):
    """An enterprise's current class: computed by the rule, optionally overridden."""

    __tablename__ = "enterprise_classes"
    __table_args__ = (
        CheckConstraint(f"computed_class IN ({_CLASS_VALUES})", name="computed_class"),
        CheckConstraint(
            f"override_class IS NULL OR override_class IN ({_CLASS_VALUES})", name="override_class"
        ),
        CheckConstraint(f"effective_class IN ({_CLASS_VALUES})", name="effective_class"),
    )

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    computed_class: Mapped[str] = mapped_column(String(16))
    factors: Mapped[dict] = mapped_column(JSON, default=dict)
    override_class: Mapped[str | None] = mapped_column(String(16))
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    overridden_at: Mapped[datetime | None]
    effective_class: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()


class ClassificationChange(Base):
    """One change of an enterprise's class (rule result or override), newest last."""

    __tablename__ = "classification_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    from_class: Mapped[str | None] = mapped_column(String(16))
    to_class: Mapped[str] = mapped_column(String(16))
    computed_class: Mapped[str] = mapped_column(String(16))
    override_class: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    factors: Mapped[dict] = mapped_column(JSON, default=dict)


class InspectionPlan(TimestampMixin, Base):
    """The next supervision inspection an enterprise is due (at most one not done each)."""

    __tablename__ = "inspection_plans"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'overdue', 'done')", name="status"),
        CheckConstraint(f"class_code IN ({_CLASS_VALUES})", name="class_code"),
        Index(
            "uq_inspection_plans_one_pending",
            "enterprise_id",
            unique=True,
            sqlite_where=text("status != 'done'"),
            postgresql_where=text("status != 'done'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    # Assigned to the enterprise's jurisdiction (kept in step when the enterprise moves).
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    checklist_code: Mapped[str] = mapped_column(String(64))
    class_code: Mapped[str] = mapped_column(String(16))
    # The date the interval counts from: the last supervision inspection, else when planned.
    basis_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    inspection_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="SET NULL")
    )
    done_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
