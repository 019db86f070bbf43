"""行政许可决定 (licence decisions) and their publication: the other half of 双公示.

Sources (docs/sources.md):
- seed 000 L66–67 (方案2): 「建立健全安全生产行政许可和行政处罚等信用信息“双公示”制度…实现应公示尽
  公示,力争做到“全覆盖、零遗漏”」.
- The seeds give a deadline for penalty information only (20 working days, 方案5 L198); for a
  licence the deadline is local policy, LICENCE_PUBLICATION_WORKING_DAYS (default 7 working
  days after the decision).
- What is shown: the holder is the enterprise (name, USCC), the kind, decision, licence number,
  content, validity, date and authority; no natural person's name.
"""

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from ..core.db import db
from ..core.errors import Invalid, checked_choice, checked_text
from ..core.scope import Forbidden, require_enterprise_in_scope
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import LICENCE_DECISIONS, LICENCE_KINDS, LicenceDecision, User
from . import documents
from .documents import document_clause, get_visible_document, new_id
from .numbering import authority_of, authority_of_document

RECORDERS = ("supervisor",)
CONTENT_MAX = 4000


def publication_deadline(decided_on: date) -> date | None:
    """LICENCE_PUBLICATION_WORKING_DAYS after the decision; None while the calendar lacks
    that year."""
    days = current_app.config["LICENCE_PUBLICATION_WORKING_DAYS"]
    return documents.publication_deadline(decided_on, days)


def _require_recorder(user: User) -> None:
    if user.role not in RECORDERS:
        raise Forbidden(f"The role {user.role} may not record or publish licence decisions.")


def _checked_validity(decision: str, valid_from, valid_until) -> None:
    if decision != "deregister" and valid_until is None:
        raise Invalid(
            "A licence granted, changed or renewed has its end date.", field="valid_until"
        )
    if valid_from and valid_until and valid_until < valid_from:
        raise Invalid("valid_until is before valid_from.", field="valid_until")


def record_licence(
    user: User,
    *,
    enterprise_id: int,
    kind: str,
    decision: str,
    licence_number: str,
    content: str,
    decided_on: date,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> LicenceDecision:
    """A supervisor records a licence decision on an enterprise in scope."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    _require_recorder(user)
    if decided_on > today_in_shanghai():
        raise Invalid("decided_on cannot be in the future.", field="decided_on")
    decision = checked_choice(decision, LICENCE_DECISIONS, "decision")
    _checked_validity(decision, valid_from, valid_until)
    number = checked_text(licence_number, "licence_number", 64)
    text = checked_text(content, "content", CONTENT_MAX)
    for name, value in (("licence_number", number), ("content", text)):
        if not value:
            raise Invalid(f"{name} is required.", field=name)
    licence = LicenceDecision(
        id=new_id(),
        enterprise_id=enterprise.id,
        authority_jurisdiction_id=authority_of(enterprise).jurisdiction.id,
        holder_name=enterprise.name,
        holder_uscc=enterprise.uscc,
        kind=checked_choice(kind, LICENCE_KINDS, "kind"),
        decision=decision,
        licence_number=number,
        content=text,
        decided_on=decided_on,
        valid_from=valid_from,
        valid_until=valid_until,
        decided_by_id=user.id,
        publish_due_on=publication_deadline(decided_on),
    )
    db.session.add(licence)
    db.session.flush()
    return licence


def publish_licence(user: User, licence_id: str, now: datetime | None = None) -> LicenceDecision:
    """A supervisor in scope publishes the decision (双公示): it shows on /gongshi at once."""
    licence = get_visible_licence(user, licence_id)
    _require_recorder(user)
    return documents.mark_published(licence, user, now)


def get_visible_licence(user: User, licence_id: str, field: str | None = None):
    return get_visible_document(LicenceDecision, licence_id, user, field)


def licence_query(user: User, *, enterprise_id: int | None = None, published: bool | None = None):
    """The licence decisions the user may see, latest first."""
    stmt = select(LicenceDecision).where(document_clause(LicenceDecision, user))
    if enterprise_id is not None:
        stmt = stmt.where(LicenceDecision.enterprise_id == enterprise_id)
    if published is not None:
        column = LicenceDecision.published_at
        stmt = stmt.where(column.is_not(None) if published else column.is_(None))
    return stmt.order_by(LicenceDecision.decided_on.desc(), LicenceDecision.id)


def publication_due_query(user: User, today: date | None = None):
    """Licence decisions not yet published whose deadline has passed or is near (the same
    warning as penalty decisions), most urgent first."""
    return documents.publication_due_query(LicenceDecision, user, today)


is_publication_overdue = documents.is_publication_overdue


def published_licences():
    """Every published licence decision (双公示), newest publication first: for anyone."""
    return (
        select(LicenceDecision)
        .where(LicenceDecision.published_at.is_not(None))
        .order_by(LicenceDecision.published_at.desc(), LicenceDecision.id)
    )


def public_rows(licences) -> list[dict]:
    return [public_row(licence) for licence in licences]


def public_row(licence: LicenceDecision) -> dict:
    """What may be shown of a licence decision: the holder enterprise, never a person."""
    return {
        "id": licence.id,
        "holder_name": licence.holder_name,
        "holder_uscc": licence.holder_uscc,
        "kind": licence.kind,
        "kind_label": LICENCE_KINDS[licence.kind],
        "decision": licence.decision,
        "decision_label": LICENCE_DECISIONS[licence.decision],
        "licence_number": licence.licence_number,
        "content": licence.content,
        "decided_on": licence.decided_on,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "authority": authority_of_document(licence).name,
        "published_on": licence.published_at.astimezone(SHANGHAI).date(),
    }
