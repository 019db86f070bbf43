"""The enterprise's people, their certificates and its training records: kept by the
enterprise's safety managers, read by its own users and the officials in scope.

Sources (docs/sources.md):

- 持证上岗 (seed 001 L27, 《市委安全生产监管工作意见》 二(二)3, word for word,
  CERTIFICATION_RULE_TEXT): "三年实现全市从业人员20人以上企业主要负责人、安全管理人员和特种作业
  人员持证上岗率达到100%;从业人员20人以下企业主要负责人和特种作业人员持证上岗率达到100%".
  The 持证上岗率 counts the people in the roles the seed names for the enterprise's size
  (`certified_roles`), and those of them holding a valid certificate of the kind their role
  needs (`ROLE_CERTIFICATES`); the target is 100 % (`meets_target`).
- Training records (seed 004 item 10): "如实详细、准确记录培训的时间、内容、参加人员以及考核结果".
- Yearly hours (《生产经营单位安全培训规定》, 原国家安监总局令第3号, 第80号令修改): art. 9, the
  principal and safety managers "每年再培训时间不得少于12学时", in
  煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼等 units 16; art. 13, the other workers of those
  units "每年再培训的时间不得少于20学时"
  (no yearly minimum for the other workers elsewhere: their hours are only reported).

Reminders before a certificate expires are sent by the jobs (backend/jobs/registers.py), which
may use the notifications domain; this domain may not.
"""

import uuid
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ..core.db import db
from ..core.errors import Invalid, NotFound, checked_choice, checked_text
from ..core.scope import (
    Forbidden,
    require_enterprise_in_scope,
    visible_enterprise_ids,
    visible_subtree_ids,
)
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import (
    ASSESSMENT_RESULTS,
    CERTIFICATE_TYPES,
    PERSON_ROLES,
    SPECIAL_OPERATION_CATEGORIES,
    Certificate,
    Enterprise,
    Person,
    TrainingParticipant,
    TrainingSession,
    User,
    utcnow,
)

WRITERS = frozenset({"enterprise_manager"})
CERTIFICATION_RULE_TEXT = (
    "三年实现全市从业人员20人以上企业主要负责人、安全管理人员和特种作业人员持证上岗率达到100%;"
    "从业人员20人以下企业主要负责人和特种作业人员持证上岗率达到100%"
)
# Seed 001 L27: 从业人员20人以上 ("以上" includes the number).
CERTIFICATION_EMPLOYEES = 20
CERTIFIED_ROLES_LARGE = ("principal", "safety_manager", "special_operator")
CERTIFIED_ROLES_SMALL = ("principal", "special_operator")
# The certificate a role's 持证上岗 asks for: 安全生产法 art. 27 (考核合格) for the principal and
# the safety managers, art. 30 (特种作业操作资格证书) for special operators.
ROLE_CERTIFICATES = {
    "principal": frozenset({"safety_qualification"}),
    "safety_manager": frozenset({"safety_qualification"}),
    "special_operator": frozenset({"special_operation"}),
    "registered_safety_engineer": frozenset({"registered_safety_engineer"}),
}
# 《生产经营单位安全培训规定》 art. 9 and 13: yearly re-training hours.
MANAGEMENT_ROLES = ("principal", "safety_manager")
HOURS_MANAGEMENT = 12
HOURS_MANAGEMENT_HIGH_RISK = 16
HOURS_WORKERS_HIGH_RISK = 20
HIGH_RISK_INDUSTRIES = frozenset({"non_coal_mining", "hazardous_chemicals", "fireworks"})
HIGH_RISK_FEATURES = frozenset({"metal_smelting"})
HOURS_BASIS = "《生产经营单位安全培训规定》第九条、第十三条"
MAX_HOURS = 1000
PERSON_FIELDS = frozenset({"name", "role", "job_title", "active"})
TRAINING_FIELDS = frozenset({"held_at", "content", "hours", "participants"})
CERTIFICATE_FIELDS = frozenset(
    {"cert_type", "operation_category", "number", "issuer", "issued_on", "valid_until"}
)


