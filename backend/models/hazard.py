from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
# Every kind of entry in a hazard's audit trail; the service's transition table says who may
# do which of the public ones, the others are written by the server itself.
HAZARD_ACTIONS = {
    "report": "登记隐患",
    "fix_on_spot": "立查立改",
    "file_plan": "制定整改方案",
    "start_rectification": "开始整改",
    "submit": "提交复查",
    "verify": "现场核验销号",
    "reject": "返工整改",
    "request_extension": "延期申请",
    "approve_extension": "批准延期",
    "deny_extension": "驳回延期",
    "reopen": "重新整改",
    "set_flags": "停产停业整改/挂牌督办",
    "mark_overdue": "逾期",
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
    # 隐患部位: where in the plant (free text, e.g. "二号车间东侧配电柜").
    location: Mapped[str] = mapped_column(Text, default="", server_default="")
    legal_basis: Mapped[dict | None] = mapped_column(JSON)
    grade: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="reported", index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # 自查自报 (方案4 L141): found by the enterprise itself, in its self-inspection or its own
    # report, rather than by an official's supervision inspection or report.
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Closed (销号) by the enterprise itself (自改, 青安委〔2024〕2号 item 31), which officials may
    # spot-check and reopen; who closed it is the closing step's actor in the audit trail.
    closed_by_enterprise: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    fixed_on_spot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 五落实 and, for a major hazard, the six parts of its 治理方案 (16号令 第十五条).
    plan: Mapped[dict | None] = mapped_column(JSON)
    stop_work_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    listed_for_supervision: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The risk point (风险点) of the same enterprise the hazard was found at, if any.
    risk_point_id: Mapped[str | None] = mapped_column(
        ForeignKey("risk_points.id", ondelete="RESTRICT"), index=True
    )
    # A pending extension request (延期申请): the deadline the enterprise asked for.
    extension_requested_due_on: Mapped[date | None]
    # When the mark_overdue job first saw the current deadline pass (cleared by a new deadline).
    marked_overdue_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()


class HazardAction(Base):
    """One entry of a hazard's append-only audit trail: every transition writes one.

    Devices may choose the id (they sync actions taken offline); `device_time` is stored as
    reported and never used for ordering: `seq` (per hazard) is the server's order.
    """

    __tablename__ = "hazard_actions"
    __table_args__ = (UniqueConstraint("hazard_id", "seq", name="uq_hazard_actions_hazard_seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hazard_id: Mapped[str] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_role: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    device_time: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_on_before: Mapped[date | None]
    due_on_after: Mapped[date | None]
