"""Enterprise classification (分级分类): the rule, supervisor overrides and their history.

The factors are the sources'; the weights, thresholds and intervals are not (no source gives
any) and are local policy, configurable (README, docs/sources.md). 《生产体系建设方案》方案4
(L137) classifies by "企业规模、生产经营性质、安全生产管理水平、危险因素和安全生产标准化、
规范化、诚信管理等级", and (L143) has enterprises that do not self-report hazards (未按规定及时
自查自报隐患) inspected strictly; its 方案5 puts blacklisted enterprises first ("以'黑名单'为重点");
《市委安全生产监管工作意见》 (seed 001 L85) puts 规上企业 and 从业人员20人以上的企业 first;
常州市达标企业创建方案 (seed 003 L19) inspects enterprises that have not started 达标创建 more
often. The rule, level 0 (low) … 3 (key):

1. Nature (生产经营性质) and hazards (危险因素): the industry level (INDUSTRY_LEVELS): the 高危行业
   of seed 001 (危化、矿山、烟花爆竹) and 民用爆炸物品 3; the other key industries of 青安委〔2024〕
   2号 (城镇燃气、建筑施工、交通运输) and metal smelting (冶金、有色) 2; the other 工贸 1; 商贸 and
   other 0. Any risk feature adds `risk_feature`; the assessed risk class (重大/较大/一般/低 =
   3/2/1/0) raises it to at least that.
2. Size (企业规模): 规模以上, or CLASSIFICATION_EMPLOYEES_ABOVE (20, seed 001) employees or more:
   `above_scale`.
3. Standardisation grade (标准化等级 = the credit grade of 方案5): `grade1`, `grade2`, `grade3`;
   no grade (未开展达标创建) `no_grade`, which counts against (seed 003 L19).
4. Management level (安全生产管理水平): the last finished supervision inspection scored below
   CLASSIFICATION_LOW_SCORE: `low_inspection_score`.
5. Self-reporting (自查自报): within CLASSIFICATION_SELF_REPORT_DAYS, a self-inspection that
   reported hazards: `self_reported_hazards`; no finished self-inspection at all:
   `no_self_inspection`.
6. Credit and hazards: an active bad credit record `bad_record`; an open major hazard
   `open_major_hazard`; a risk point assessed 重大 (red, backend/risks/points.py)
   CLASSIFICATION_MAJOR_RISK_POINT_POINTS (default 1, 0 switches it off). The factor is 方案4
   L137's 危险因素; its weight is local policy, like the others.
7. The result is kept within 0–3, and an industry of level 3 never goes below 2.
8. A published blacklist entry makes it 3 whatever else holds.

The weights are CLASSIFICATION_WEIGHTS (`name:points,...`, defaults in backend/config.py). Every
factor and the points it gave are kept with the result (`factors`, `factors.points`).

Level 3/2/1/0 = class key 重点 / elevated 较高 / general 一般 / low 低, which sets the inspection
interval (INSPECTION_INTERVAL_MONTHS; default 1, 3, 6 and 12 months). A supervisor in scope may
override the class with a reason (or clear the override); the override wins over the rule until
cleared. Every change of the computed class and every override is kept in the history.

The class is recomputed when credit or the risk points change (CreditChanged,
RiskRegisterChanged), on every read of an enterprise's classification and by the hourly
`plan_inspections` job (which catches hazards, inspections, standardisation grades and risk
features that changed meanwhile).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from checklists.industries import RISK_FEATURES

from ..core import events
from ..core.db import db
from ..core.errors import Invalid
from ..core.scope import Forbidden, enterprise_clause, get_visible, visible_subtree_ids
from ..core.timeutil import today_in_shanghai
from ..credit import records as credit
from ..models import (
    ENTERPRISE_CLASSES,
    ClassificationChange,
    Enterprise,
    EnterpriseClassification,
    Hazard,
    Inspection,
    User,
    utcnow,
)
from ..risks import services as risks

INDUSTRY_LEVELS: dict[str, int] = {
    "hazardous_chemicals": 3,
    "fireworks": 3,
    "civil_explosives": 3,
    "non_coal_mining": 3,
    "urban_gas": 2,
    "construction": 2,
    "transportation": 2,
    "industry_trade.metallurgy": 2,
    "industry_trade.nonferrous": 2,
    "industry_trade": 1,
    "industry_trade.building_materials": 1,
    "industry_trade.machinery": 1,
    "industry_trade.light_industry": 1,
    "industry_trade.textile": 1,
    "industry_trade.tobacco": 1,
    "industry_trade.commerce": 0,
    "other": 0,
}
RAISING_FEATURES = frozenset(RISK_FEATURES)
RISK_CLASS_LEVELS = {"major": 3, "high": 2, "general": 1, "low": 0}
HIGH_RISK_FLOOR = 2
LEVEL_CLASSES = ("low", "general", "elevated", "key")
assert set(LEVEL_CLASSES) == set(ENTERPRISE_CLASSES)
OVERRIDERS = ("supervisor",)
WEIGHT_NAMES = (
    "risk_feature",
    "above_scale",
    "grade1",
    "grade2",
    "grade3",
    "no_grade",
    "low_inspection_score",
    "self_reported_hazards",
    "no_self_inspection",
    "bad_record",
    "open_major_hazard",
)
GRADE_WEIGHTS = {"grade1": "grade1", "grade2": "grade2", "grade3": "grade3", "none": "no_grade"}


@dataclass(frozen=True)
class Policy:
    """The local-policy numbers of the rule (no source gives them)."""

    weights: dict[str, int]
    employees_above: int = 20  # seed 001 L85: 从业人员20人以上
    low_score: float = 60.0
    self_report_days: int = 365
    major_risk_point: int = 1


def parse_weights(text: str) -> dict[str, int]:
    """`above_scale:1,grade1:-2,...` → points per factor (every factor must be given)."""
    weights = {}
    try:
        for part in (text or "").split(","):
            name, _, points = part.partition(":")
            weights[name.strip()] = int(points)
    except ValueError:
        weights = {}
    if set(weights) != set(WEIGHT_NAMES):
        raise ValueError(f"CLASSIFICATION_WEIGHTS must give whole points for {WEIGHT_NAMES}")
    return weights


def policy_from(config) -> Policy:
    return Policy(
        weights=parse_weights(config["CLASSIFICATION_WEIGHTS"]),
        employees_above=int(config["CLASSIFICATION_EMPLOYEES_ABOVE"]),
        low_score=float(config["CLASSIFICATION_LOW_SCORE"]),
        self_report_days=int(config["CLASSIFICATION_SELF_REPORT_DAYS"]),
        major_risk_point=int(config["CLASSIFICATION_MAJOR_RISK_POINT_POINTS"]),
    )


@dataclass(frozen=True)
class CreditFacts:
    """What the rule reads besides the enterprise's own fields: credit, hazards, inspections."""

    active_bad_records: int = 0
    open_major_hazards: int = 0
    blacklisted: bool = False
    last_supervision_score: float | None = None
    self_inspections: int = 0  # finished within the self-report window
    self_reported_hazards: int = 0  # found by those self-inspections
    major_risk_points: int = 0  # risk points assessed 重大 (red)