def new_id() -> str:
    return uuid.uuid4().hex


def reminder_days(config=None) -> tuple[int, ...]:
    """CERTIFICATE_REMINDER_DAYS (local policy): the days before expiry that remind, largest
    first; the largest is also what counts as "expiring"."""
    text = (config or current_app.config).get("CERTIFICATE_REMINDER_DAYS", "30,7")
    days = sorted({int(part) for part in str(text).split(",") if part.strip()}, reverse=True)
    return tuple(day for day in days if day > 0) or (30,)


def _require_writer(user: User, enterprise_id: int) -> Enterprise:
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    if user.role not in WRITERS:
        raise Forbidden(f"The role {user.role} may not change the enterprise's registers.")
    return enterprise


def _required_text(value, field: str, max_length: int) -> str:
    text = checked_text(value, field, max_length)
    if not text:
        raise Invalid(f"{field} is required.", field=field)
    return text


def _date(value, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(f"{field} must be a date.", field=field)
    return value


# --- people -----------------------------------------------------------------------------------


def _checked_person(fields: dict) -> dict:
    checked = {}
    if "name" in fields:
        checked["name"] = _required_text(fields["name"], "name", 64)
    if "role" in fields:
        checked["role"] = checked_choice(fields["role"], PERSON_ROLES, "role")
    if "job_title" in fields:
        checked["job_title"] = checked_text(fields["job_title"], "job_title", 100)
    if "active" in fields:
        if not isinstance(fields["active"], bool):
            raise Invalid("active must be true or false.", field="active")
        checked["active"] = fields["active"]
    return checked


def add_person(
    user: User, *, enterprise_id: int, name: str, role: str, job_title: str = ""
) -> Person:
    """A safety manager registers one of the enterprise's people (never an ID number)."""
    _require_writer(user, enterprise_id)
    fields = _checked_person({"name": name, "role": role, "job_title": job_title})
    person = Person(id=new_id(), enterprise_id=enterprise_id, active=True, **fields)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(user: User, person_id: str, changes: dict) -> Person:
    person = get_visible_person(user, person_id)
    _require_writer(user, person.enterprise_id)
    _refuse_unknown(changes, PERSON_FIELDS)
    for name, value in _checked_person(changes).items():
        setattr(person, name, value)
    person.updated_at = utcnow()
    db.session.flush()
    return person


def _refuse_unknown(changes: dict, allowed: frozenset) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise Invalid(f"{unknown[0]} cannot be changed.", field=unknown[0])


def get_visible_person(user: User, person_id: str, field: str | None = None) -> Person:
    person = db.session.scalar(
        select(Person).where(
            Person.id == person_id, Person.enterprise_id.in_(visible_enterprise_ids(user))
        )
    )
    if person is None:
        raise NotFound(f"person {person_id} not found", field=field)
    return person


def people_query(
    user: User,
    *,
    enterprise_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
):
    stmt = (
        select(Person)
        .where(Person.enterprise_id.in_(visible_enterprise_ids(user)))
        .options(selectinload(Person.certificates))
    )
    for column, value in (
        (Person.enterprise_id, enterprise_id),
        (Person.role, role),
        (Person.active, active),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(Person.enterprise_id, Person.role, Person.name, Person.id)


# --- certificates -----------------------------------------------------------------------------


def _checked_certificate(fields: dict) -> dict:
    checked = {}
    if "cert_type" in fields:
        checked["cert_type"] = checked_choice(fields["cert_type"], CERTIFICATE_TYPES, "cert_type")
    if fields.get("operation_category") is not None:
        checked["operation_category"] = checked_choice(
            fields["operation_category"], SPECIAL_OPERATION_CATEGORIES, "operation_category"
        )
    elif "operation_category" in fields:
        checked["operation_category"] = None
    for name, length in (("number", 64), ("issuer", 100)):
        if name in fields:
            checked[name] = _required_text(fields[name], name, length)
    for name in ("issued_on", "valid_until"):
        if name in fields:
            checked[name] = _date(fields[name], name)
    return checked


def _check_certificate(certificate: Certificate) -> None:
    """A 特种作业操作证 names its 作业类别; no other certificate has one."""
    special = certificate.cert_type == "special_operation"
    if special and certificate.operation_category is None:
        raise Invalid(
            "A special-operation certificate needs its operation category.",
            field="operation_category",
        )
    if not special and certificate.operation_category is not None:
        raise Invalid(
            "Only a special-operation certificate has an operation category.",
            field="operation_category",
        )
    if certificate.valid_until < certificate.issued_on:
        raise Invalid("valid_until is before issued_on.", field="valid_until")


def add_certificate(user: User, *, person_id: str, **fields) -> Certificate:
    """A safety manager records a certificate one of the enterprise's people holds."""
    person = get_visible_person(user, person_id, field="person_id")
    _require_writer(user, person.enterprise_id)
    missing = sorted(CERTIFICATE_FIELDS - {"operation_category"} - set(fields))
    if missing:
        raise Invalid(f"{missing[0]} is required.", field=missing[0])
    _refuse_unknown(fields, CERTIFICATE_FIELDS)
    certificate = Certificate(
        id=new_id(),
        enterprise_id=person.enterprise_id,
        person_id=person.id,
        **{"operation_category": None, **_checked_certificate(fields)},
    )
    _check_certificate(certificate)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def update_certificate(user: User, certificate_id: str, changes: dict) -> Certificate:
    certificate = get_visible_certificate(user, certificate_id)
    _require_writer(user, certificate.enterprise_id)
    _refuse_unknown(changes, CERTIFICATE_FIELDS)
    for name, value in _checked_certificate(changes).items():
        setattr(certificate, name, value)
    _check_certificate(certificate)
    certificate.updated_at = utcnow()
    db.session.flush()
    return certificate


def delete_certificate(user: User, certificate_id: str) -> None:
    """A certificate recorded by mistake goes; an expired one stays as the record of it."""
    certificate = get_visible_certificate(user, certificate_id)
    _require_writer(user, certificate.enterprise_id)
    db.session.delete(certificate)
    db.session.flush()


def get_visible_certificate(user: User, certificate_id: str) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate).where(
            Certificate.id == certificate_id,
            Certificate.enterprise_id.in_(visible_enterprise_ids(user)),
        )
    )
    if certificate is None:
        raise NotFound(f"certificate {certificate_id} not found")
    return certificate


