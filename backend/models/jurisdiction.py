from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin

# 县 → 镇/街道 → 片 → 村/网格: the three-tier 镇、片、村 grid system of seed 001 (L55) below the
# district. A grid may sit under a 片 or, where a town has none, directly under its street.
LEVELS = ("district", "street", "area", "grid")
LEVEL_NAMES = {"district": "区县", "street": "镇/街道", "area": "片", "grid": "村/网格"}
PARENT_LEVELS = {
    "district": (),
    "street": ("district",),
    "area": ("street",),
    "grid": ("area", "street"),
}


class Jurisdiction(TimestampMixin, Base):
    """A node of the supervision tree: district → street/town → area (片) → village/grid.

    `path` is the materialised chain of ids ("/1/4/9/") so that a subtree is one prefix query.
    """

    __tablename__ = "jurisdictions"
    __table_args__ = (
        CheckConstraint("level IN ('district', 'street', 'area', 'grid')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    # A grid's required patrols per month (巡查频次); None: the PATROLS_PER_MONTH default.
    patrols_per_month: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped["Jurisdiction | None"] = relationship(remote_side=[id])
