from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin
from .jurisdiction import Jurisdiction


class Department(TimestampMixin, Base):
    """A sector department (行业主管部门 / 安委会成员单位): it supervises the enterprises of its
    industries inside its territory (管行业必须管安全, seed 000), plus those assigned to it by
    name (`DepartmentEnterprise`), whatever their industry."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Industry codes of checklists/industries.py; "industry_trade" covers its sub-industries.
    industries: Mapped[list] = mapped_column(JSON, default=list)
    # The territory: this jurisdiction and everything below it.
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )

    jurisdiction: Mapped[Jurisdiction] = relationship()


class DepartmentEnterprise(Base):
    """An enterprise assigned to a department explicitly, beside those its industries bring."""

    __tablename__ = "department_enterprises"

    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True
    )
