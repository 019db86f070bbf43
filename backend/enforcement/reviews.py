"""整改复查意见书 (review opinion): after the order's hazards were verified, an official records
per item whether it was rectified — read from the hazard's state (closed, 销号, after an
official's or the enterprise's verification), never typed in.

It is made once every item is settled: verified (closed), or past its deadline unrectified. An
item waiting for verification (submitted) is verified first; one still within its deadline is
not reviewed yet.
"""

from datetime import date

from sqlalchemy import select

from ..core.db import db
from ..core.errors import Conflict, Invalid
from ..core.scope import Forbidden
from ..core.timeutil import today_in_shanghai
from ..models import HAZARD_STATUSES, Hazard, ReviewOpinion, User
from .documents import checked_official_names, document_clause, get_visible_document, new_id
from .numbering import assign_number
from .orders import ISSUERS, get_visible_order


def _unsettled(item: dict, hazard: Hazard | None, reviewed_on: date) -> str | None:
    if hazard is None or hazard.status == "closed":
        return None
    if hazard.status == "submitted":
        return f"item {item['item_code']} waits for verification: verify it first."
    if hazard.due_on >= reviewed_on:
        return f"item {item['item_code']} is still within its deadline ({hazard.due_on})."
    return None


def issue_review(
    user: User,
    order_id: str,
    *,
    official_names: list[str],
    id: str | None = None,
    reviewed_on: date | None = None,
) -> ReviewOpinion:
    """The review opinion of an order whose items are all settled."""
    order = get_visible_order(user, order_id, "order_id")
    if user.role not in ISSUERS:
        raise Forbidden(f"The role {user.role} may not review rectifications.")
    if db.session.scalar(select(ReviewOpinion.id).where(ReviewOpinion.order_id == order.id)):
        raise Conflict("This order already has its review opinion.", field="order_id")
    reviewed_on = reviewed_on or today_in_shanghai()
    hazards = {
        hazard.id: hazard
        for hazard in db.session.scalars(
            select(Hazard).where(Hazard.id.in_([item["hazard_id"] for item in order.items]))
        )
    }
    items = []
    for item in order.items:
        hazard = hazards.get(item["hazard_id"])
        reason = _unsettled(item, hazard, reviewed_on)
        if reason:
            raise Invalid(f"Not yet reviewable: {reason}", field="order_id")
        status = hazard.status if hazard else "closed"
        items.append(
            {
                "hazard_id": item["hazard_id"],
                "item_code": item["item_code"],
                "text": item["text"],
                "due_on": item["due_on"],
                "hazard_status": status,
                "hazard_status_label": HAZARD_STATUSES[status],
                "rectified": status == "closed",
            }
        )
    review = ReviewOpinion(
        id=id or new_id(),
        order_id=order.id,
        enterprise_id=order.enterprise_id,
        reviewed_by_id=user.id,
        reviewed_on=reviewed_on,
        official_names=checked_official_names(official_names),
        items=items,
    )
    assign_number(review, "review_opinion", order.enterprise, reviewed_on.year)
    db.session.add(review)
    db.session.flush()
    return review


def review_query(user: User, *, order_id: str | None = None):
    stmt = select(ReviewOpinion).where(document_clause(ReviewOpinion, user))
    if order_id is not None:
        stmt = stmt.where(ReviewOpinion.order_id == order_id)
    return stmt.order_by(ReviewOpinion.created_at.desc(), ReviewOpinion.id)


def get_visible_review(user: User, review_id: str) -> ReviewOpinion:
    return get_visible_document(ReviewOpinion, review_id, user)
