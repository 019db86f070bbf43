"""Grid workers' patrol logs (巡查记录) and their duty performance (履职情况).

Seed 001 (L55) asks for a 镇、片、村 three-tier grid system, grid workers (网格员) who supervise
their grid, and accountability for those who do not do their duty (对不认真履职的网格员 … 进行
责任追究). A patrol log, made on the phone and often offline, is what that accountability rests
on: when, where (GPS points and places), which enterprises of the grid were visited, what was
seen, and the hazards reported, each reported through the hazards' own intake. How often a grid
must be patrolled the seeds do not say: a per-grid setting with a configurable default
(PATROLS_PER_MONTH, local policy).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from sync.protocol import ms_to_datetime

from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import (
    patrol_clause,
    require_enterprise_in_scope,
    require_role,
    scope_root_id,
    subtree_ids,
    visible_subtree_ids,
)
from ..core.timeutil import today_in_shanghai
from ..hazards import services as hazard_service
from ..jurisdictions.services import patrols_per_month
from ..models import (
    Hazard,
    Jurisdiction,
    Patrol,
    PatrolEnterprise,
    PatrolHazard,
    User,
)

PATROLLERS = ("grid_worker",)
# Who reads the duty performance of the grid workers in their scope (a worker reads their own).
PERFORMANCE_READERS = ("admin", "supervisor", "inspector")
MAX_PLACES = 100
MAX_PLACE = 200
MAX_ENTERPRISES = 200
MAX_HAZARDS = 50
# Patrol ids the API routes use for other things.
RESERVED_IDS = frozenset({"performance"})


def record_patrol(
    user: User,
    *,
    id: str,
    patrol_date: date | None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    route=None,
    places=None,
    observations: str = "",
    enterprise_ids=None,
    hazards=None,
    hazard_note: str = "",
    now: datetime | None = None,
) -> Patrol:
    """A grid worker's patrol log, received once: a copy sent again (a push whose answer was
    lost) is the same log, not a second one."""
    require_role(user, *PATROLLERS)
    existing = db.session.get(Patrol, id)
    if existing is not None:
        return _same_patrol(user, existing, patrol_date, enterprise_ids)
    if id in RESERVED_IDS:
        raise Invalid(f"The id {id} is reserved.", field="id")
    patrol = Patrol(
        id=id,
        user_id=user.id,
        jurisdiction_id=user.jurisdiction_id,
        patrol_date=_checked_date(patrol_date, now),
        started_at=started_at,
        ended_at=ended_at,
        route=checked_route(route),
        places=_checked_places(places),
        observations=checked_text(observations, "observations"),
        hazard_note=checked_text(hazard_note, "hazard_note"),
    )
    if started_at and ended_at and ended_at < started_at:
        raise Invalid("ended_at is before started_at.", field="ended_at")
    visited = _visited(user, enterprise_ids)
    db.session.add(patrol)
    db.session.flush()
    reported = _report_hazards(user, patrol, hazards)
    for enterprise_id in sorted(visited | {hazard.enterprise_id for hazard in reported}):
        db.session.add(PatrolEnterprise(patrol_id=patrol.id, enterprise_id=enterprise_id))
    db.session.flush()
    return patrol


def _same_patrol(user: User, existing: Patrol, patrol_date, enterprise_ids) -> Patrol:
    if existing.user_id != user.id:
        raise Conflict(f"The patrol id {existing.id} is taken.", field="id")
    same_day = patrol_date is None or patrol_date == existing.patrol_date
    # The visited list also holds the enterprises of the hazards reported on the patrol.
    sent = set(_ids(enterprise_ids, "enterprise_ids"))
    if not same_day or not sent <= set(visited_enterprise_ids(existing)):
        raise Conflict(
            f"The patrol {existing.id} was already received; a patrol log is not changed.",
            field="id",
        )
    return existing


def _checked_date(value, now) -> date:
    if not isinstance(value, date):
        raise Invalid("patrol_date must be a date YYYY-MM-DD.", field="patrol_date")
    if value > today_in_shanghai(now):
        raise Invalid("patrol_date lies in the future.", field="patrol_date")
    return value


def _number(value, field: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(f"{field} must be a number.", field=field)
    if not -limit <= value <= limit:
        raise Invalid(f"{field} must be between -{limit} and {limit}.", field=field)
    return float(value)


def checked_route(route) -> list[dict]:
    """GPS points {lat, lon, at}: degrees in range, `at` the device's epoch milliseconds."""
    if route in (None, ""):
        return []
    if not isinstance(route, list):
        raise Invalid("route must be a list of points.", field="route")
    limit = current_app.config.get("PATROL_MAX_ROUTE_POINTS", 5000)
    if len(route) > limit:
        raise Invalid(f"route has more than {limit} points.", field="route")
    points = []
    for index, point in enumerate(route):
        field = f"route[{index}]"
        if not isinstance(point, dict):
            raise Invalid(f"{field} must be an object with lat, lon, at.", field=field)
        try:
            at = ms_to_datetime(point.get("at"))
        except ValueError as error:
            raise Invalid(f"{field}.at {error}", field=f"{field}.at") from None
        points.append(
            {
                "lat": _number(point.get("lat"), f"{field}.lat", 90),
                "lon": _number(point.get("lon"), f"{field}.lon", 180),
                "at": None if at is None else int(at.timestamp() * 1000),
            }
        )
    return points


