from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .jurisdiction import Jurisdiction
from .user import User


class Patrol(Base):
    """A grid worker's patrol log (巡查记录), made on the phone, often offline (seed 001 L55:
    网格员 supervise their grid).

    `route` is a list of GPS points ({"lat", "lon", "at"}), `places` the places visited (free
    text); the enterprises visited are `PatrolEnterprise` rows, the hazards it reported are
    hazards whose `patrol_id` names it. Device times are kept as reported; `received_at` is
    the server's own.
    """

    __tablename__ = "patrols"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The grid the worker patrolled (their jurisdiction when the log arrived).
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    patrol_date: Mapped[date] = mapped_column(index=True)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    route: Mapped[list] = mapped_column(JSON, default=list)
    places: Mapped[list] = mapped_column(JSON, default=list)
    observations: Mapped[str] = mapped_column(Text, default="")
    # Hazards seen that were not reported as hazards (e.g. outside any enterprise).
    hazard_note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    jurisdiction: Mapped[Jurisdiction] = relationship()
    # Read-only views for serialising (the rows are written by the patrols service).
    visits: Mapped[list["PatrolEnterprise"]] = relationship(
        viewonly=True, order_by="PatrolEnterprise.enterprise_id"
    )
    reported: Mapped[list["PatrolHazard"]] = relationship(
        viewonly=True, order_by="PatrolHazard.hazard_id"
    )


class PatrolEnterprise(Base):
    """An enterprise visited on a patrol."""

    __tablename__ = "patrol_enterprises"

    patrol_id: Mapped[str] = mapped_column(
        ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class PatrolHazard(Base):
    """A hazard reported on a patrol (through the hazards' own intake)."""

    __tablename__ = "patrol_hazards"

    patrol_id: Mapped[str] = mapped_column(
        ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    hazard_id: Mapped[str] = mapped_column(
        ForeignKey("hazards.id", ondelete="RESTRICT"), primary_key=True, unique=True
    )