def classify(enterprise: Enterprise, facts: CreditFacts, policy: Policy) -> tuple[str, dict]:
    """The class the rule gives, and every factor with the points it gave (kept with it)."""
    industry_level = INDUSTRY_LEVELS.get(enterprise.industry, 0)
    features = sorted(set(enterprise.risk_features or ()) & RAISING_FEATURES)
    points = _points(enterprise, facts, features, policy)
    feature_points = points.pop("risk_features")
    level = max(
        industry_level + feature_points,
        RISK_CLASS_LEVELS.get(enterprise.risk_class, 0),
    )
    level += sum(points.values())
    floor = HIGH_RISK_FLOOR if industry_level >= 3 else 0
    level = max(floor, min(3, level))
    if facts.blacklisted:
        level = 3
    factors = {
        "industry": enterprise.industry,
        "industry_level": industry_level,
        "risk_features": features,
        "risk_class": enterprise.risk_class,
        "scale": enterprise.scale,
        "employee_count": enterprise.employee_count,
        "standardisation_grade": enterprise.standardisation_grade,
        "last_supervision_score": facts.last_supervision_score,
        "self_inspections": facts.self_inspections,
        "self_reported_hazards": facts.self_reported_hazards,
        "self_report_days": policy.self_report_days,
        "active_bad_records": facts.active_bad_records,
        "open_major_hazards": facts.open_major_hazards,
        "major_risk_points": facts.major_risk_points,
        "blacklisted": facts.blacklisted,
        "points": {"risk_features": feature_points, **points},
        "floor": floor,
        "level": level,
    }
    return LEVEL_CLASSES[level], factors


def _points(enterprise: Enterprise, facts: CreditFacts, features, policy: Policy) -> dict:
    """The points of each factor, in the order the rule lists them."""
    weights = policy.weights
    above_scale = (
        enterprise.scale == "above_scale"
        or (enterprise.employee_count or 0) >= policy.employees_above
    )
    low_score = (
        facts.last_supervision_score is not None and facts.last_supervision_score < policy.low_score
    )
    if facts.self_reported_hazards:
        self_reporting = weights["self_reported_hazards"]
    elif not facts.self_inspections:
        self_reporting = weights["no_self_inspection"]
    else:
        self_reporting = 0
    grade = GRADE_WEIGHTS.get(enterprise.standardisation_grade, "no_grade")
    return {
        "risk_features": weights["risk_feature"] if features else 0,
        "size": weights["above_scale"] if above_scale else 0,
        "standardisation": weights[grade],
        "management": weights["low_inspection_score"] if low_score else 0,
        "self_reporting": self_reporting,
        "bad_credit": weights["bad_record"] if facts.active_bad_records else 0,
        "major_hazards": weights["open_major_hazard"] if facts.open_major_hazards else 0,
        "major_risk_points": policy.major_risk_point if facts.major_risk_points else 0,
    }