def _checked_places(places) -> list[str]:
    if places in (None, ""):
        return []
    if not isinstance(places, list) or len(places) > MAX_PLACES:
        raise Invalid(f"places must be a list of at most {MAX_PLACES} texts.", field="places")
    return [checked_text(p, f"places[{i}]", MAX_PLACE) for i, p in enumerate(places)]


def _ids(values, field: str) -> list[int]:
    if values in (None, ""):
        return []
    if not isinstance(values, list) or len(values) > MAX_ENTERPRISES:
        raise Invalid(f"{field} must be a list of at most {MAX_ENTERPRISES} ids.", field=field)
    ids = []
    for index, value in enumerate(values):
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise Invalid(f"{field}[{index}] must be an id.", field=f"{field}[{index}]") from None
    return ids


def _visited(user: User, enterprise_ids) -> set[int]:
    """The enterprises visited: each must lie in the worker's grid (404 like one that does not
    exist, so nothing outside the grid leaks)."""
    return {
        require_enterprise_in_scope(user, enterprise_id, f"enterprise_ids[{index}]").id
        for index, enterprise_id in enumerate(_ids(enterprise_ids, "enterprise_ids"))
    }


def _report_hazards(user: User, patrol: Patrol, hazards) -> list[Hazard]:
    """Each hazard seen goes through the hazards' intake (report_hazard), as one reported on
    site; the patrol keeps the link."""
    if hazards in (None, ""):
        return []
    if not isinstance(hazards, list) or len(hazards) > MAX_HAZARDS:
        raise Invalid(f"hazards must be a list of at most {MAX_HAZARDS}.", field="hazards")
    reported = []
    for index, report in enumerate(hazards):
        field = f"hazards[{index}]"
        if not isinstance(report, dict):
            raise Invalid(f"{field} must be an object.", field=field)
        hazard = hazard_service.report_hazard(
            user,
            enterprise_id=_ids([report.get("enterprise_id")], f"{field}.enterprise_id")[0],
            title=report.get("title"),
            grade=report.get("grade") or "general",
            description=report.get("description") or "",
            location=report.get("location") or "",
            due_on=_report_due_on(report.get("due_on"), f"{field}.due_on"),
            id=f"{patrol.id[:58]}-h{index}",
        )
        db.session.add(PatrolHazard(patrol_id=patrol.id, hazard_id=hazard.id))
        reported.append(hazard)
    return reported


