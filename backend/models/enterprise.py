from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin
from .jurisdiction import Jurisdiction

if TYPE_CHECKING:
    from .safety_code import SafetyCode

STANDARDISATION_GRADES = {"none": "未达标", "grade1": "一级", "grade2": "二级", "grade3": "三级"}
RISK_CLASSES = {"major": "重大风险", "high": "较大风险", "general": "一般风险", "low": "低风险"}


class Enterprise(TimestampMixin, Base):
    """An enterprise of the base database (《生产体系建设方案》方案4: 建立企业基础数据库)."""

    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("scale IN ('above_scale', 'below_scale')", name="scale"),
        CheckConstraint("employee_count >= 0", name="employee_count"),
        CheckConstraint("special_operation_staff_count >= 0", name="special_staff_count"),
        CheckConstraint("safety_staff_count >= 0", name="safety_staff_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    business_registration_no: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str] = mapped_column(String(64), index=True)
    registration_type: Mapped[str | None] = mapped_column(String(64))
    competent_department: Mapped[str | None] = mapped_column(String(100))
    scale: Mapped[str] = mapped_column(String(16), default="below_scale")
    business_scope: Mapped[str | None] = mapped_column(Text)
    principal_name: Mapped[str | None] = mapped_column(String(64))
    principal_phone: Mapped[str | None] = mapped_column(String(32))
    safety_department: Mapped[str | None] = mapped_column(String(100))
    safety_manager_name: Mapped[str | None] = mapped_column(String(64))
    safety_manager_phone: Mapped[str | None] = mapped_column(String(32))
    safety_staff_count: Mapped[int] = mapped_column(Integer, default=0)
    employee_count: Mapped[int] = mapped_column(Integer, default=0)
    special_operation_staff_count: Mapped[int] = mapped_column(Integer, default=0)
    major_hazard_sources: Mapped[list] = mapped_column(JSON, default=list)
    special_equipment: Mapped[list] = mapped_column(JSON, default=list)
    risk_features: Mapped[list] = mapped_column(JSON, default=list)
    standardisation_grade: Mapped[str] = mapped_column(String(16), default="none")
    risk_class: Mapped[str] = mapped_column(String(16), default="general")
    # The live colour of its safety code (常安码): safety_code/services.py keeps it current.
    safety_code_color: Mapped[str] = mapped_column(
        String(8), default="green", server_default="green"
    )
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    # Where it is (WGS-84 degrees, as a phone's geolocation gives them): the app's 附近企业.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    # Read by sync, which sends a digest of the token so a scanned code resolves offline.
    active_safety_code: Mapped["SafetyCode | None"] = relationship(
        "SafetyCode",
        primaryjoin="and_(SafetyCode.enterprise_id == Enterprise.id, "
        "SafetyCode.revoked_at.is_(None))",
        viewonly=True,
        uselist=False,
    )
