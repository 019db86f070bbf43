"""Production-safety accidents (生产安全事故): recorded by a supervisor in scope; the level, the
reporting data and the investigating level are derived from the facts, never typed in.

Sources (《生产安全事故报告和调查处理条例》, 国务院令第493号, docs/sources.md):

- 第三条, the level — the highest that any of the three facts reaches decides:
  特别重大事故: 30人以上死亡, or 100人以上重伤（包括急性工业中毒）, or 1亿元以上直接经济损失;
  重大事故: 10人以上30人以下死亡, or 50人以上100人以下重伤, or 5000万元以上1亿元以下;
  较大事故: 3人以上10人以下死亡, or 10人以上50人以下重伤, or 1000万元以上5000万元以下;
  一般事故: 3人以下死亡, or 10人以下重伤, or 1000万元以下.
  "本条第一款所称的'以上'包括本数，所称的'以下'不包括本数": each threshold belongs to the
  higher level (10 deaths is 重大, 9 is 较大).
- 第九条: the unit's principal reports to the county-level 安全生产监督管理部门 within 1 hour
  (`report_due_at` = the time it happened + 1 hour: the principal is told 立即, at once).
- 第十条: 特别重大/重大 are reported up to the State Council's department, 较大 to the
  provincial one, 一般 to the 设区的市 one (`reported_up_to`); 第十一条: each level reports up
  within 2 hours (REPORT_UP_HOURS).
- 第十九条: 特别重大 is investigated by the State Council (or the department it authorises);
  重大, 较大 and 一般 by the provincial, 设区的市 and county-level people's government
  (`handled_by_level`).

What follows from an accident in credit (the fatal-accident candidate, the blacklist proposal)
is the credit domain's: every record and change publishes AccidentChanged (backend/wiring.py).
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, select

from ..core import events
from ..core.db import db
from ..core.errors import Invalid, NotFound
from ..core.scope import Forbidden, require_enterprise_in_scope, visible_enterprise_ids
from ..models import (
    ACCIDENT_TYPES,
    INVESTIGATION_STATUSES,
    Accident,
    User,
    utcnow,
)

WRITERS = frozenset({"supervisor"})
YUAN = 100  # fen
WAN = 10_000  # yuan
# 第三条: (level, deaths, serious injuries, direct loss in fen) from which the level applies,
# highest first; "以上" includes the number.
LEVEL_THRESHOLDS = (
    ("especially_major", 30, 100, 10_000 * WAN * YUAN),
    ("major", 10, 50, 5_000 * WAN * YUAN),
    ("larger", 3, 10, 1_000 * WAN * YUAN),
)
# 第九条: within 1 hour to the county-level department; 第十一条: 2 hours for each level above.
UNIT_REPORT_HOURS = 1
REPORT_UP_HOURS = 2
# 第十条 and 第十九条.
REPORTED_UP_TO_BY_LEVEL = {
    "especially_major": "state_council",
    "major": "state_council",
    "larger": "provincial",
    "general": "city",
}
INVESTIGATED_BY_LEVEL = {
    "especially_major": "state_council",
    "major": "provincial",
    "larger": "city",
    "general": "county",
}
# What a PATCH may change; the enterprise an accident happened in never changes.
EDITABLE = frozenset(
    {
        "occurred_at",
        "place",
        "accident_type",
        "summary",
        "deaths",
        "serious_injuries",
        "direct_economic_loss_fen",
        "responsible",
        "investigation_status",
        "investigation_report",
    }
)
COUNTS = ("deaths", "serious_injuries", "direct_economic_loss_fen")


def new_id() -> str:
    return uuid.uuid4().hex


def accident_level(deaths: int, serious_injuries: int, direct_economic_loss_fen: int) -> str:
    """The level 条例 第三条 gives: the highest that deaths, serious injuries or the direct
    economic loss reaches."""
    for level, min_deaths, min_injuries, min_loss_fen in LEVEL_THRESHOLDS:
        if (
            deaths >= min_deaths
            or serious_injuries >= min_injuries
            or direct_economic_loss_fen >= min_loss_fen
        ):
            return level
    return "general"


def _derive(accident: Accident) -> None:
    """The level, the reporting deadline and levels, from the facts (第三、九、十、十九条)."""
    accident.level = accident_level(
        accident.deaths, accident.serious_injuries, accident.direct_economic_loss_fen
    )
    accident.report_due_at = accident.occurred_at + timedelta(hours=UNIT_REPORT_HOURS)
    accident.reported_up_to = REPORTED_UP_TO_BY_LEVEL[accident.level]
    accident.handled_by_level = INVESTIGATED_BY_LEVEL[accident.level]


def _check(fields: dict) -> None:
    """What the schema checks too, for callers that are not the REST endpoint."""
    for name in COUNTS:
        value = fields.get(name)
        if name in fields and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise Invalid(f"{name} must be a non-negative integer.", field=name)
    if "accident_type" in fields and fields["accident_type"] not in ACCIDENT_TYPES:
        raise Invalid(f"Unknown accident type {fields['accident_type']}.", field="accident_type")
    status = fields.get("investigation_status")
    if "investigation_status" in fields and status not in INVESTIGATION_STATUSES:
        raise Invalid(f"Unknown investigation status {status}.", field="investigation_status")
    occurred_at = fields.get("occurred_at")
    if "occurred_at" in fields and (
        not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None
    ):
        raise Invalid("occurred_at must be a time with its offset.", field="occurred_at")
    if "place" in fields and not (fields["place"] or "").strip():
        raise Invalid("The place is required.", field="place")


def _normalised(fields: dict) -> dict:
    """Text stripped, times in UTC (as they come back from the database)."""
    return {name: _normalised_value(value) for name, value in fields.items()}


def _normalised_value(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _require_writer(user: User) -> None:
    if user.role not in WRITERS:
        raise Forbidden(f"The role {user.role} may not record accidents.")


def record_accident(
    user: User,
    *,
    enterprise_id: int,
    occurred_at: datetime,
    place: str,
    accident_type: str,
    deaths: int = 0,
    serious_injuries: int = 0,
    direct_economic_loss_fen: int = 0,
    summary: str = "",
    responsible: bool | None = None,
    investigation_status: str = "pending",
    investigation_report: str = "",
    now: datetime | None = None,
) -> Accident:
    """A supervisor in scope records an accident of an enterprise."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    _require_writer(user)
    fields = {
        "occurred_at": occurred_at,
        "place": place,
        "accident_type": accident_type,
        "deaths": deaths,
        "serious_injuries": serious_injuries,
        "direct_economic_loss_fen": direct_economic_loss_fen,
        "summary": summary or "",
        "responsible": responsible,
        "investigation_status": investigation_status,
        "investigation_report": investigation_report or "",
    }
    _check(fields)
    now = now or utcnow()
    accident = Accident(
        id=new_id(),
        enterprise_id=enterprise_id,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
        **_normalised(fields),
    )
    _derive(accident)
    db.session.add(accident)
    _changed(accident, now)
    return accident