def certificate_query(
    user: User, *, enterprise_id: int | None = None, person_id: str | None = None
):
    stmt = select(Certificate).where(Certificate.enterprise_id.in_(visible_enterprise_ids(user)))
    if enterprise_id is not None:
        stmt = stmt.where(Certificate.enterprise_id == enterprise_id)
    if person_id is not None:
        stmt = stmt.where(Certificate.person_id == person_id)
    return stmt.order_by(Certificate.valid_until, Certificate.id)


def certificate_state(certificate: Certificate, today: date, expiring_days: int) -> str:
    """valid, expiring (within `expiring_days`, the last day included) or expired."""
    if certificate.valid_until < today or certificate.issued_on > today:
        return "expired" if certificate.valid_until < today else "not_yet_valid"
    if (certificate.valid_until - today).days <= expiring_days:
        return "expiring"
    return "valid"


def current_state(certificate: Certificate) -> str:
    return certificate_state(certificate, today_in_shanghai(), reminder_days()[0])


def expiring_certificates(today: date, days: int) -> list[Certificate]:
    """Certificates of active people that expire within `days` (today included), for the
    reminder job."""
    return db.session.scalars(
        select(Certificate)
        .join(Person, Person.id == Certificate.person_id)
        .where(
            Person.active.is_(True),
            Certificate.valid_until >= today,
            Certificate.valid_until <= today + timedelta(days=days),
        )
        .order_by(Certificate.valid_until, Certificate.id)
    ).all()


