"""Major hazard installations (危险化学品重大危险源) under GB 18218-2018《危险化学品重大危险源
辨识》, and their management under 《危险化学品重大危险源监督管理暂行规定》(原国家安监总局令
第40号, 第79号修正).

- 4.2.2: a unit (生产单元 or 储存单元) is a major hazard when S = Σ qᵢ/Qᵢ ≥ 1, qᵢ the largest
  quantity of each hazardous chemical present (t), Qᵢ its critical quantity: 表1 for a named
  substance, else 表2 for its hazard category.
- 4.3: R = α Σ βᵢ qᵢ/Qᵢ; βᵢ from 表3 for the toxic gases it lists, else from 表4 by the
  substance's category (so a named substance not in 表3 is declared with its category); α from
  表5 by the people living within 500 m outside the plant. 一级 R ≥ 100, 二级 100 > R ≥ 50,
  三级 50 > R ≥ 10, 四级 R < 10. The grade applies to a major hazard only.
- 暂行规定: 登记建档 of every identified major hazard (`registered_on`), 备案 with the county-level
  department (`filing_status`, `filed_on`, `accepted_on`), and a new safety evaluation once the
  last one is three years old (`evaluation_due_on` = last evaluation + 3 years; 第十一条(一)
  "重大危险源安全评估已满三年的").
- 第二十三条: 备案 within 15 days of completing the safety assessment (评估) or evaluation (评价)
  report, so a major hazard not filed by `last_evaluated_on` + 15 days is overdue for filing.
  Registered (登记建档) but with no evaluation date yet, no source gives a deadline: local policy,
  `INSTALLATION_FILING_DAYS` after 登记建档 (default 30). Reminders (backend/jobs/registers.py)
  also come `INSTALLATION_EVALUATION_DUE_SOON_DAYS` (local policy, default 60) before the
  evaluation is due.

The tables are data (backend/risks/data/gb18218_2018.yaml, marked `completeness: partial`).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import func, select

from ..core.db import db
from ..core.errors import Invalid, NotFound, checked_text
from ..core.periods import term_end
from ..core.scope import require_enterprise_in_scope, require_role, visible_enterprise_ids
from ..core.timeutil import today_in_shanghai
from ..models import (
    INSTALLATION_FILING_STATUSES,
    INSTALLATION_KINDS,
    HazardInstallation,
    User,
    utcnow,
)

DATA_FILE = Path(__file__).parent / "data" / "gb18218_2018.yaml"
WRITERS = ("enterprise_manager",)
EVALUATION_YEARS = 3  # 暂行规定 第十一条(一)
FILING_DAYS_AFTER_EVALUATION = 15  # 暂行规定 第二十三条
ROW_KEYS = frozenset({"name", "cas", "critical_t", "beta"})
MAX_LINES = 200
MAX_QUANTITY_T = 10_000_000
EDITABLE = frozenset(
    {
        "name",
        "unit_kind",
        "substances",
        "exposed_people",
        "registered_on",
        "filing_status",
        "filed_on",
        "accepted_on",
        "last_evaluated_on",
        "monitoring_notes",
    }
)


@cache
def standard() -> dict:
    """GB 18218-2018's tables as shipped (see the file's header for what it holds)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for code, row in {**data["substances"], **data["categories"]}.items():
        # An unquoted name with an ASCII comma splits into keys in a YAML flow mapping.
        if set(row) - ROW_KEYS or not isinstance(row.get("name"), str):
            raise ValueError(f"{DATA_FILE.name}: {code} is malformed (quote its name)")
        if not row.get("critical_t"):
            raise ValueError(f"{DATA_FILE.name}: {code} has no critical quantity")
    return data


@dataclass(frozen=True)
class Line:
    """One declared chemical with what the standard gives it."""

    substance: str | None
    category: str | None
    quantity_t: float
    critical_t: float
    beta: float

    @property
    def ratio(self) -> float:
        return self.quantity_t / self.critical_t


