"""The enterprise's people, their certificates (持证上岗, seed 001 L27) and its safety training
records (seed 004 item 10: 培训的时间、内容、参加人员以及考核结果).

No identity-card numbers are stored: nothing here needs them. A certificate's number is seen
only by those who see the enterprise's registers (its own users and the officials in scope).
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin

# 安全生产法 art. 24, 27, 30 and 《注册安全工程师管理规定》: the roles the registers know.
PERSON_ROLES = {
    "principal": "主要负责人",
    "safety_manager": "安全生产管理人员",
    "special_operator": "特种作业人员",
    "registered_safety_engineer": "注册安全工程师",
    "other": "其他从业人员",
}
CERTIFICATE_TYPES = {
    "special_operation": "特种作业操作证",
    "safety_qualification": "安全生产知识和管理能力考核合格证",
    "registered_safety_engineer": "注册安全工程师执业证",
    "other": "其他证书",
}
# 《特种作业人员安全技术培训考核管理规定》 (安监总局令第30号) 附件 特种作业目录: the categories.
SPECIAL_OPERATION_CATEGORIES = {
    "electrical": "电工作业",
    "welding_cutting": "焊接与热切割作业",
    "work_at_height": "高处作业",
    "refrigeration": "制冷与空调作业",
    "coal_mine": "煤矿安全作业",
    "metal_mine": "金属非金属矿山安全作业",
    "oil_gas": "石油天然气安全作业",
    "metallurgy": "冶金（有色）生产安全作业",
    "hazardous_chemicals": "危险化学品安全作业",
    "fireworks": "烟花爆竹安全作业",
    "other": "其他特种作业",
}
ASSESSMENT_RESULTS = {"passed": "合格", "failed": "不合格", "not_assessed": "未考核"}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Person(TimestampMixin, Base):
    """One person of an enterprise who matters to its safety registers."""

    __tablename__ = "enterprise_people"
    __table_args__ = (CheckConstraint(_one_of("role", PERSON_ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    # Someone who left stays in the training records but no longer counts.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="person", order_by="Certificate.valid_until"
    )


class Certificate(TimestampMixin, Base):
    """One certificate a person holds; `enterprise_id` is the person's, kept for scoping."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint(_one_of("cert_type", CERTIFICATE_TYPES), name="cert_type"),
        CheckConstraint(
            "operation_category IS NULL OR "
            + _one_of("operation_category", SPECIAL_OPERATION_CATEGORIES),
            name="operation_category",
        ),
        CheckConstraint("valid_until >= issued_on", name="validity"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(
        ForeignKey("enterprise_people.id", ondelete="CASCADE"), index=True
    )
    cert_type: Mapped[str] = mapped_column(String(32))
    operation_category: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)

    person: Mapped[Person] = relationship(back_populates="certificates")


class TrainingSession(TimestampMixin, Base):
    """One safety training (seed 004 item 10): when, what, how long, who, and how they did."""

    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("hours > 0", name="hours"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    held_at: Mapped[datetime]
    content: Mapped[str] = mapped_column(Text)
    hours: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    participants: Mapped[list["TrainingParticipant"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="TrainingParticipant.id"
    )


class TrainingParticipant(Base):
    """A person at a training session, with the assessment result (考核结果)."""

    __tablename__ = "training_participants"
    __table_args__ = (
        CheckConstraint(_one_of("assessment", ASSESSMENT_RESULTS), name="assessment"),
        UniqueConstraint("session_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(
        ForeignKey("enterprise_people.id", ondelete="CASCADE"), index=True
    )
    assessment: Mapped[str] = mapped_column(String(16), default="not_assessed")

    session: Mapped[TrainingSession] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()
