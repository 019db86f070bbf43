"""责令限期整改指令书 (rectification order): issued from a finished supervision inspection's
failed items, on site (the app, pushed with the inspection) or online.

Each item carries the item's text, its legal basis as the checklist content gives it
(checklists/content/*.yaml `legal_basis`, copied onto the hazard) and its deadline — the
hazard's: the deadline an inspector wants other than the item's default is set on the finding
(`due_on`), so the order and the hazard tracking it never disagree. The inspector who ran the
inspection, or a supervisor over the enterprise, issues it; two officials sign (documents.py);
the enterprise's receiver and the date of receipt are recorded later.
"""

from datetime import date

from sqlalchemy import select

from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.scope import Forbidden, get_visible
from ..core.timeutil import today_in_shanghai
from ..models import Hazard, Inspection, RectificationOrder, User
from .documents import (
    checked_name,
    checked_official_names,
    document_clause,
    get_visible_document,
    new_id,
)
from .numbering import assign_number

ISSUERS = ("inspector", "supervisor")


def require_may_issue(user: User, inspection: Inspection) -> None:
    if user.role == "supervisor":
        return
    if user.role != "inspector" or inspection.inspector_id != user.id:
        raise Forbidden(
            "Only the inspector who ran the inspection, or a supervisor, issues its order."
        )


def _order_items(inspection: Inspection) -> list[dict]:
    hazards = db.session.scalars(
        select(Hazard)
        .where(Hazard.inspection_id == inspection.id, Hazard.finding_id.is_not(None))
        .order_by(Hazard.item_code, Hazard.id)
    ).all()
    return [
        {
            "hazard_id": hazard.id,
            "item_code": hazard.item_code,
            "text": hazard.title + (f"（{hazard.description}）" if hazard.description else ""),
            "legal_basis": (hazard.legal_basis or {}).get("title", ""),
            "due_on": hazard.due_on.isoformat(),
        }
        for hazard in hazards
    ]


def issue_order(
    user: User,
    inspection_id: str,
    *,
    official_names: list[str],
    id: str | None = None,
    issued_on: date | None = None,
) -> RectificationOrder:
    """Issue the order of a finished supervision inspection with failed items."""
    try:
        inspection = get_visible(Inspection, inspection_id, user)
    except NotFound as error:
        raise NotFound(error.detail, field="inspection_id") from None
    require_may_issue(user, inspection)
    if inspection.kind != "supervision":
        raise Invalid("Orders are issued from supervision inspections.", field="inspection_id")
    if inspection.status != "finished":
        raise Invalid("Finish the inspection before issuing its order.", field="inspection_id")
    if db.session.scalar(
        select(RectificationOrder.id).where(RectificationOrder.inspection_id == inspection.id)
    ):
        raise Conflict("This inspection already has its order.", field="inspection_id")
    if id is not None and db.session.get(RectificationOrder, id) is not None:
        raise Conflict(f"An order with id {id} already exists.", field="id")
    items = _order_items(inspection)
    if not items:
        raise Invalid("The inspection found nothing to rectify.", field="inspection_id")
    issued_on = issued_on or today_in_shanghai()
    order = RectificationOrder(
        id=id or new_id(),
        inspection_id=inspection.id,
        enterprise_id=inspection.enterprise_id,
        issued_by_id=user.id,
        issued_on=issued_on,
        official_names=checked_official_names(official_names),
        items=items,
    )
    assign_number(order, "rectification_order", inspection.enterprise, issued_on.year)
    db.session.add(order)
    db.session.flush()
    return order


def record_receipt(
    user: User, order_id: str, *, receiver_name: str, received_on: date
) -> RectificationOrder:
    """The enterprise's receiver signed for the order (签收), recorded by an official."""
    order = get_visible_document(RectificationOrder, order_id, user)
    if user.role not in ISSUERS:
        raise Forbidden(f"The role {user.role} may not record a receipt.")
    if not order.issued_on <= received_on <= today_in_shanghai():
        raise Invalid(
            "received_on must fall between the issue date and today.", field="received_on"
        )
    order.receiver_name = checked_name(receiver_name, "receiver_name")
    order.received_on = received_on
    db.session.flush()
    return order


def order_query(user: User, *, enterprise_id: int | None = None, inspection_id: str | None = None):
    """The orders the user may see, latest first."""
    stmt = select(RectificationOrder).where(document_clause(RectificationOrder, user))
    if enterprise_id is not None:
        stmt = stmt.where(RectificationOrder.enterprise_id == enterprise_id)
    if inspection_id is not None:
        stmt = stmt.where(RectificationOrder.inspection_id == inspection_id)
    return stmt.order_by(RectificationOrder.created_at.desc(), RectificationOrder.id)


def get_visible_order(user: User, order_id: str, field: str | None = None) -> RectificationOrder:
    return get_visible_document(RectificationOrder, order_id, user, field)