@dataclass(frozen=True)
class Identification:
    lines: tuple[Line, ...]
    s_value: float
    alpha: float
    r_value: float
    is_major: bool
    grade: int | None


def line_for(entry, index: int) -> Line:
    """Qᵢ from 表1 (named) or 表2 (category); βᵢ from 表3, else 表4 by category."""
    field = f"substances.{index}"
    if not isinstance(entry, dict):
        raise Invalid("Each substance is an object.", field=field)
    data = standard()
    substance, category = entry.get("substance"), entry.get("category")
    quantity = entry.get("quantity_t")
    if isinstance(quantity, bool) or not isinstance(quantity, int | float):
        raise Invalid("quantity_t must be a number of tonnes.", field=f"{field}.quantity_t")
    if not 0 < quantity <= MAX_QUANTITY_T:
        raise Invalid(
            f"quantity_t must be above 0 and at most {MAX_QUANTITY_T} t.",
            field=f"{field}.quantity_t",
        )
    if substance is not None and substance not in data["substances"]:
        raise Invalid(f"Unknown substance {substance!r}.", field=f"{field}.substance")
    if category is not None and category not in data["categories"]:
        raise Invalid(f"Unknown hazard category {category!r}.", field=f"{field}.category")
    if substance is None and category is None:
        raise Invalid("Name the substance or its hazard category.", field=f"{field}.substance")
    beta = data["toxic_gas_beta"].get(substance)
    if beta is None:
        if category is None:
            raise Invalid(
                "A substance outside 表3 needs its hazard category for β (表4).",
                field=f"{field}.category",
            )
        beta = data["categories"][category]["beta"]
    critical = (
        data["substances"][substance]["critical_t"]
        if substance is not None
        else data["categories"][category]["critical_t"]
    )
    return Line(substance, category, float(quantity), float(critical), float(beta))


def alpha_for(exposed_people: int) -> float:
    for row in standard()["alpha"]:
        if exposed_people >= row["at_least"]:
            return float(row["alpha"])
    raise Invalid("exposed_people must be 0 or more.", field="exposed_people")


def grade_for(r_value: float) -> int:
    for row in standard()["grades"]:
        if r_value >= row["at_least"]:
            return row["grade"]
    return 4


def identify(substances, exposed_people: int) -> Identification:
    """S, R, whether the unit is a major hazard and its grade (GB 18218-2018 4.2.2, 4.3)."""
    if not isinstance(substances, list) or not substances:
        raise Invalid("Declare at least one hazardous chemical.", field="substances")
    if len(substances) > MAX_LINES:
        raise Invalid(f"At most {MAX_LINES} substances per unit.", field="substances")
    if isinstance(exposed_people, bool) or not isinstance(exposed_people, int):
        raise Invalid("exposed_people must be a whole number.", field="exposed_people")
    lines = tuple(line_for(entry, index) for index, entry in enumerate(substances))
    s_value = sum(line.ratio for line in lines)
    alpha = alpha_for(exposed_people)
    r_value = alpha * sum(line.beta * line.ratio for line in lines)
    is_major = s_value >= 1
    return Identification(
        lines, s_value, alpha, r_value, is_major, grade_for(r_value) if is_major else None
    )


def evaluation_due_on(last_evaluated_on: date | None) -> date | None:
    """When the next safety evaluation is due: three years after the last (第十一条(一))."""
    if last_evaluated_on is None:
        return None
    return term_end(last_evaluated_on, EVALUATION_YEARS)


def filing_due_on(installation: HazardInstallation, days_after_registration: int) -> date | None:
    """When a major hazard not yet filed (备案) must be: 15 days after its evaluation report
    (第二十三条), else, registered only, `days_after_registration` after 登记建档 (local
    policy); None when filed, not a major hazard, or neither date is known."""
    if not installation.is_major or installation.filing_status != "not_filed":
        return None
    if installation.last_evaluated_on is not None:
        return installation.last_evaluated_on + timedelta(days=FILING_DAYS_AFTER_EVALUATION)
    if installation.registered_on is not None:
        return installation.registered_on + timedelta(days=days_after_registration)
    return None


