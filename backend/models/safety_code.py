from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .enterprise import Enterprise

SAFETY_CODE_COLORS = {"green": "绿码", "yellow": "黄码", "red": "红码"}


class SafetyCode(Base):
    """An enterprise's safety code (常安码): the token printed in its QR code.

    The token is a capability printed on posters, so it is stored as it is (it must be
    printable again); rotating revokes it and issues a new one, keeping the old row as history.
    At most one code of an enterprise is active (not revoked) at a time.
    """

    __tablename__ = "safety_codes"
    __table_args__ = (
        Index(
            "uq_safety_codes_active_enterprise",
            "enterprise_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship()


class ScanRecord(Base):
    """An app user scanned an enterprise's code: proof of a site visit.

    `scanned_at` is the server's time; the device's time and position are stored as reported
    and never used for ordering.
    """

    __tablename__ = "scan_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    safety_code_id: Mapped[int] = mapped_column(
        ForeignKey("safety_codes.id", ondelete="CASCADE"), index=True
    )
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    device_time: Mapped[datetime | None]
