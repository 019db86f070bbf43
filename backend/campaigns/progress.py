"""A campaign's progress, counted in SQL (one grouped query per cut, never one per enterprise).

Per group of target enterprises:
- targets: the campaign's target rows;
- self_inspected: targets with a finished self-inspection (portal or app alike) against one of
  the campaign's checklists, finished within a self-inspection phase (自查自纠);
- supervised: targets with a finished supervision inspection against the campaign's checklists
  within the campaign's dates (or the window asked for);
- hazards_found / hazards_closed: hazards reported by those inspections, and how many are
  closed (销号);
- committed: targets whose safety managers signed the duty commitment (履职承诺书) in the window,
  and penalised: targets with a penalty decided in the window — two of seed 004's 「八个一」
  (签订一份履职承诺, 落实一次专项执法检查 with its 行政处罚);
- rechecked: 回头看 (seed 000 L20: 「回头看」, a recheck of enterprises already checked). Local
  policy, no source gives the exact rule: a target counts as rechecked when it had at least two
  supervision inspections against the campaign's checklists within the campaign — the second
  being the recheck of the first.

"Finished within" uses the day the server received the finish (Asia/Shanghai), never the
device's clock.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..core.db import db
from ..core.scope import department_enterprise_clause
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..credit.commitment_templates import DUTY_COMMITMENT
from ..models import (
    Campaign,
    CampaignPhase,
    CampaignTarget,
    ChecklistVersion,
    Commitment,
    Department,
    Enterprise,
    Hazard,
    Inspection,
    Jurisdiction,
    PenaltyDecision,
)
from . import services


@dataclass
class Figures:
    targets: int = 0
    self_inspected: int = 0
    supervised: int = 0
    hazards_found: int = 0
    hazards_closed: int = 0
    rechecked: int = 0
    committed: int = 0
    penalised: int = 0

    def percent(self, name: str) -> int:
        return round(100 * getattr(self, name) / self.targets) if self.targets else 0

    def closed_percent(self) -> int:
        """Hazards closed (销号) out of those found."""
        return round(100 * self.hazards_closed / self.hazards_found) if self.hazards_found else 0

    def as_dict(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}


FIGURE_NAMES = [field.name for field in fields(Figures)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def _received_between(first: date, last: date):
    return and_(
        Inspection.finished_received_at >= _start_of(first),
        Inspection.finished_received_at < _start_of(last + timedelta(days=1)),
    )


def _window(campaign: Campaign, first: date | None, last: date | None) -> tuple[date, date]:
    return first or services.starts_on(campaign), last or services.ends_on(campaign)


def _counted(campaign: Campaign, first: date, last: date):
    """What counts: self-inspections finished in a self-inspection phase, and supervision
    inspections, both within the window."""
    in_self_phase = or_(
        false(),
        *(
            _received_between(max(p.starts_on, first), min(p.ends_on, last))
            for p in services.self_inspection_phases(campaign)
            if p.starts_on <= last and p.ends_on >= first
        ),
    )
    return and_(Inspection.kind == "self_inspection", in_self_phase), (
        Inspection.kind == "supervision"
    )


def _campaign_inspections(stmt, campaign: Campaign, first: date, last: date, counted):
    """`stmt` over the campaign's counted inspections: finished, of its targets, against its
    checklists, within the window."""
    counted_self, supervision = counted
    return (
        stmt.join(ChecklistVersion, ChecklistVersion.id == Inspection.checklist_version_id)
        .join(
            CampaignTarget,
            and_(
                CampaignTarget.enterprise_id == Inspection.enterprise_id,
                CampaignTarget.campaign_id == campaign.id,
            ),
        )
        .where(
            Inspection.status == "finished",
            ChecklistVersion.code.in_(campaign.checklist_codes),
            _received_between(first, last),
            or_(counted_self, supervision),
        )
    )


def _per_enterprise(campaign: Campaign, first: date, last: date):
    """Each target's counted self-inspections and supervision inspections."""
    counted = _counted(campaign, first, last)
    counted_self, supervision = counted
    per_enterprise = select(
        Inspection.enterprise_id.label("enterprise_id"),
        func.sum(case((counted_self, 1), else_=0)).label("self_count"),
        func.sum(case((supervision, 1), else_=0)).label("supervision_count"),
    )
    stmt = _campaign_inspections(per_enterprise, campaign, first, last, counted)
    return stmt.group_by(Inspection.enterprise_id).subquery(), counted


def _hazards_per_enterprise(campaign: Campaign, first: date, last: date, counted):
    inspections = _campaign_inspections(select(Inspection.id), campaign, first, last, counted)
    return (
        select(
            Hazard.enterprise_id.label("enterprise_id"),
            func.count().label("found"),
            func.sum(case((Hazard.status == "closed", 1), else_=0)).label("closed"),
        )
        .where(Hazard.inspection_id.in_(inspections))
        .group_by(Hazard.enterprise_id)
        .subquery()
    )