@dataclass(frozen=True)
class InstallationFlag:
    """Something a major hazard installation owes: `kind` is evaluation_due,
    evaluation_overdue or filing_overdue; `due_on` the date it is about."""

    installation: HazardInstallation
    kind: str
    due_on: date


def installation_flags(
    installation: HazardInstallation, today: date, *, filing_days: int, due_soon_days: int
) -> list[InstallationFlag]:
    """What a major hazard installation owes as of today (nothing for a unit below S = 1)."""
    if not installation.is_major:
        return []
    flags = []
    due = installation.evaluation_due_on
    if due is not None and due < today:
        flags.append(InstallationFlag(installation, "evaluation_overdue", due))
    elif due is not None and (due - today).days <= due_soon_days:
        flags.append(InstallationFlag(installation, "evaluation_due", due))
    filing_due = filing_due_on(installation, filing_days)
    if filing_due is not None and filing_due < today:
        flags.append(InstallationFlag(installation, "filing_overdue", filing_due))
    return flags


def flag_settings(config) -> dict:
    """The local-policy days of the flags, from the app config."""
    return {
        "filing_days": int(config["INSTALLATION_FILING_DAYS"]),
        "due_soon_days": int(config["INSTALLATION_EVALUATION_DUE_SOON_DAYS"]),
    }


def flagged_installations(
    today: date, *, filing_days: int, due_soon_days: int, enterprise_id: int | None = None
) -> list[InstallationFlag]:
    """Every flag of the major hazard installations (of one enterprise, or all, for the job)."""
    stmt = select(HazardInstallation).where(HazardInstallation.is_major.is_(True))
    if enterprise_id is not None:
        stmt = stmt.where(HazardInstallation.enterprise_id == enterprise_id)
    return [
        flag
        for installation in db.session.scalars(stmt.order_by(HazardInstallation.id))
        for flag in installation_flags(
            installation, today, filing_days=filing_days, due_soon_days=due_soon_days
        )
    ]


def _check(fields: dict) -> dict:
    checked = dict(fields)
    if fields.get("unit_kind") not in INSTALLATION_KINDS:
        raise Invalid("unit_kind must be production or storage.", field="unit_kind")
    if fields.get("filing_status") not in INSTALLATION_FILING_STATUSES:
        raise Invalid(
            f"filing_status must be one of {', '.join(INSTALLATION_FILING_STATUSES)}.",
            field="filing_status",
        )
    checked["name"] = checked_text(fields.get("name"), "name", 200)
    if not checked["name"]:
        raise Invalid("name is required.", field="name")
    checked["monitoring_notes"] = checked_text(fields.get("monitoring_notes"), "monitoring_notes")
    for name in ("registered_on", "filed_on", "accepted_on", "last_evaluated_on"):
        value = fields.get(name)
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            raise Invalid(f"{name} must be a date.", field=name)
    status = checked["filing_status"]
    if status in ("filed", "accepted") and checked.get("filed_on") is None:
        raise Invalid("A filed installation gives the date it was filed.", field="filed_on")
    if status == "accepted" and checked.get("accepted_on") is None:
        raise Invalid("An accepted filing gives the date it was accepted.", field="accepted_on")
    if status == "not_filed":
        checked["filed_on"] = checked["accepted_on"] = None
    if status == "filed":
        checked["accepted_on"] = None
    return checked


def _apply(installation: HazardInstallation, fields: dict) -> None:
    found = identify(fields.get("substances"), fields.get("exposed_people", 0))
    for name in EDITABLE:
        setattr(installation, name, fields.get(name))
    installation.substances = [
        {"substance": line.substance, "category": line.category, "quantity_t": line.quantity_t}
        for line in found.lines
    ]
    installation.s_value = round(found.s_value, 6)
    installation.r_value = round(found.r_value, 6)
    installation.alpha = found.alpha
    installation.is_major = found.is_major
    installation.grade = found.grade
    installation.evaluation_due_on = evaluation_due_on(fields.get("last_evaluated_on"))


