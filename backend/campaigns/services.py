"""Campaigns (专项整治 / 专项治理, issue 19 item 4): their phases, checklists and targets, and
who sees them.

- Phases (seed 004 四、工作步骤: 动员部署 4月30日前, 自查自纠 5月1日至6月30日, 严格执法 7月1日至
  10月31日, 巩固提升 11月1日至12月31日) are any ordered list of (name, starts_on, ends_on) that
  do not overlap. A phase named 自查自纠 is the self-inspection phase unless told otherwise; a
  report is due after it and after the last phase (seed 004 L67: 「自查自纠阶段结束后5个工作日内」,
  「本年度结束后5个工作日内」) unless told otherwise.
- Targets are chosen by a filter (industries, a jurisdiction subtree, a department, classes)
  and/or listed by id, inside the organising jurisdiction and the creator's scope, and kept as
  rows: later changes to an enterprise do not move the campaign's figures.
- Who sees a campaign: officials those organised in their jurisdiction subtree (or by their
  department) and any whose targets include enterprises they see (a street sees the district's
  campaign over its enterprises); an enterprise those it is a target of, read only.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, true
from sqlalchemy.orm import selectinload

from ..core.db import db
from ..core.errors import Invalid, NotFound, checked_text
from ..core.scope import (
    Forbidden,
    department_enterprise_clause,
    enterprise_clause,
    industry_clause,
    is_global,
    jurisdiction_clause,
    require_department_in_scope,
    require_enterprise_in_scope,
    require_jurisdiction_in_scope,
    require_role,
    subtree_ids,
)
from ..core.timeutil import today_in_shanghai
from ..models import (
    DEPARTMENT_ROLES,
    ENTERPRISE_CLASSES,
    ENTERPRISE_ROLES,
    Campaign,
    CampaignPhase,
    CampaignTarget,
    ChecklistVersion,
    Department,
    Enterprise,
    EnterpriseClassification,
    Jurisdiction,
    User,
)

ORGANISERS = ("supervisor", "admin")
SELF_INSPECTION_PHASE = "自查自纠"
MAX_PHASES = 12
TITLE_MAX = 200  # the columns' sizes
PHASE_NAME_MAX = 32


def campaign_clause(user: User):
    """Condition on Campaign rows the user may see."""
    if is_global(user):
        return true()
    targeting_mine = (
        select(CampaignTarget.campaign_id)
        .join(Enterprise, Enterprise.id == CampaignTarget.enterprise_id)
        .where(enterprise_clause(user))
    )
    if user.role in ENTERPRISE_ROLES:
        return Campaign.id.in_(targeting_mine)
    if user.role in DEPARTMENT_ROLES:
        return or_(Campaign.department_id == user.department_id, Campaign.id.in_(targeting_mine))
    organised_here = select(Jurisdiction.id).where(jurisdiction_clause(user))
    return or_(Campaign.jurisdiction_id.in_(organised_here), Campaign.id.in_(targeting_mine))


def may_organise(user: User) -> bool:
    return user.role in ORGANISERS


def campaign_query(user: User):
    return (
        select(Campaign)
        .where(campaign_clause(user))
        .options(selectinload(Campaign.phases))
        .order_by(Campaign.id.desc())
    )


def get_campaign(user: User, campaign_id: int) -> Campaign:
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, campaign_clause(user))
    )
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return campaign


def get_progress_campaign(user: User, campaign_id: int) -> Campaign:
    """The campaign whose progress an official asks for: enterprises see their own campaigns,
    never the figures of the others targeted."""
    campaign = get_campaign(user, campaign_id)
    if user.role in ENTERPRISE_ROLES:
        raise Forbidden("Only officials see a campaign's progress.")
    return campaign


def get_phase(phase_id: int) -> CampaignPhase:
    phase = db.session.get(CampaignPhase, phase_id)
    if phase is None:
        raise NotFound(f"campaign phase {phase_id} not found", field="campaign_phase_id")
    return phase


# ---- phases -------------------------------------------------------------------------------


def checked_phases(phases: list[dict]) -> list[dict]:
    """Phases in order and not overlapping, with their two flags defaulted (module docstring);
    a 422 names the offending field (phases.<i>.<field>)."""
    if not phases:
        raise Invalid("A campaign has at least one phase.", field="phases")
    if len(phases) > MAX_PHASES:
        raise Invalid(f"A campaign has at most {MAX_PHASES} phases.", field="phases")
    checked = []
    for index, phase in enumerate(phases):
        name = checked_text(phase.get("name"), f"phases.{index}.name", PHASE_NAME_MAX)
        if not name:
            raise Invalid("A phase has a name.", field=f"phases.{index}.name")
        starts_on, ends_on = phase["starts_on"], phase["ends_on"]
        if ends_on < starts_on:
            raise Invalid(
                "A phase ends on or after the day it starts.", field=f"phases.{index}.ends_on"
            )
        if checked and starts_on <= checked[-1]["ends_on"]:
            raise Invalid(
                "Phases are in order and do not overlap: this one starts before the previous "
                "one ends.",
                field=f"phases.{index}.starts_on",
            )
        is_last = index == len(phases) - 1
        self_inspection = phase.get("self_inspection")
        report_due = phase.get("report_due")
        checked.append(
            {
                "name": name,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "self_inspection": name == SELF_INSPECTION_PHASE
                if self_inspection is None
                else self_inspection,
                "report_due": (name == SELF_INSPECTION_PHASE or is_last)
                if report_due is None
                else report_due,
            }
        )
    return checked


def current_phase(campaign: Campaign, today: date | None = None) -> CampaignPhase | None:
    """The phase today (Shanghai) falls in; None before, between or after the phases."""
    today = today or today_in_shanghai()
    return next((p for p in campaign.phases if p.starts_on <= today <= p.ends_on), None)


def status_label(campaign: Campaign, today: date | None = None) -> str:
    today = today or today_in_shanghai()
    phase = current_phase(campaign, today)
    if phase is not None:
        return phase.name
    if today < campaign.phases[0].starts_on:
        return "未开始"
    if today > campaign.phases[-1].ends_on:
        return "已结束"
    return "阶段间隔"


def phase_timing(phase: CampaignPhase, today: date | None = None) -> str:
    """ "past", "current" or "future" against today (Shanghai)."""
    today = today or today_in_shanghai()
    if today > phase.ends_on:
        return "past"
    return "current" if today >= phase.starts_on else "future"


def days_left(phase: CampaignPhase, today: date | None = None) -> int:
    """Days from today to the phase's last day (0 on its last day)."""
    return (phase.ends_on - (today or today_in_shanghai())).days


