from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin

LEVELS = ("district", "street", "grid")
LEVEL_NAMES = {"district": "区县", "street": "街道/乡镇", "grid": "网格"}


class Jurisdiction(TimestampMixin, Base):
    """A node of the supervision tree: district → street/town → grid.

    `path` is the materialised chain of ids ("/1/4/9/") so that a subtree is one prefix query.
    """

    __tablename__ = "jurisdictions"
    __table_args__ = (CheckConstraint("level IN ('district', 'street', 'grid')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(255), index=True, default="")

    parent: Mapped["Jurisdiction | None"] = relationship(remote_side=[id])
