from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

NOTIFICATION_KINDS = {
    "hazard_due_soon": "隐患整改即将到期",
    "hazard_overdue": "隐患逾期未整改",
    "hazard_escalated": "隐患逾期未整改（上报监管部门）",
    "bad_credit_record": "列入安全生产不良信用记录",
    "blacklist_notice": "拟列入安全生产“黑名单”告知",
    "blacklist_proposal": "事故符合“黑名单”情形，待监管部门核实采集",
    "certificate_expiring": "人员证书即将到期",
    "drill_due": "应急预案演练即将到期",
    "drill_overdue": "应急预案演练逾期未开展",
    "installation_evaluation_due": "重大危险源安全评估即将到期",
    "installation_evaluation_overdue": "重大危险源安全评估逾期未开展",
    "installation_filing_overdue": "重大危险源逾期未备案",
    "report_due": "隐患排查治理统计分析表即将到期未报送",
}


class Notification(Base):
    """The outbox: one message for one user, delivered in the app and, optionally, by webhook.

    `dedupe_key` is unique, so a job that runs twice never notifies twice.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    hazard_id: Mapped[str | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # Webhook delivery state.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
