"""Production-safety accidents (生产安全事故): what happened, its level under 《生产安全事故报告和
调查处理条例》 art. 3, who must be told and who investigates (arts. 9–11, 19), and the finding.

The accidents domain (backend/accidents/services.py) computes the level, the reporting data and
the investigating level; the credit domain, reacting to AccidentChanged, writes the blacklist
proposal (`blacklist_*`) — the accident never creates an entry itself.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .enterprise import Enterprise

# 条例 第三条: the four levels, lowest first.
ACCIDENT_SEVERITY_LEVELS = {
    "general": "一般事故",
    "larger": "较大事故",
    "major": "重大事故",
    "especially_major": "特别重大事故",
}
# GB 6441-1986 《企业职工伤亡事故分类》: the 20 accident categories (事故类别).
ACCIDENT_TYPES = {
    "struck_by_object": "物体打击",
    "vehicle": "车辆伤害",
    "machinery": "机械伤害",
    "lifting": "起重伤害",
    "electric_shock": "触电",
    "drowning": "淹溺",
    "scald_burn": "灼烫",
    "fire": "火灾",
    "fall_from_height": "高处坠落",
    "collapse": "坍塌",
    "roof_fall": "冒顶片帮",
    "water_inrush": "透水",
    "blasting": "放炮",
    "explosives_explosion": "火药爆炸",
    "gas_explosion": "瓦斯爆炸",
    "boiler_explosion": "锅炉爆炸",
    "vessel_explosion": "容器爆炸",
    "other_explosion": "其它爆炸",
    "poisoning_asphyxiation": "中毒和窒息",
    "other_injury": "其它伤害",
}
INVESTIGATION_STATUSES = {"pending": "待调查", "investigating": "调查中", "concluded": "调查结束"}
# 条例 第十条: the highest safety-supervision department an accident is reported up to.
REPORTED_UP_TO = {
    "state_council": "国务院安全生产监督管理部门",
    "provincial": "省级人民政府安全生产监督管理部门",
    "city": "设区的市级人民政府安全生产监督管理部门",
}
# 条例 第十九条: the people's government that investigates (or entrusts the investigation).
INVESTIGATED_BY = {
    "state_council": "国务院或者国务院授权有关部门",
    "provincial": "事故发生地省级人民政府",
    "city": "事故发生地设区的市级人民政府",
    "county": "事故发生地县级人民政府",
}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Accident(Base):
    """One accident of one enterprise. `level`, `report_due_at`, `reported_up_to` and
    `handled_by_level` follow the facts on every change (accidents/services.py)."""

    __tablename__ = "accidents"
    __table_args__ = (
        CheckConstraint(_one_of("level", ACCIDENT_SEVERITY_LEVELS), name="level"),
        CheckConstraint(_one_of("accident_type", ACCIDENT_TYPES), name="accident_type"),
        CheckConstraint(
            _one_of("investigation_status", INVESTIGATION_STATUSES), name="investigation_status"
        ),
        CheckConstraint(_one_of("reported_up_to", REPORTED_UP_TO), name="reported_up_to"),
        CheckConstraint(_one_of("handled_by_level", INVESTIGATED_BY), name="handled_by_level"),
        CheckConstraint(
            "deaths >= 0 AND serious_injuries >= 0 AND direct_economic_loss_fen >= 0",
            name="counts",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(500))
    accident_type: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    # 重伤, including acute industrial poisoning (条例 第三条).
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    # 直接经济损失 in fen (1 yuan = 100 fen): exact, and 1亿 yuan needs more than 32 bits.
    direct_economic_loss_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    level: Mapped[str] = mapped_column(String(16), index=True)
    # 责任事故 or not; None until the investigation finds it.
    responsible: Mapped[bool | None] = mapped_column(Boolean)
    investigation_status: Mapped[str] = mapped_column(String(16), default="pending")
    investigation_report: Mapped[str] = mapped_column(Text, default="")
    # 第九条: the unit reports to the county-level department within 1 hour.
    report_due_at: Mapped[datetime]
    reported_up_to: Mapped[str] = mapped_column(String(16))
    handled_by_level: Mapped[str] = mapped_column(String(16))
    # The blacklist proposal the credit domain derives (trigger, list, term); None: no proposal.
    blacklist_trigger: Mapped[str | None] = mapped_column(String(32))
    blacklist_list_level: Mapped[str | None] = mapped_column(String(8))
    blacklist_term_years: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