# --- 持证上岗率 ----------------------------------------------------------------------------------


def certified_roles(enterprise: Enterprise) -> tuple[str, ...]:
    """The roles seed 001 L27 asks 持证上岗 of, by the enterprise's size."""
    if (enterprise.employee_count or 0) >= CERTIFICATION_EMPLOYEES:
        return CERTIFIED_ROLES_LARGE
    return CERTIFIED_ROLES_SMALL


def _holders(enterprise_ids, today: date) -> set[str]:
    """Ids of the people holding a valid certificate of the kind their role needs."""
    pairs = db.session.execute(
        select(Person.id, Person.role, Certificate.cert_type)
        .join(Certificate, Certificate.person_id == Person.id)
        .where(
            Person.enterprise_id.in_(enterprise_ids),
            Certificate.issued_on <= today,
            Certificate.valid_until >= today,
        )
    )
    return {
        person_id
        for person_id, role, cert_type in pairs
        if cert_type in ROLE_CERTIFICATES.get(role, ())
    }


def certification_rates(enterprises: list[Enterprise], today: date) -> dict[int, dict]:
    """The 持证上岗率 of each enterprise (seed 001 L27), with two queries for all of them."""
    ids = [enterprise.id for enterprise in enterprises]
    people = db.session.execute(
        select(Person.id, Person.enterprise_id, Person.role).where(
            Person.enterprise_id.in_(ids), Person.active.is_(True)
        )
    ).all()
    holders = _holders(ids, today)
    rates = {}
    for enterprise in enterprises:
        roles = certified_roles(enterprise)
        required = [p for p in people if p.enterprise_id == enterprise.id and p.role in roles]
        certified = sum(1 for p in required if p.id in holders)
        rates[enterprise.id] = _rate(enterprise, roles, len(required), certified)
    return rates


def _rate(enterprise: Enterprise, roles, required: int, certified: int) -> dict:
    rate = certified / required if required else None
    return {
        "enterprise_id": enterprise.id,
        "employees_20_plus": (enterprise.employee_count or 0) >= CERTIFICATION_EMPLOYEES,
        "roles": list(roles),
        "required": required,
        "certified": certified,
        "rate": rate,
        "target": 1.0,
        # Nobody registered in the roles: the register is missing, not complete.
        "meets_target": required > 0 and certified == required,
        "basis": "《市委安全生产监管工作意见》二(二)3 持证上岗率达到100%",
    }


def certification_rate(user: User, enterprise_id: int, today: date | None = None) -> dict:
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    return certification_rates([enterprise], today or today_in_shanghai())[enterprise.id]


def jurisdiction_certification(user: User, jurisdiction_id: int, today: date | None = None):
    """The 持证上岗率 over the enterprises of a jurisdiction subtree in scope, and those below
    the 100 % target; a department official counts only its department's enterprises there."""
    enterprises = db.session.scalars(
        select(Enterprise)
        .where(Enterprise.jurisdiction_id.in_(visible_subtree_ids(user, jurisdiction_id)))
        .where(Enterprise.id.in_(visible_enterprise_ids(user)))
        .order_by(Enterprise.id)
    ).all()
    rates = certification_rates(enterprises, today or today_in_shanghai())
    required = sum(rate["required"] for rate in rates.values())
    certified = sum(rate["certified"] for rate in rates.values())
    names = {enterprise.id: enterprise.name for enterprise in enterprises}
    return {
        "jurisdiction_id": jurisdiction_id,
        "enterprises": len(enterprises),
        "required": required,
        "certified": certified,
        "rate": certified / required if required else None,
        "target": 1.0,
        "below_target": [
            {**rate, "enterprise_name": names[ent_id]}
            for ent_id, rate in rates.items()
            if not rate["meets_target"]
        ],
    }


# --- training sessions ------------------------------------------------------------------------