def update_accident(
    user: User, accident_id: str, changes: dict, now: datetime | None = None
) -> Accident:
    """A supervisor in scope corrects the facts or records the investigation's progress, its
    report and its responsibility finding; what derives from them follows."""
    accident = get_visible_accident(user, accident_id)
    _require_writer(user)
    unknown = set(changes) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{name} cannot be changed.", field=name)
    _check(changes)
    for name, value in _normalised(changes).items():
        setattr(accident, name, value)
    now = now or utcnow()
    accident.updated_at = now
    _derive(accident)
    _changed(accident, now)
    return accident


def _changed(accident: Accident, now: datetime) -> None:
    db.session.flush()
    events.publish(events.AccidentChanged(accident, now))


# --- reading ----------------------------------------------------------------------------------


def accident_clause(user: User):
    """Accidents the user may see: those of the enterprises in scope (an enterprise its own)."""
    return Accident.enterprise_id.in_(visible_enterprise_ids(user))


def get_visible_accident(user: User, accident_id: str, field: str | None = None) -> Accident:
    accident = db.session.scalar(
        select(Accident).where(Accident.id == accident_id, accident_clause(user))
    )
    if accident is None:
        raise NotFound(f"accident {accident_id} not found", field=field)
    return accident


def accident_query(
    user: User,
    *,
    enterprise_id: int | None = None,
    level: str | None = None,
    responsible: bool | None = None,
    investigation_status: str | None = None,
):
    """The accidents the user may see, latest first."""
    stmt = select(Accident).where(accident_clause(user))
    for name, value in (
        ("enterprise_id", enterprise_id),
        ("level", level),
        ("responsible", responsible),
        ("investigation_status", investigation_status),
    ):
        if value is not None:
            stmt = stmt.where(getattr(Accident, name) == value)
    return stmt.order_by(Accident.occurred_at.desc(), Accident.id)


def responsible_deaths_within_year(enterprise_id: int, until: datetime) -> int:
    """Deaths in the enterprise's responsible accidents (责任事故) of the year up to `until`."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Accident.deaths), 0)).where(
            and_(
                Accident.enterprise_id == enterprise_id,
                Accident.responsible.is_(True),
                Accident.occurred_at > _one_year_before(until),
                Accident.occurred_at <= until,
            )
        )
    )


def _one_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)
