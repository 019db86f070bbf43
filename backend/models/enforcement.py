"""Enforcement documents (执法文书): the rectification order (责令限期整改指令书) issued from a
supervision inspection's failed items, the review opinion (整改复查意见书) after verification,
and the administrative penalty decision (行政处罚决定书) with its publication (双公示).

Each document is numbered per issuing authority (the district the enterprise lies in), kind and
year, without gaps or repeats: `EnforcementNumberCounter` is taken under a row lock in the
transaction that inserts the document (backend/enforcement/numbering.py). A document is a
snapshot: its items and its party are copied at issue, and stay as issued.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin
from .enterprise import Enterprise

# The kinds of numbered document and the word of their number (「（XX应急）责改〔2026〕12号」).
ENFORCEMENT_DOCUMENT_KINDS = {
    "rectification_order": "责改",
    "review_opinion": "复查",
    "penalty_decision": "罚",
}
ENFORCEMENT_DOCUMENT_TITLES = {
    "rectification_order": "责令限期整改指令书",
    "review_opinion": "整改复查意见书",
    "penalty_decision": "行政处罚决定书",
}
# 《行政处罚法》(2021) 第九条: the kinds of administrative penalty, (一) to (五).
PENALTY_TYPES = {
    "warning": "警告",
    "circulated_criticism": "通报批评",
    "fine": "罚款",
    "confiscate_illegal_gains": "没收违法所得",
    "confiscate_illegal_property": "没收非法财物",
    "suspend_licence": "暂扣许可证件",
    "lower_qualification": "降低资质等级",
    "revoke_licence": "吊销许可证件",
    "restrict_business": "限制开展生产经营活动",
    "suspend_production": "责令停产停业",
    "order_closure": "责令关闭",
    "restrict_practice": "限制从业",
    "administrative_detention": "行政拘留",
}


class EnforcementNumberCounter(Base):
    """The last number given to a kind of document by an authority in a year."""

    __tablename__ = "enforcement_number_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number"),)

    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class NumberedDocument(TimestampMixin):
    """What every numbered document carries: its authority, year, serial and number text."""

    authority_jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    number_year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    # The two (or more) 执法人员 who sign (行政处罚法 第四十二条: 不得少于两人).
    official_names: Mapped[list] = mapped_column(JSON, default=list)


class RectificationOrder(NumberedDocument, Base):
    """责令限期整改指令书: one per supervision inspection; `items` are
    [{hazard_id, item_code, text, legal_basis, due_on}] as issued."""

    __tablename__ = "rectification_orders"
    __table_args__ = (
        UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_rectification_orders_no"
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(
        ForeignKey("inspections.id", ondelete="RESTRICT"), unique=True
    )
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_on: Mapped[date]
    items: Mapped[list] = mapped_column(JSON, default=list)
    # The enterprise's receipt (签收), recorded later.
    receiver_name: Mapped[str | None] = mapped_column(String(64))
    received_on: Mapped[date | None]

    enterprise: Mapped[Enterprise] = relationship()


class ReviewOpinion(NumberedDocument, Base):
    """整改复查意见书: one per order, after its hazards were verified; `items` are
    [{hazard_id, item_code, text, due_on, hazard_status, rectified}]."""

    __tablename__ = "review_opinions"
    __table_args__ = (
        UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_review_opinions_no"
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("rectification_orders.id", ondelete="RESTRICT"), unique=True
    )
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_on: Mapped[date]
    items: Mapped[list] = mapped_column(JSON, default=list)

    enterprise: Mapped[Enterprise] = relationship()
    order: Mapped[RectificationOrder] = relationship()


class PenaltyDecision(NumberedDocument, Base):
    """行政处罚决定书, recorded by a supervisor, and its publication (双公示)."""

    __tablename__ = "penalty_decisions"
    __table_args__ = (
        UniqueConstraint(
            "authority_jurisdiction_id", "number_year", "serial", name="uq_penalty_decisions_no"
        ),
        CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount_fen"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The party (当事人) as decided: the enterprise's name, USCC and legal representative.
    party_name: Mapped[str] = mapped_column(String(200))
    party_uscc: Mapped[str] = mapped_column(String(18))
    party_legal_representative: Mapped[str] = mapped_column(String(64), default="")
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    penalty_types: Mapped[list] = mapped_column(JSON, default=list)
    # 罚没金额 in fen (1 yuan = 100 fen): exact, never a float.
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    decided_on: Mapped[date] = mapped_column(index=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # 方案5 L198: published within 20 working days of the decision. None while the
    # working-day calendar does not cover the year the deadline falls in (filled in later).
    publish_due_on: Mapped[date | None] = mapped_column(index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    enterprise: Mapped[Enterprise] = relationship()


# The safety licences (行政许可) the bureau grants and publishes (双公示, seed 000 L66–67).
LICENCE_KINDS = {
    "safety_production": "安全生产许可证",
    "hazardous_chemicals_business": "危险化学品经营许可证",
    "hazardous_chemicals_use": "危险化学品安全使用许可证",
    "fireworks_business": "烟花爆竹经营许可证",
    "other": "其他安全生产行政许可",
}
LICENCE_DECISIONS = {
    "grant": "准予许可",
    "change": "准予变更",
    "renew": "准予延续",
    "deregister": "注销",
}


class LicenceDecision(TimestampMixin, Base):
    """A 行政许可决定 on an enterprise, recorded by a supervisor, and its publication (双公示).
    The licence number is the certificate's own (许可证编号), as issued."""

    __tablename__ = "licence_decisions"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(repr(k) for k in LICENCE_KINDS) + ")", name="kind"),
        CheckConstraint(
            "decision IN (" + ", ".join(repr(k) for k in LICENCE_DECISIONS) + ")",
            name="decision",
        ),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name="validity",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    authority_jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    # The holder as decided: the enterprise's name and USCC.
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))
    licence_number: Mapped[str] = mapped_column(String(64))
    # 许可内容 / 许可范围.
    content: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(index=True)
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # None while the working-day calendar does not cover the deadline's year.
    publish_due_on: Mapped[date | None] = mapped_column(index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    enterprise: Mapped[Enterprise] = relationship()