def _checked_participants(enterprise_id: int, participants) -> list[TrainingParticipant]:
    if not isinstance(participants, list) or not participants:
        raise Invalid("A training needs at least one participant.", field="participants")
    seen = set()
    rows = []
    for index, entry in enumerate(participants):
        field = f"participants.{index}"
        person_id = entry.get("person_id") if isinstance(entry, dict) else None
        if not isinstance(person_id, str) or person_id in seen:
            raise Invalid("Each participant is one person, named once.", field=field)
        seen.add(person_id)
        person = db.session.get(Person, person_id)
        if person is None or person.enterprise_id != enterprise_id:
            raise NotFound(f"person {person_id} not found", field=f"{field}.person_id")
        assessment = checked_choice(
            entry.get("assessment", "not_assessed"), ASSESSMENT_RESULTS, f"{field}.assessment"
        )
        rows.append(TrainingParticipant(person_id=person_id, assessment=assessment))
    return rows


def _checked_held_at(held_at) -> datetime:
    if not isinstance(held_at, datetime) or held_at.tzinfo is None:
        raise Invalid("held_at must be a time with its offset.", field="held_at")
    return held_at


def _checked_hours(hours) -> float:
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
        raise Invalid(f"hours must be a number above 0 and at most {MAX_HOURS}.", field="hours")
    return float(hours)


def record_training(
    user: User,
    *,
    enterprise_id: int,
    held_at: datetime,
    content: str,
    hours: float,
    participants: list[dict],
) -> TrainingSession:
    """A safety manager records a training: time, content, hours, who took part and how each
    did in the assessment (seed 004 item 10)."""
    _require_writer(user, enterprise_id)
    session = TrainingSession(
        id=new_id(),
        enterprise_id=enterprise_id,
        held_at=_checked_held_at(held_at),
        content=_required_text(content, "content", 4000),
        hours=_checked_hours(hours),
        created_by_id=user.id,
        participants=_checked_participants(enterprise_id, participants),
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_training(user: User, session_id: str, changes: dict) -> TrainingSession:
    """Correct a training record, or enter the assessment results later. Participants, when
    given, are the whole new list: a person kept keeps their row, with the new result."""
    session = get_visible_training(user, session_id)
    _require_writer(user, session.enterprise_id)
    _refuse_unknown(changes, TRAINING_FIELDS)
    if "held_at" in changes:
        session.held_at = _checked_held_at(changes["held_at"])
    if "content" in changes:
        session.content = _required_text(changes["content"], "content", 4000)
    if "hours" in changes:
        session.hours = _checked_hours(changes["hours"])
    if "participants" in changes:
        _replace_participants(session, changes["participants"])
    session.updated_at = utcnow()
    db.session.flush()
    return session


def _replace_participants(session: TrainingSession, participants) -> None:
    wanted = {
        row.person_id: row.assessment
        for row in _checked_participants(session.enterprise_id, participants)
    }
    kept = [row for row in session.participants if row.person_id in wanted]
    for row in kept:
        row.assessment = wanted.pop(row.person_id)
    new = [TrainingParticipant(person_id=p, assessment=a) for p, a in wanted.items()]
    session.participants = kept + new


def delete_training(user: User, session_id: str) -> None:
    """A training recorded by mistake goes, with its participants."""
    session = get_visible_training(user, session_id)
    _require_writer(user, session.enterprise_id)
    db.session.delete(session)
    db.session.flush()


def get_visible_training(user: User, session_id: str) -> TrainingSession:
    session = db.session.scalar(
        select(TrainingSession).where(
            TrainingSession.id == session_id,
            TrainingSession.enterprise_id.in_(visible_enterprise_ids(user)),
        )
    )
    if session is None:
        raise NotFound(f"training session {session_id} not found")
    return session


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(), SHANGHAI)
    return start, datetime.combine(date(year + 1, 1, 1), time(), SHANGHAI)