def seed_004_phases(year: int) -> list[dict]:
    """Seed 004 四、工作步骤's four phases in a given year, to start a campaign from. The seed
    gives 动员部署 only an end (「4月30日前」, from 「即日起」): it starts on 1 January here."""
    return [
        {"name": "动员部署", "starts_on": date(year, 1, 1), "ends_on": date(year, 4, 30)},
        {"name": "自查自纠", "starts_on": date(year, 5, 1), "ends_on": date(year, 6, 30)},
        {"name": "严格执法", "starts_on": date(year, 7, 1), "ends_on": date(year, 10, 31)},
        {"name": "巩固提升", "starts_on": date(year, 11, 1), "ends_on": date(year, 12, 31)},
    ]


def self_inspection_phases(campaign: Campaign) -> list[CampaignPhase]:
    return [phase for phase in campaign.phases if phase.self_inspection]


def self_inspection_ended(campaign: Campaign, today: date | None = None) -> bool:
    phases = self_inspection_phases(campaign)
    return bool(phases) and (today or today_in_shanghai()) > phases[-1].ends_on


def starts_on(campaign: Campaign) -> date:
    return campaign.phases[0].starts_on


def ends_on(campaign: Campaign) -> date:
    return campaign.phases[-1].ends_on


# ---- targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetFilter:
    industries: tuple[str, ...] = ()
    jurisdiction_id: int | None = None
    department_id: int | None = None
    classes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "industries": list(self.industries),
            "jurisdiction_id": self.jurisdiction_id,
            "department_id": self.department_id,
            "classes": list(self.classes),
        }