def credit_facts(
    enterprise_ids, now: datetime, policy: Policy | None = None
) -> dict[int, CreditFacts]:
    """The credit, hazard and inspection facts of many enterprises in a few queries."""
    policy = policy or policy_from(current_app.config)
    today = today_in_shanghai(now)
    ids = list(enterprise_ids)
    records = credit.active_bad_record_counts(today, ids)
    blacklisted = credit.blacklisted_enterprise_ids(ids)
    hazards = dict(
        db.session.execute(
            select(Hazard.enterprise_id, func.count())
            .where(
                Hazard.enterprise_id.in_(ids),
                Hazard.grade == "major",
                Hazard.status != "closed",
            )
            .group_by(Hazard.enterprise_id)
        ).all()
    )
    risk_levels = risks.level_counts(ids)
    scores = _last_supervision_scores(ids)
    since = now - timedelta(days=policy.self_report_days)
    self_inspections, self_reported = _self_reporting(ids, since)
    return {
        enterprise_id: CreditFacts(
            active_bad_records=records.get(enterprise_id, 0),
            open_major_hazards=hazards.get(enterprise_id, 0),
            blacklisted=enterprise_id in blacklisted,
            last_supervision_score=scores.get(enterprise_id),
            self_inspections=self_inspections.get(enterprise_id, 0),
            self_reported_hazards=self_reported.get(enterprise_id, 0),
            major_risk_points=risk_levels[enterprise_id]["major"],
        )
        for enterprise_id in ids
    }


def _last_supervision_scores(ids) -> dict[int, float]:
    """The score of each enterprise's latest scored supervision inspection (server time)."""
    scored = (Inspection.kind == "supervision", Inspection.score.is_not(None))
    latest = (
        select(Inspection.enterprise_id, func.max(Inspection.finished_received_at).label("at"))
        .where(Inspection.enterprise_id.in_(ids), *scored)
        .group_by(Inspection.enterprise_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Inspection.enterprise_id, Inspection.score)
        .join(
            latest,
            (latest.c.enterprise_id == Inspection.enterprise_id)
            & (latest.c.at == Inspection.finished_received_at),
        )
        .where(*scored)
        .order_by(Inspection.id)
    ).all()
    return {enterprise_id: score for enterprise_id, score in rows}


def _self_reporting(ids, since: datetime) -> tuple[dict[int, int], dict[int, int]]:
    """Finished self-inspections since `since`, and the hazards they reported, per enterprise."""
    recent = (
        Inspection.enterprise_id.in_(ids),
        Inspection.kind == "self_inspection",
        Inspection.status == "finished",
        Inspection.finished_received_at >= since,
    )
    inspections = dict(
        db.session.execute(
            select(Inspection.enterprise_id, func.count())
            .where(*recent)
            .group_by(Inspection.enterprise_id)
        ).all()
    )
    hazards = dict(
        db.session.execute(
            select(Inspection.enterprise_id, func.count(Hazard.id))
            .join(Hazard, Hazard.inspection_id == Inspection.id)
            .where(*recent)
            .group_by(Inspection.enterprise_id)
        ).all()
    )
    return inspections, hazards


def parse_intervals(text: str) -> dict[str, int]:
    """`key:1,elevated:3,...` → months per class (every class must be given)."""
    intervals = {}
    for part in (text or "").split(","):
        code, _, months = part.partition(":")
        intervals[code.strip()] = int(months)
    if set(intervals) != set(ENTERPRISE_CLASSES) or min(intervals.values()) < 1:
        raise ValueError(
            f"INSPECTION_INTERVAL_MONTHS must give months >= 1 for {ENTERPRISE_CLASSES}"
        )
    return intervals


def interval_months_shown_to(user: User, class_code: str) -> int | None:
    """The inspection interval, for officials only: with the last visit's date it gives the
    next one away, and supervision visits are unannounced (四不两直)."""
    return None if user.is_enterprise_user else interval_months(class_code)


def interval_months(class_code: str) -> int:
    return parse_intervals(current_app.config["INSPECTION_INTERVAL_MONTHS"])[class_code]