DEFAULTS = {
    "exposed_people": 0,
    "filing_status": "not_filed",
    "monitoring_notes": "",
    "registered_on": None,
    "filed_on": None,
    "accepted_on": None,
    "last_evaluated_on": None,
}


def declare_installation(
    user: User, *, enterprise_id: int, now: datetime | None = None, **fields
) -> HazardInstallation:
    """An enterprise manager declares a unit; S, R and grade follow from its chemicals."""
    require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    require_role(user, *WRITERS)
    _refuse_unknown(fields)
    checked = _check({**DEFAULTS, **fields})
    now = now or utcnow()
    installation = HazardInstallation(
        id=uuid.uuid4().hex,
        enterprise_id=enterprise_id,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    _apply(installation, checked)
    db.session.add(installation)
    db.session.flush()
    return installation


def update_installation(
    user: User, installation_id: str, changes: dict, now: datetime | None = None
) -> HazardInstallation:
    installation = get_visible_installation(user, installation_id)
    require_role(user, *WRITERS)
    _refuse_unknown(changes)
    current = {name: getattr(installation, name) for name in EDITABLE}
    _apply(installation, _check({**current, **changes}))
    installation.updated_at = now or utcnow()
    db.session.flush()
    return installation


def delete_installation(user: User, installation_id: str) -> None:
    installation = get_visible_installation(user, installation_id)
    require_role(user, *WRITERS)
    db.session.delete(installation)
    db.session.flush()


def _refuse_unknown(fields: dict) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{name} cannot be set.", field=name)


# --- reading ----------------------------------------------------------------------------------


def installation_clause(user: User):
    return HazardInstallation.enterprise_id.in_(visible_enterprise_ids(user))


def get_visible_installation(user: User, installation_id: str) -> HazardInstallation:
    installation = db.session.scalar(
        select(HazardInstallation).where(
            HazardInstallation.id == installation_id, installation_clause(user)
        )
    )
    if installation is None:
        raise NotFound(f"hazard installation {installation_id} not found")
    return installation


def installation_query(user: User, *, enterprise_id: int | None = None):
    stmt = select(HazardInstallation).where(installation_clause(user))
    if enterprise_id is not None:
        stmt = stmt.where(HazardInstallation.enterprise_id == enterprise_id)
    return stmt.order_by(
        HazardInstallation.is_major.desc(),
        HazardInstallation.grade,
        HazardInstallation.name,
        HazardInstallation.id,
    )


def installation_summary(enterprise_id: int, today: date | None = None) -> dict:
    """The register's state for one enterprise: major hazards by grade, unfiled, evaluations
    overdue."""
    today = today or today_in_shanghai()
    rows = db.session.execute(
        select(
            HazardInstallation.is_major,
            HazardInstallation.grade,
            HazardInstallation.filing_status,
            HazardInstallation.evaluation_due_on,
        ).where(HazardInstallation.enterprise_id == enterprise_id)
    ).all()
    major = [row for row in rows if row.is_major]
    return {
        "total": len(rows),
        "major": len(major),
        "by_grade": {
            str(grade): sum(row.grade == grade for row in major) for grade in (1, 2, 3, 4)
        },
        "not_filed": sum(row.filing_status == "not_filed" for row in major),
        "evaluation_overdue": sum(
            row.evaluation_due_on is not None and row.evaluation_due_on < today for row in major
        ),
        "not_evaluated": sum(row.evaluation_due_on is None for row in major),
    }


def major_installation_counts(enterprise_ids) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(HazardInstallation.enterprise_id, func.count())
            .where(
                HazardInstallation.enterprise_id.in_(list(enterprise_ids)),
                HazardInstallation.is_major.is_(True),
            )
            .group_by(HazardInstallation.enterprise_id)
        ).all()
    )