def _report_due_on(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be a date YYYY-MM-DD.", field=field) from None


# --- reading ------------------------------------------------------------------------------


def visited_enterprise_ids(patrol: Patrol) -> list[int]:
    return list(
        db.session.scalars(
            select(PatrolEnterprise.enterprise_id)
            .where(PatrolEnterprise.patrol_id == patrol.id)
            .order_by(PatrolEnterprise.enterprise_id)
        )
    )


def reported_hazard_ids(patrol: Patrol) -> list[str]:
    return list(
        db.session.scalars(
            select(PatrolHazard.hazard_id)
            .where(PatrolHazard.patrol_id == patrol.id)
            .order_by(PatrolHazard.hazard_id)
        )
    )


def patrol_query(
    user: User,
    *,
    user_id: int | None = None,
    jurisdiction_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """The patrol logs the user may see (officials: those of their subtree; a grid worker:
    their own), newest first."""
    stmt = select(Patrol).where(patrol_clause(user))
    if user_id is not None:
        stmt = stmt.where(Patrol.user_id == user_id)
    if jurisdiction_id is not None:
        stmt = stmt.where(Patrol.jurisdiction_id.in_(visible_subtree_ids(user, jurisdiction_id)))
    if date_from is not None:
        stmt = stmt.where(Patrol.patrol_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Patrol.patrol_date <= date_to)
    return stmt.order_by(Patrol.patrol_date.desc(), Patrol.id)


# --- duty performance ------------------------------------------------------------------------


@dataclass
class Performance:
    user: User
    grid: Jurisdiction
    required: int
    patrols: int
    enterprises_visited: int
    hazards_found: int
    hazards_closed: int
    follow_up_visits: int

    def as_dict(self) -> dict:
        return {
            "user_id": self.user.id,
            "display_name": self.user.display_name or self.user.username,
            "jurisdiction_id": self.grid.id,
            "jurisdiction_name": self.grid.name,
            "required_patrols": self.required,
            "patrols": self.patrols,
            "met": self.patrols >= self.required,
            "enterprises_visited": self.enterprises_visited,
            "hazards_found": self.hazards_found,
            "hazards_closed": self.hazards_closed,
            "hazards_open": self.hazards_found - self.hazards_closed,
            "follow_up_visits": self.follow_up_visits,
        }


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise Invalid("month must be YYYY-MM.", field="month") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def duty_performance(user: User, month: str, jurisdiction_id: int | None = None) -> list[dict]:
    """Per grid worker in the user's scope, for one month: patrols made against the grid's
    required number, enterprises visited, hazards found on them (and how many are closed
    by now), and follow-up visits (back at an enterprise where they had reported a hazard)."""
    first, last = month_bounds(month)
    workers = db.session.scalars(_workers_query(user, jurisdiction_id)).all()
    default = current_app.config.get("PATROLS_PER_MONTH", 4)
    return [_performance(worker, first, last, default).as_dict() for worker in workers]


def _workers_query(user: User, jurisdiction_id: int | None):
    if user.role in PATROLLERS:
        return select(User).where(User.id == user.id)
    require_role(user, *PERFORMANCE_READERS)
    stmt = select(User).where(User.role == "grid_worker", User.jurisdiction_id.is_not(None))
    root = scope_root_id(user)
    if root is not None:
        stmt = stmt.where(User.jurisdiction_id.in_(subtree_ids(db.session.get(Jurisdiction, root))))
    if jurisdiction_id is not None:
        stmt = stmt.where(User.jurisdiction_id.in_(visible_subtree_ids(user, jurisdiction_id)))
    return stmt.order_by(User.jurisdiction_id, User.id)


def _performance(worker: User, first: date, last: date, default: int) -> Performance:
    in_month = select(Patrol.id).where(
        Patrol.user_id == worker.id, Patrol.patrol_date >= first, Patrol.patrol_date <= last
    )
    patrols = db.session.scalar(select(func.count()).select_from(in_month.subquery()))
    visits = db.session.execute(
        select(PatrolEnterprise.enterprise_id, Patrol.patrol_date)
        .join(Patrol, Patrol.id == PatrolEnterprise.patrol_id)
        .where(Patrol.id.in_(in_month))
    ).all()
    found = db.session.execute(
        select(Hazard.status)
        .join(PatrolHazard, PatrolHazard.hazard_id == Hazard.id)
        .where(PatrolHazard.patrol_id.in_(in_month))
    ).all()
    return Performance(
        user=worker,
        grid=worker.jurisdiction,
        required=patrols_per_month(worker.jurisdiction, default),
        patrols=patrols,
        enterprises_visited=len({enterprise_id for enterprise_id, _ in visits}),
        hazards_found=len(found),
        hazards_closed=sum(1 for (status,) in found if status == "closed"),
        follow_up_visits=_follow_up_visits(worker, visits),
    )


def _follow_up_visits(worker: User, visits) -> int:
    """Visits to an enterprise where the worker had reported a hazard on an earlier patrol."""
    reported = db.session.execute(
        select(Hazard.enterprise_id, Patrol.patrol_date)
        .join(PatrolHazard, PatrolHazard.hazard_id == Hazard.id)
        .join(Patrol, Patrol.id == PatrolHazard.patrol_id)
        .where(Patrol.user_id == worker.id)
    ).all()
    first_report: dict[int, date] = {}
    for enterprise_id, day in reported:
        first_report[enterprise_id] = min(day, first_report.get(enterprise_id, day))
    return sum(
        1
        for enterprise_id, day in visits
        if enterprise_id in first_report and first_report[enterprise_id] < day
    )