def _committed(first: date, last: date):
    """Enterprises whose safety managers signed the duty commitment (履职承诺书) in the window:
    seed 004's 「签订一份履职承诺」 (八个一; 第二阶段: after 自查自纠)."""
    return (
        select(Commitment.enterprise_id.label("enterprise_id"))
        .where(
            Commitment.template_code == DUTY_COMMITMENT.code,
            Commitment.signed_at >= _start_of(first),
            Commitment.signed_at < _start_of(last + timedelta(days=1)),
        )
        .distinct()
        .subquery()
    )


def _penalised(first: date, last: date):
    """Enterprises with an administrative penalty decided in the window: the 严格执法 phase's
    「给予行政处罚」 (seed 004 L61)."""
    return (
        select(PenaltyDecision.enterprise_id.label("enterprise_id"))
        .where(PenaltyDecision.decided_on >= first, PenaltyDecision.decided_on <= last)
        .distinct()
        .subquery()
    )


def _grouped(campaign: Campaign, key, joins, where, first=None, last=None) -> dict:
    """{key: Figures} for the campaign's targets, grouped by `key` in one statement."""
    first, last = _window(campaign, first, last)
    inspections, counted = _per_enterprise(campaign, first, last)
    hazards = _hazards_per_enterprise(campaign, first, last, counted)
    committed = _committed(first, last)
    penalised = _penalised(first, last)
    stmt = (
        select(
            key.label("key"),
            func.count(CampaignTarget.enterprise_id),
            func.sum(case((inspections.c.self_count > 0, 1), else_=0)),
            func.sum(case((inspections.c.supervision_count > 0, 1), else_=0)),
            func.coalesce(func.sum(hazards.c.found), 0),
            func.coalesce(func.sum(hazards.c.closed), 0),
            func.sum(case((inspections.c.supervision_count > 1, 1), else_=0)),
            func.count(committed.c.enterprise_id),
            func.count(penalised.c.enterprise_id),
        )
        .select_from(CampaignTarget)
        .join(Enterprise, Enterprise.id == CampaignTarget.enterprise_id)
        .outerjoin(inspections, inspections.c.enterprise_id == CampaignTarget.enterprise_id)
        .outerjoin(hazards, hazards.c.enterprise_id == CampaignTarget.enterprise_id)
        .outerjoin(committed, committed.c.enterprise_id == CampaignTarget.enterprise_id)
        .outerjoin(penalised, penalised.c.enterprise_id == CampaignTarget.enterprise_id)
        .where(CampaignTarget.campaign_id == campaign.id, *where)
        .group_by(key)
    )
    for target, on in joins:
        stmt = stmt.join(target, on)
    return {
        row[0]: Figures(*(int(value or 0) for value in row[1:])) for row in db.session.execute(stmt)
    }


def totals(campaign: Campaign, first=None, last=None, where=()) -> Figures:
    return _grouped(campaign, literal("all"), (), where, first, last).get("all", Figures())


def by_phase(campaign: Campaign) -> list[tuple[CampaignPhase, Figures]]:
    return [(phase, totals(campaign, phase.starts_on, phase.ends_on)) for phase in campaign.phases]


def by_street(campaign: Campaign, last: date | None = None) -> list[tuple[Jurisdiction, Figures]]:
    """Cut by the organising jurisdiction's children (镇/街道): one statement."""
    own = aliased(Jurisdiction)
    child = aliased(Jurisdiction)
    joins = (
        (own, own.id == Enterprise.jurisdiction_id),
        (
            child,
            and_(child.parent_id == campaign.jurisdiction_id, own.path.startswith(child.path)),
        ),
    )
    figures = _grouped(campaign, child.id, joins, (), None, last)
    return [
        (street, figures.get(street.id, Figures()))
        for street in services.reporting_streets(campaign)
    ]


def for_department(campaign: Campaign, department: Department, last=None) -> Figures:
    return totals(campaign, None, last, (department_enterprise_clause(department),))


def for_street(campaign: Campaign, street: Jurisdiction, last=None) -> Figures:
    subtree = select(Jurisdiction.id).where(Jurisdiction.path.startswith(street.path))
    return totals(campaign, None, last, (Enterprise.jurisdiction_id.in_(subtree),))


def by_department(campaign: Campaign) -> list[tuple[Department, Figures]]:
    """Cut by department: one statement per department (a department's enterprises are its
    industries in its territory plus those assigned by name, not a column to group by)."""
    return [(d, for_department(campaign, d)) for d in services.reporting_departments(campaign)]


def lagging(campaign: Campaign, today: date | None = None) -> list[Enterprise]:
    """Targets with no counted self-inspection, once the self-inspection phase has ended."""
    if not services.self_inspection_ended(campaign, today or today_in_shanghai()):
        return []
    first, last = _window(campaign, None, None)
    inspections, _ = _per_enterprise(campaign, first, last)
    return list(
        db.session.scalars(
            select(Enterprise)
            .join(CampaignTarget, CampaignTarget.enterprise_id == Enterprise.id)
            .outerjoin(inspections, inspections.c.enterprise_id == Enterprise.id)
            .where(
                CampaignTarget.campaign_id == campaign.id,
                func.coalesce(inspections.c.self_count, 0) == 0,
            )
            .order_by(Enterprise.name, Enterprise.id)
        )
    )