def reclassify(
    enterprise: Enterprise, *, now: datetime | None = None, facts: CreditFacts | None = None
) -> EnterpriseClassification:
    """Apply the rule to the enterprise; a changed effective class re-dates its pending plan."""
    now = now or utcnow()
    policy = policy_from(current_app.config)
    if facts is None:
        facts = credit_facts([enterprise.id], now, policy)[enterprise.id]
    computed, factors = classify(enterprise, facts, policy)
    row = db.session.get(EnterpriseClassification, enterprise.id)
    if row is None:
        row = EnterpriseClassification(enterprise_id=enterprise.id, updated_at=now)
        db.session.add(row)
    before = row.effective_class
    if row.factors != factors:
        row.factors = factors
    if row.computed_class != computed:
        row.computed_class = computed
        row.effective_class = row.override_class or computed
        _history(row, "computed", before, now)
    _after_change(row, before, now)
    return row


def set_override(
    user: User,
    enterprise: Enterprise,
    class_code: str | None,
    reason: str,
    now: datetime | None = None,
) -> EnterpriseClassification:
    """A supervisor sets (or, with None, clears) the enterprise's class, giving a reason."""
    if user.role not in OVERRIDERS:
        raise Forbidden(f"The role {user.role} may not change an enterprise's class.")
    if class_code is not None and class_code not in ENTERPRISE_CLASSES:
        raise Invalid(f"Unknown class {class_code}.", field="class_code")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("An override gives its reason.", field="reason")
    now = now or utcnow()
    row = reclassify(enterprise, now=now)
    before = row.effective_class
    row.override_class = class_code
    row.override_reason = reason if class_code else None
    row.overridden_by_id = user.id if class_code else None
    row.overridden_at = now if class_code else None
    row.effective_class = class_code or row.computed_class
    _history(
        row, "override" if class_code else "override_cleared", before, now, user, reason=reason
    )
    _after_change(row, before, now)
    return row


def _history(row, kind, before, now, actor: User | None = None, reason: str = "") -> None:
    db.session.add(
        ClassificationChange(
            enterprise_id=row.enterprise_id,
            changed_at=now,
            kind=kind,
            from_class=before,
            to_class=row.effective_class,
            computed_class=row.computed_class,
            override_class=row.override_class,
            reason=reason,
            actor_id=actor.id if actor else None,
            factors=row.factors,
        )
    )


def _after_change(row: EnterpriseClassification, before: str | None, now: datetime) -> None:
    db.session.flush()
    if before is not None and before != row.effective_class:
        events.publish(events.ClassChanged(row.enterprise_id, row.effective_class, now))


def current_classification(user: User, enterprise_id: int) -> EnterpriseClassification:
    """The enterprise's class as of now (recomputed), for someone who may see it."""
    return reclassify(get_visible(Enterprise, enterprise_id, user))


def history(enterprise: Enterprise) -> list[ClassificationChange]:
    return db.session.scalars(
        select(ClassificationChange)
        .where(ClassificationChange.enterprise_id == enterprise.id)
        .order_by(ClassificationChange.changed_at, ClassificationChange.id)
    ).all()


def reclassify_enterprise(enterprise_id: int, *, now: datetime | None = None):
    return reclassify(db.session.get(Enterprise, enterprise_id), now=now)


def reclassify_all(now: datetime, batch: int = 500) -> dict[int, str]:
    """Every enterprise's effective class after applying the rule (the planning job)."""
    enterprise_ids = db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()
    classes: dict[int, str] = {}
    for start in range(0, len(enterprise_ids), batch):
        chunk = enterprise_ids[start : start + batch]
        facts = credit_facts(chunk, now)
        # Loaded once per chunk, so that reclassify's session.get finds them in the session.
        db.session.scalars(
            select(EnterpriseClassification).where(
                EnterpriseClassification.enterprise_id.in_(chunk)
            )
        ).all()
        enterprises = db.session.scalars(select(Enterprise).where(Enterprise.id.in_(chunk)))
        for enterprise in enterprises:
            row = reclassify(enterprise, now=now, facts=facts[enterprise.id])
            classes[enterprise.id] = row.effective_class
    return classes


def classification_query(
    user: User, *, class_code: str | None = None, jurisdiction_id: int | None = None
):
    """Stored classes of the enterprises the user may see (as of the last recomputation)."""
    stmt = (
        select(EnterpriseClassification)
        .join(Enterprise, Enterprise.id == EnterpriseClassification.enterprise_id)
        .where(enterprise_clause(user))
    )
    if class_code is not None:
        stmt = stmt.where(EnterpriseClassification.effective_class == class_code)
    if jurisdiction_id is not None:
        subtree = visible_subtree_ids(user, jurisdiction_id)
        stmt = stmt.where(Enterprise.jurisdiction_id.in_(subtree))
    return stmt.order_by(EnterpriseClassification.enterprise_id)
