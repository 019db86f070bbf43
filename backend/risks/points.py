"""Risk points (风险分级管控): the enterprise's list of places, activities and equipment, each
with its hazard types, an assessment whose inputs are kept, the four-colour level, its control
measures and who controls it.

Sources and local policy (docs/sources.md):

- Hazard types: the accident categories (事故类别) of GB 6441-1986《企业职工伤亡事故分类》.
- LEC (作业条件危险性评价法, Graham & Kinney; as taught in China's safety-evaluation texts):
  D = L × E × C with L ∈ {0.1, 0.2, 0.5, 1, 3, 6, 10}, E ∈ {0.5, 1, 2, 3, 6, 10},
  C ∈ {1, 3, 7, 15, 40, 100}, and the bands D > 320 极其危险, 160 < D ≤ 320 高度危险,
  70 < D ≤ 160 显著危险, 20 < D ≤ 70 一般危险, D ≤ 20 稍有危险. The bands are read as the
  method's tables write them ("> 320", "160～320", "70～160", "20～70", "< 20"): the top band
  excludes 320, so every band holds its upper bound. The four levels are the bands mapped onto
  重大 / 较大 / 一般 / 低 (the last two LEC bands both 低): D = 320 is 较大, 160 一般, 70 低.
- The 5 × 5 risk matrix (R = L × S, likelihood and severity 1–5): no source in this project
  gives its bands, so they are local policy, `RISK_MATRIX_BANDS` (default major ≥ 20,
  larger ≥ 15, general ≥ 9, else low — the banding provincial 风险分级管控 guidance commonly uses).
- The colours 红 / 橙 / 黄 / 蓝 for 重大 / 较大 / 一般 / 低 (issue 18, the 四色 convention).

Enterprise managers keep their own enterprise's points; officials in scope read them.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, func, select

from ..core import events
from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound, checked_text
from ..core.scope import (
    enterprise_clause,
    require_enterprise_in_scope,
    require_role,
    visible_enterprise_ids,
)
from ..models import (
    ACCIDENT_TYPES,
    ASSESSMENT_METHODS,
    CONTROL_LEVELS,
    RISK_LEVELS,
    RISK_POINT_KINDS,
    Enterprise,
    Finding,
    Hazard,
    RiskPoint,
    User,
    utcnow,
)

WRITERS = ("enterprise_manager",)
LEC_L = (0.1, 0.2, 0.5, 1, 3, 6, 10)
LEC_E = (0.5, 1, 2, 3, 6, 10)
LEC_C = (1, 3, 7, 15, 40, 100)
# (level, D strictly above which it applies), highest first.
LEC_BANDS = (("major", 320), ("larger", 160), ("general", 70))
MATRIX_RANGE = range(1, 6)
LEVEL_ORDER = tuple(RISK_LEVELS)  # major, larger, general, low
MAX_NAME = 200
MAX_LOCATION = 500
MAX_PERSON = 100
EDITABLE = frozenset(
    {
        "kind",
        "name",
        "location",
        "hazard_types",
        "method",
        "lec_l",
        "lec_e",
        "lec_c",
        "likelihood",
        "severity",
        "control_measures",
        "control_level",
        "responsible_person",
    }
)


def lec_level(d: float) -> str:
    """The level of an LEC score D: each band holds its upper bound (D = 320 is 较大)."""
    for level, above in LEC_BANDS:
        if d > above:
            return level
    return "low"


def parse_matrix_bands(text: str) -> tuple[tuple[str, int], ...]:
    """`major:20,larger:15,general:9` → (level, lowest R) highest first; below: low."""
    bands = {}
    for part in (text or "").split(","):
        name, _, value = part.partition(":")
        bands[name.strip()] = int(value)
    if set(bands) != {"major", "larger", "general"}:
        raise ValueError("RISK_MATRIX_BANDS must give major, larger and general")
    ordered = tuple((level, bands[level]) for level in ("major", "larger", "general"))
    if not ordered[0][1] > ordered[1][1] > ordered[2][1] > 1:
        raise ValueError("RISK_MATRIX_BANDS must descend: major > larger > general > 1")
    return ordered


def matrix_level(r: int, bands=None) -> str:
    """The level of a matrix score R = L × S (local policy bands, RISK_MATRIX_BANDS)."""
    bands = bands or parse_matrix_bands(current_app.config["RISK_MATRIX_BANDS"])
    for level, at_least in bands:
        if r >= at_least:
            return level
    return "low"


@dataclass(frozen=True)
class Assessment:
    score: float
    level: str


def assess(fields: dict) -> Assessment:
    """The score and level of a point's assessment inputs (the method's own fields only)."""
    if fields.get("method") == "lec":
        likelihood, exposure, consequence = (
            _factor(fields, name, allowed) for name, allowed in LEC_FACTORS
        )
        d = round(likelihood * exposure * consequence, 4)
        return Assessment(d, lec_level(d))
    likelihood = _grade(fields, "likelihood")
    severity = _grade(fields, "severity")
    r = likelihood * severity
    return Assessment(float(r), matrix_level(r))


LEC_FACTORS = (("lec_l", LEC_L), ("lec_e", LEC_E), ("lec_c", LEC_C))


def _factor(fields: dict, name: str, allowed) -> float:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in allowed:
        raise Invalid(f"{name} must be one of {', '.join(map(str, allowed))}.", field=name)
    return float(value)


def _grade(fields: dict, name: str) -> int:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value not in MATRIX_RANGE:
        raise Invalid(f"{name} must be a whole number from 1 to 5.", field=name)
    return value


def _check(fields: dict) -> dict:
    """Everything a point needs, checked for any caller (REST, page); text stripped."""
    for name, choices in (
        ("kind", RISK_POINT_KINDS),
        ("method", ASSESSMENT_METHODS),
        ("control_level", CONTROL_LEVELS),
    ):
        if fields.get(name) not in choices:
            raise Invalid(f"{name} must be one of {', '.join(choices)}.", field=name)
    types = fields.get("hazard_types")
    if not isinstance(types, list) or not types:
        raise Invalid("Name at least one hazard type (GB 6441).", field="hazard_types")
    for index, code in enumerate(types):
        if code not in ACCIDENT_TYPES:
            raise Invalid(f"Unknown hazard type {code!r}.", field=f"hazard_types.{index}")
    checked = dict(fields)
    checked["hazard_types"] = list(dict.fromkeys(types))
    for name, limit, required in (
        ("name", MAX_NAME, True),
        ("location", MAX_LOCATION, False),
        ("responsible_person", MAX_PERSON, True),
        ("control_measures", 4000, True),
    ):
        checked[name] = checked_text(fields.get(name), name, limit)
        if required and not checked[name]:
            raise Invalid(f"{name} is required.", field=name)
    # Only the chosen method's inputs are kept.
    unused = (
        ("likelihood", "severity") if fields["method"] == "lec" else ("lec_l", "lec_e", "lec_c")
    )
    for name in unused:
        checked[name] = None
    return checked


def _apply(point: RiskPoint, fields: dict) -> None:
    assessment = assess(fields)
    for name in EDITABLE:
        setattr(point, name, fields.get(name))
    point.score = assessment.score
    point.level = assessment.level


def _require_writer(user: User) -> None:
    require_role(user, *WRITERS)


def create_risk_point(user: User, *, enterprise_id: int, now: datetime | None = None, **fields):
    """An enterprise manager adds a risk point of their own enterprise."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    _require_writer(user)
    unknown = set(fields) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"Unknown field {name}.", field=name)
    checked = _check(fields)
    now = now or utcnow()
    point = RiskPoint(
        id=uuid.uuid4().hex,
        enterprise_id=enterprise_id,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    _apply(point, checked)
    db.session.add(point)
    _register_changed(enterprise_id, now)
    return point


def update_risk_point(user: User, point_id: str, changes: dict, now: datetime | None = None):
    """An enterprise manager changes a point; its level follows its inputs."""
    point = get_visible_risk_point(user, point_id)
    _require_writer(user)
    unknown = set(changes) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{name} cannot be changed.", field=name)
    current = {name: getattr(point, name) for name in EDITABLE}
    _apply(point, _check({**current, **changes}))
    point.updated_at = now or utcnow()
    _register_changed(point.enterprise_id, point.updated_at)
    return point


def delete_risk_point(user: User, point_id: str, now: datetime | None = None) -> None:
    """An enterprise manager removes a point no finding or hazard names."""
    point = get_visible_risk_point(user, point_id)
    _require_writer(user)
    linked = db.session.scalar(
        select(func.count()).where(Hazard.risk_point_id == point.id)
    ) + db.session.scalar(select(func.count()).where(Finding.risk_point_id == point.id))
    if linked:
        raise Conflict(f"{linked} finding(s) or hazard(s) name this point; it is kept.", field="id")
    enterprise_id = point.enterprise_id
    db.session.delete(point)
    _register_changed(enterprise_id, now or utcnow())


def _register_changed(enterprise_id: int, now: datetime) -> None:
    """Flush, then let the class (and so the colour) follow the register at once."""
    db.session.flush()
    events.publish(events.RiskRegisterChanged(enterprise_id, now))


# --- reading ----------------------------------------------------------------------------------


def risk_point_clause(user: User):
    return RiskPoint.enterprise_id.in_(visible_enterprise_ids(user))


def get_visible_risk_point(user: User, point_id: str, field: str | None = None) -> RiskPoint:
    point = db.session.scalar(
        select(RiskPoint).where(RiskPoint.id == point_id, risk_point_clause(user))
    )
    if point is None:
        raise NotFound(f"risk point {point_id} not found", field=field)
    return point


def risk_point_query(user: User, *, enterprise_id: int | None = None, level: str | None = None):
    """The points the user may see, highest level first."""
    stmt = select(RiskPoint).where(risk_point_clause(user))
    if enterprise_id is not None:
        stmt = stmt.where(RiskPoint.enterprise_id == enterprise_id)
    if level is not None:
        stmt = stmt.where(RiskPoint.level == level)
    order = {level: index for index, level in enumerate(LEVEL_ORDER)}
    return stmt.order_by(case(order, value=RiskPoint.level), RiskPoint.name, RiskPoint.id)


def require_risk_point_of(enterprise_id: int, point_id: str, field: str = "risk_point_id"):
    """The point a hazard names must be one of the hazard's enterprise (422 otherwise)."""
    point = db.session.get(RiskPoint, point_id) if isinstance(point_id, str) else None
    if point is None or point.enterprise_id != enterprise_id:
        raise Invalid(f"risk point {point_id} is not one of this enterprise's.", field=field)
    return point


def level_counts(enterprise_ids) -> dict[int, dict[str, int]]:
    """Per enterprise: how many points of each level (every level present, zeros included)."""
    ids = list(enterprise_ids)
    counts = {enterprise_id: dict.fromkeys(LEVEL_ORDER, 0) for enterprise_id in ids}
    rows = db.session.execute(
        select(RiskPoint.enterprise_id, RiskPoint.level, func.count())
        .where(RiskPoint.enterprise_id.in_(ids))
        .group_by(RiskPoint.enterprise_id, RiskPoint.level)
    )
    for enterprise_id, level, count in rows:
        counts[enterprise_id][level] = count
    return counts


def scope_level_counts(user: User) -> dict[str, int]:
    """How many points of each level the enterprises the user may see hold together."""
    counts = dict.fromkeys(LEVEL_ORDER, 0)
    rows = db.session.execute(
        select(RiskPoint.level, func.count())
        .join(Enterprise, Enterprise.id == RiskPoint.enterprise_id)
        .where(enterprise_clause(user))
        .group_by(RiskPoint.level)
    )
    for level, count in rows:
        counts[level] = count
    return counts


def risk_point_summary(enterprise_id: int) -> dict:
    """The register's state for one enterprise: counts per level, nothing private."""
    counts = level_counts([enterprise_id])[enterprise_id]
    return {"total": sum(counts.values()), "by_level": counts}