def _filter_conditions(user: User, target_filter: TargetFilter) -> list:
    conditions = []
    if target_filter.industries:
        conditions.append(industry_clause(target_filter.industries))
    if target_filter.jurisdiction_id is not None:
        root = db.session.get(Jurisdiction, target_filter.jurisdiction_id)
        require_jurisdiction_in_scope(
            user, target_filter.jurisdiction_id, "target_filter.jurisdiction_id"
        )
        conditions.append(Enterprise.jurisdiction_id.in_(subtree_ids(root)))
    if target_filter.department_id is not None:
        department = require_department_in_scope(
            user, target_filter.department_id, "target_filter.department_id"
        )
        conditions.append(department_enterprise_clause(department))
    if target_filter.classes:
        unknown = set(target_filter.classes) - set(ENTERPRISE_CLASSES)
        if unknown:
            raise Invalid(f"Unknown classes {sorted(unknown)}.", field="target_filter.classes")
        classed = select(EnterpriseClassification.enterprise_id).where(
            EnterpriseClassification.effective_class.in_(target_filter.classes)
        )
        conditions.append(Enterprise.id.in_(classed))
    return conditions


def _target_ids(
    user: User, organiser: Jurisdiction, target_filter: TargetFilter | None, enterprise_ids
) -> set[int]:
    ids: set[int] = set()
    for enterprise_id in enterprise_ids or ():
        enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_ids")
        ids.add(enterprise.id)
    if target_filter is not None:
        ids.update(
            db.session.scalars(
                select(Enterprise.id).where(
                    enterprise_clause(user),
                    Enterprise.jurisdiction_id.in_(subtree_ids(organiser)),
                    *_filter_conditions(user, target_filter),
                )
            )
        )
    if not ids:
        raise Invalid("The campaign has no target enterprise.", field="target_filter")
    return ids


def _checked_checklists(codes: list[str]) -> list[str]:
    if not codes:
        raise Invalid("A campaign has at least one checklist.", field="checklist_codes")
    known = set(
        db.session.scalars(
            select(ChecklistVersion.code).where(ChecklistVersion.code.in_(codes)).distinct()
        )
    )
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Invalid(f"Unknown checklists {unknown}.", field="checklist_codes")
    return list(dict.fromkeys(codes))


def create_campaign(
    user: User,
    *,
    title: str,
    jurisdiction_id: int,
    phases: list[dict],
    checklist_codes: list[str],
    department_id: int | None = None,
    target_filter: TargetFilter | None = None,
    enterprise_ids: list[int] | None = None,
) -> Campaign:
    """A supervisor (or admin) organises a campaign in their scope and its targets are fixed."""
    require_role(user, *ORGANISERS)
    require_jurisdiction_in_scope(user, jurisdiction_id, "jurisdiction_id")
    organiser = db.session.get(Jurisdiction, jurisdiction_id)
    if department_id is not None:
        require_department_in_scope(user, department_id, "department_id")
    title = checked_text(title, "title", TITLE_MAX)
    if not title:
        raise Invalid("A campaign has a title.", field="title")
    checked = checked_phases(phases)
    codes = _checked_checklists(checklist_codes)
    ids = _target_ids(user, organiser, target_filter, enterprise_ids)
    campaign = Campaign(
        title=title,
        jurisdiction_id=organiser.id,
        department_id=department_id,
        checklist_codes=codes,
        target_filter={
            **(target_filter.as_dict() if target_filter else {}),
            "enterprise_ids": sorted(enterprise_ids or []),
        },
        created_by_id=user.id,
        phases=[CampaignPhase(position=i, **phase) for i, phase in enumerate(checked)],
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(
        CampaignTarget(campaign_id=campaign.id, enterprise_id=enterprise_id)
        for enterprise_id in sorted(ids)
    )
    db.session.flush()
    return campaign


def reporting_streets(campaign: Campaign) -> list[Jurisdiction]:
    """The organising jurisdiction's children (镇/街道): each reports to it (seed 004 L67)."""
    return list(
        db.session.scalars(
            select(Jurisdiction)
            .where(Jurisdiction.parent_id == campaign.jurisdiction_id)
            .order_by(Jurisdiction.name, Jurisdiction.id)
        )
    )


def reporting_departments(campaign: Campaign) -> list[Department]:
    """The departments at the organising level (城区各单位各部门, seed 004 L67), and the
    campaign's own department wherever it sits."""
    condition = Department.jurisdiction_id == campaign.jurisdiction_id
    if campaign.department_id is not None:
        condition = or_(condition, Department.id == campaign.department_id)
    return list(db.session.scalars(select(Department).where(condition).order_by(Department.name)))