def training_query(user: User, *, enterprise_id: int | None = None, year: int | None = None):
    stmt = (
        select(TrainingSession)
        .where(TrainingSession.enterprise_id.in_(visible_enterprise_ids(user)))
        .options(
            selectinload(TrainingSession.participants).selectinload(TrainingParticipant.person)
        )
    )
    if enterprise_id is not None:
        stmt = stmt.where(TrainingSession.enterprise_id == enterprise_id)
    if year is not None:
        start, end = _year_bounds(year)
        stmt = stmt.where(TrainingSession.held_at >= start, TrainingSession.held_at < end)
    return stmt.order_by(TrainingSession.held_at.desc(), TrainingSession.id)


def is_high_risk(enterprise: Enterprise) -> bool:
    """煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼 (《生产经营单位安全培训规定》 art. 9, 13)."""
    return enterprise.industry in HIGH_RISK_INDUSTRIES or bool(
        HIGH_RISK_FEATURES & set(enterprise.risk_features or ())
    )


def required_yearly_hours(enterprise: Enterprise, role: str) -> int | None:
    """The yearly re-training hours the rule asks of a role; None where it gives none."""
    high_risk = is_high_risk(enterprise)
    if role in MANAGEMENT_ROLES:
        return HOURS_MANAGEMENT_HIGH_RISK if high_risk else HOURS_MANAGEMENT
    return HOURS_WORKERS_HIGH_RISK if high_risk else None


def yearly_hours(user: User, enterprise_id: int, year: int) -> list[dict]:
    """Each active person's training hours in the year (Asia/Shanghai), beside the yearly
    minimum where the rule gives one."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    start, end = _year_bounds(year)
    totals = dict(
        db.session.execute(
            select(TrainingParticipant.person_id, func.sum(TrainingSession.hours))
            .join(TrainingSession, TrainingSession.id == TrainingParticipant.session_id)
            .where(
                and_(
                    TrainingSession.enterprise_id == enterprise_id,
                    TrainingSession.held_at >= start,
                    TrainingSession.held_at < end,
                )
            )
            .group_by(TrainingParticipant.person_id)
        ).all()
    )
    people = db.session.scalars(people_query(user, enterprise_id=enterprise_id, active=True)).all()
    rows = []
    for person in people:
        hours = float(totals.get(person.id) or 0)
        required = required_yearly_hours(enterprise, person.role)
        rows.append(
            {
                "person_id": person.id,
                "name": person.name,
                "role": person.role,
                "year": year,
                "hours": hours,
                "required_hours": required,
                "meets_requirement": None if required is None else hours >= required,
                "basis": HOURS_BASIS if required is not None else None,
            }
        )
    return rows


# --- the register beside checklist item D10 ---------------------------------------------------


def register_summary(enterprise_id: int, today: date | None = None) -> dict:
    """One line's worth for checklist item D10 (and 持证上岗): certificates valid / expiring /
    expired and the 持证上岗率. Callers check scope first."""
    today = today or today_in_shanghai()
    enterprise = db.session.get(Enterprise, enterprise_id)
    expiring_days = reminder_days()[0]
    certificates = db.session.scalars(
        select(Certificate)
        .join(Person, Person.id == Certificate.person_id)
        .where(Certificate.enterprise_id == enterprise_id, Person.active.is_(True))
    ).all()
    counts = {"valid": 0, "expiring": 0, "expired": 0, "not_yet_valid": 0}
    for certificate in certificates:
        counts[certificate_state(certificate, today, expiring_days)] += 1
    rate = certification_rates([enterprise], today)[enterprise_id]
    trainings = db.session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .where(TrainingSession.enterprise_id == enterprise_id)
    )
    line = f"证书有效{counts['valid']}、即将到期{counts['expiring']}、已过期{counts['expired']}"
    line += (
        f"；持证上岗率{rate['certified']}/{rate['required']}"
        if rate["required"]
        else "；未登记需持证人员"
    )
    return {
        "certificates": counts,
        "certification": rate,
        "training_sessions": trainings,
        "line": line,
    }
