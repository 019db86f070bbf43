"""Campaigns (专项整治 / 专项治理, issue 19 item 4; seed 004): a campaign organised by a
jurisdiction, run in ordered phases with dates, against its checklists, over target
enterprises kept as rows so that progress stays countable and stable."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .base import Base, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The organising level (a 区/县 usually): its children report to it.
    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # Checklist codes (checklists domain, e.g. "duty31"): any version of them counts.
    checklist_codes: Mapped[list] = mapped_column(JSON, default=list)
    # How the targets were chosen (industries, jurisdiction_id, department_id, classes, ids).
    target_filter: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    phases: Mapped[list["CampaignPhase"]] = relationship(
        order_by="CampaignPhase.position", cascade="all, delete-orphan", back_populates="campaign"
    )


class CampaignPhase(Base):
    """One phase (动员部署, 自查自纠, 严格执法, 巩固提升 …); `self_inspection` marks the phase
    whose dates count self-inspections, `report_due` a phase after which units report."""

    __tablename__ = "campaign_phases"
    __table_args__ = (UniqueConstraint("campaign_id", "position", name="uq_campaign_phases"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    self_inspection: Mapped[bool] = mapped_column(Boolean, default=False)
    report_due: Mapped[bool] = mapped_column(Boolean, default=False)

    campaign: Mapped[Campaign] = relationship(back_populates="phases")


class CampaignTarget(Base):
    __tablename__ = "campaign_targets"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


# How many targets a campaign has, read in the same SELECT as the campaign.
Campaign.target_count = column_property(
    select(func.count())
    .where(CampaignTarget.campaign_id == Campaign.id)
    .correlate_except(CampaignTarget)
    .scalar_subquery()
)
