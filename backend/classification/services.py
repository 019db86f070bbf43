"""Enterprise classification (分级分类): the rule, supervisor overrides and their history.

《生产体系建设方案》方案4 classifies by "企业规模、生产经营性质、安全生产管理水平、
危险因素和安全生产标准化、规范化、诚信管理等级"; its 方案5 makes the standardisation grade the
credit grade and has a bad record or the blacklist lower it, and puts blacklisted enterprises
first ("以'黑名单'为重点，加强重点执法检查"); 常州市达标企业创建方案 inspects enterprises without
standardisation more often. The rule:

1. Industry level (INDUSTRY_LEVELS, 0 low … 3 high): the 高危行业 of 《市委安全生产监管工作意见》
   (危化、矿山、烟花爆竹) and 民用爆炸物品 are 3; the other key industries of 青安委〔2024〕2号
   (城镇燃气、建筑施工、交通运输) and
   metal smelting (冶金、有色) 2; the other 工贸 sub-industries 1; 商贸 and other 0.
2. Any risk feature (粉尘涉爆、金属冶炼、涉氨制冷、有限空间作业、重大危险源) raises it by 1; the
   enterprise's assessed risk class (重大/较大/一般/低风险 = 3/2/1/0) raises it to at least that.
3. Standardisation (the credit grade): 一级 −2, 二级 −1, 三级 or none 0.
4. Credit and hazards: an active bad credit record +1; an open major hazard +1.
5. The result is kept within 0–3, and an industry of level 3 never goes below 2.
6. A published blacklist entry makes it 3 whatever else holds.

Level 3/2/1/0 = class key 重点 / elevated 较高 / general 一般 / low 低, which sets the inspection
interval (INSPECTION_INTERVAL_MONTHS; default 1, 3, 6 and 12 months). A supervisor in scope may
override the class with a reason (or clear the override); the override wins over the rule until
cleared. Every change of the computed class and every override is kept in the history.

The class is recomputed when credit changes (credit/records.py), on every read of an
enterprise's classification and by the hourly `plan_inspections` job (which catches hazards,
standardisation grades and risk features that changed meanwhile).
"""

from dataclasses import dataclass
from datetime import datetime

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
    User,
    utcnow,
)

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
GRADE_ADJUSTMENTS = {"grade1": -2, "grade2": -1, "grade3": 0, "none": 0}
HIGH_RISK_FLOOR = 2
LEVEL_CLASSES = ("low", "general", "elevated", "key")
assert set(LEVEL_CLASSES) == set(ENTERPRISE_CLASSES)
OVERRIDERS = ("supervisor",)


@dataclass(frozen=True)
class CreditFacts:
    active_bad_records: int = 0
    open_major_hazards: int = 0
    blacklisted: bool = False


def classify(enterprise: Enterprise, facts: CreditFacts) -> tuple[str, dict]:
    """The class the rule gives, and the factors it used (kept with the result)."""
    industry_level = INDUSTRY_LEVELS.get(enterprise.industry, 0)
    features = sorted(set(enterprise.risk_features or ()) & RAISING_FEATURES)
    level = max(
        industry_level + (1 if features else 0),
        RISK_CLASS_LEVELS.get(enterprise.risk_class, 0),
    )
    grade_adjustment = GRADE_ADJUSTMENTS.get(enterprise.standardisation_grade, 0)
    level += grade_adjustment
    level += 1 if facts.active_bad_records else 0
    level += 1 if facts.open_major_hazards else 0
    floor = HIGH_RISK_FLOOR if industry_level >= 3 else 0
    level = max(floor, min(3, level))
    if facts.blacklisted:
        level = 3
    factors = {
        "industry": enterprise.industry,
        "industry_level": industry_level,
        "risk_features": features,
        "risk_class": enterprise.risk_class,
        "standardisation_grade": enterprise.standardisation_grade,
        "grade_adjustment": grade_adjustment,
        "active_bad_records": facts.active_bad_records,
        "open_major_hazards": facts.open_major_hazards,
        "blacklisted": facts.blacklisted,
        "floor": floor,
        "level": level,
    }
    return LEVEL_CLASSES[level], factors


def credit_facts(enterprise_ids, today) -> dict[int, CreditFacts]:
    """The credit and hazard facts of many enterprises in three queries."""
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
    return {
        enterprise_id: CreditFacts(
            active_bad_records=records.get(enterprise_id, 0),
            open_major_hazards=hazards.get(enterprise_id, 0),
            blacklisted=enterprise_id in blacklisted,
        )
        for enterprise_id in ids
    }


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
    if facts is None:
        facts = credit_facts([enterprise.id], today_in_shanghai(now))[enterprise.id]
    computed, factors = classify(enterprise, facts)
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
    today = today_in_shanghai(now)
    enterprise_ids = db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()
    classes: dict[int, str] = {}
    for start in range(0, len(enterprise_ids), batch):
        chunk = enterprise_ids[start : start + batch]
        facts = credit_facts(chunk, today)
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
