"""行政处罚决定书 (penalty decision), recorded by a supervisor, and its publication (双公示).

Sources (docs/sources.md):
- 《行政处罚法》(2021) 第九条: the kinds of penalty (PENALTY_TYPES); 第十八条第三款: 限制人身自由
  的行政处罚权只能由公安机关…行使 — an emergency-management bureau never imposes 行政拘留, and
  an enterprise cannot be detained, so it is refused here.
- 方案5 二(五) (S000:L198) and 方案6 (S000:L233): "在安全生产行政处罚信息形成之日起20个工作日内
  向社会公示" — the deadline is the 20th working day after the decision date (core/periods.py:
  the decision day itself is not counted); seed 000 L66–67 (方案2): 行政许可和行政处罚等信用信息
  "双公示".
- What is shown: the party is the enterprise (name, USCC); the legal representative, a natural
  person, is on the decision but never published; nor are the officials' names.

The board lists decisions not yet published whose deadline has passed or falls within
PENALTY_PUBLICATION_WARNING_WORKING_DAYS working days (local policy, default 3).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.db import db
from ..core.errors import Conflict, Invalid, checked_text
from ..core.scope import Forbidden, require_enterprise_in_scope
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import PENALTY_TYPES, PenaltyDecision, Person, User
from . import documents
from .documents import checked_official_names, document_clause, get_visible_document, new_id
from .numbering import assign_number, authority_of_document

RECORDERS = ("supervisor",)
# The kinds that come with a sum of money (罚款, 没收违法所得).
MONETARY = frozenset({"fine", "confiscate_illegal_gains"})
# 行政处罚法 第十八条第三款: public security organs only.
NOT_OURS = frozenset({"administrative_detention"})
TEXT_MAX = 20_000
MAX_AMOUNT_FEN = 2**63 - 1


def yuan_to_fen(value, field: str = "amount_yuan") -> int:
    """A sum in yuan (a decimal string or a Decimal, at most 2 places) as integer fen."""
    try:
        amount = Decimal(str(value))
        exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        exact = False
    if isinstance(value, bool | float) or not exact or amount < 0:
        raise Invalid(
            f"{field} must be a non-negative amount in yuan with at most 2 decimals, as text.",
            field=field,
        )
    fen = int(amount * 100)
    if fen > MAX_AMOUNT_FEN:
        raise Invalid(f"{field} is too large.", field=field)
    return fen


def fen_to_yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def _checked_types(penalty_types) -> list[str]:
    field = "penalty_types"
    if not isinstance(penalty_types, list) or not penalty_types:
        raise Invalid("penalty_types must list at least one kind of penalty.", field=field)
    unknown = [kind for kind in penalty_types if kind not in PENALTY_TYPES]
    if unknown:
        raise Invalid(f"Unknown penalty type {unknown[0]}.", field=field)
    if set(penalty_types) & NOT_OURS:
        raise Invalid(
            "行政拘留 is imposed by public security organs only (行政处罚法 第十八条).", field=field
        )
    return [kind for kind in PENALTY_TYPES if kind in penalty_types]  # the law's order, once


def _checked_amount(types: list[str], amount_fen: int | None) -> int | None:
    if MONETARY & set(types):
        if amount_fen is None or amount_fen <= 0:
            raise Invalid("A fine or a confiscation needs its amount.", field="amount_yuan")
        return amount_fen
    if amount_fen:
        raise Invalid("Only a fine or a confiscation has an amount.", field="amount_yuan")
    return None


def publication_deadline(decided_on: date) -> date | None:
    """The last day to publish: the 20th working day after the decision (方案5 L198); None
    while the calendar lacks that year."""
    days = current_app.config["PENALTY_PUBLICATION_WORKING_DAYS"]
    return documents.publication_deadline(decided_on, days)


def _require_recorder(user: User) -> None:
    if user.role not in RECORDERS:
        raise Forbidden(f"The role {user.role} may not record or publish penalty decisions.")


def record_decision(
    user: User,
    *,
    enterprise_id: int,
    facts: str,
    legal_basis: str,
    penalty_types: list[str],
    decided_on: date,
    official_names: list[str],
    amount_yuan: str | Decimal | None = None,
    party_legal_representative: str | None = None,
    id: str | None = None,
) -> PenaltyDecision:
    """A supervisor records a decision on an enterprise in scope; it is numbered at once."""
    enterprise = require_enterprise_in_scope(user, enterprise_id, "enterprise_id")
    _require_recorder(user)
    types = _checked_types(penalty_types)
    if decided_on > today_in_shanghai():
        raise Invalid("decided_on cannot be in the future.", field="decided_on")
    facts = checked_text(facts, "facts", TEXT_MAX)
    basis = checked_text(legal_basis, "legal_basis", TEXT_MAX)
    for name, value in (("facts", facts), ("legal_basis", basis)):
        if not value:
            raise Invalid(f"{name} is required.", field=name)
    if id is not None and db.session.get(PenaltyDecision, id) is not None:
        raise Conflict(f"A decision with id {id} already exists.", field="id")
    representative = checked_text(
        enterprise.principal_name
        if party_legal_representative is None
        else party_legal_representative,
        "party_legal_representative",
        64,
    )
    decision = PenaltyDecision(
        id=id or new_id(),
        enterprise_id=enterprise.id,
        party_name=enterprise.name,
        party_uscc=enterprise.uscc,
        party_legal_representative=representative,
        facts=facts,
        legal_basis=basis,
        penalty_types=types,
        amount_fen=_checked_amount(
            types, None if amount_yuan in (None, "") else yuan_to_fen(amount_yuan)
        ),
        decided_on=decided_on,
        decided_by_id=user.id,
        official_names=checked_official_names(official_names),
        publish_due_on=publication_deadline(decided_on),
    )
    assign_number(decision, "penalty_decision", enterprise, decided_on.year)
    db.session.add(decision)
    db.session.flush()
    return decision


def publish_decision(user: User, decision_id: str, now: datetime | None = None) -> PenaltyDecision:
    """A supervisor in scope publishes the decision (双公示): it shows on /gongshi at once."""
    decision = get_visible_decision(user, decision_id)
    _require_recorder(user)
    return documents.mark_published(decision, user, now)


def is_published_late(decision: PenaltyDecision) -> bool:
    if decision.publish_due_on is None:
        return False
    published_on = decision.published_at.astimezone(SHANGHAI).date()
    return published_on > decision.publish_due_on


# --- reading ----------------------------------------------------------------------------------


def get_visible_decision(user: User, decision_id: str, field: str | None = None):
    return get_visible_document(PenaltyDecision, decision_id, user, field)


def decision_query(user: User, *, enterprise_id: int | None = None, published: bool | None = None):
    """The decisions the user may see, latest first."""
    stmt = select(PenaltyDecision).where(document_clause(PenaltyDecision, user))
    if enterprise_id is not None:
        stmt = stmt.where(PenaltyDecision.enterprise_id == enterprise_id)
    if published is not None:
        stmt = stmt.where(
            PenaltyDecision.published_at.is_not(None)
            if published
            else PenaltyDecision.published_at.is_(None)
        )
    return stmt.order_by(PenaltyDecision.decided_on.desc(), PenaltyDecision.id)


def publication_due_query(user: User, today: date | None = None):
    """Decisions not yet published whose deadline has passed or is near, most urgent first."""
    return documents.publication_due_query(PenaltyDecision, user, today)


is_publication_overdue = documents.is_publication_overdue


def published_decisions():
    """Every published decision (双公示), newest publication first: for anyone."""
    return (
        select(PenaltyDecision)
        .options(selectinload(PenaltyDecision.enterprise))
        .where(PenaltyDecision.published_at.is_not(None))
        .order_by(PenaltyDecision.published_at.desc(), PenaltyDecision.id)
    )


def public_rows(decisions) -> list[dict]:
    """The public rows of a page of decisions, with the people they may name read at once."""
    decisions = list(decisions)
    people: dict[int, set[str]] = {}
    enterprise_ids = {decision.enterprise_id for decision in decisions}
    for enterprise_id, name in db.session.execute(
        select(Person.enterprise_id, Person.name).where(Person.enterprise_id.in_(enterprise_ids))
    ):
        people.setdefault(enterprise_id, set()).add(name)
    return [public_row(d, people.get(d.enterprise_id, set())) for d in decisions]


def public_row(decision: PenaltyDecision, people: set[str] | None = None) -> dict:
    """What may be shown of a decision: no natural person's name (not the legal
    representative's, not the officials'), not even one typed into the facts. `people`: the
    enterprise's registered people's names, when already read."""
    return {
        "id": decision.id,
        "number": decision.number,
        "party_name": decision.party_name,
        "party_uscc": decision.party_uscc,
        "facts": redact_names(decision.facts, known_names(decision, people)),
        "legal_basis": decision.legal_basis,
        "penalty_types": decision.penalty_types,
        "penalty_labels": [PENALTY_TYPES[kind] for kind in decision.penalty_types],
        "amount_yuan": fen_to_yuan(decision.amount_fen),
        "decided_on": decision.decided_on,
        "authority": authority_of_document(decision).name,
        "published_on": decision.published_at.astimezone(SHANGHAI).date(),
    }


def known_names(decision: PenaltyDecision, people: set[str] | None = None) -> set[str]:
    """The natural persons the system knows around a decision: its legal representative and
    officials, the enterprise's principal and safety manager, and its registered people."""
    enterprise = decision.enterprise
    if people is None:
        people = set(
            db.session.scalars(select(Person.name).where(Person.enterprise_id == enterprise.id))
        )
    names = {
        decision.party_legal_representative,
        enterprise.principal_name,
        enterprise.safety_manager_name,
        *decision.official_names,
        *people,
    }
    return {name.strip() for name in names if name and len(name.strip()) >= 2}


def redact_names(text: str, names: set[str]) -> str:
    """Each known name as its surname and 某 (「张某」), the usual form of a published decision;
    longer names first, so that 「张三丰」 is not left as 「张某丰」."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, f"{name[0]}某")
    return text
