"""The enforcement domain's facade: its rules live in the modules named for what they do
(numbering, orders, reviews, penalties, pdf); importers outside the domain use these names."""

from flask import current_app

from ..models import LicenceDecision, PenaltyDecision
from . import documents
from .documents import document_clause
from .numbering import assign_number, authority_of, authority_of_document, format_number
from .orders import (
    get_visible_order,
    issue_order,
    order_query,
    record_receipt,
    require_may_issue,
)
from .pdf import decision_pdf, order_pdf, review_pdf
from .penalties import (
    decision_query,
    fen_to_yuan,
    get_visible_decision,
    is_publication_overdue,
    is_published_late,
    public_row,
    public_rows,
    publication_deadline,
    publication_due_query,
    publish_decision,
    published_decisions,
    record_decision,
    yuan_to_fen,
)
from .reviews import get_visible_review, issue_review, review_query


def fill_publication_deadlines(_now) -> dict:
    """The job: date the penalty and licence decisions recorded while the working-day
    calendar lacked their deadline's year."""
    days = {
        PenaltyDecision: current_app.config["PENALTY_PUBLICATION_WORKING_DAYS"],
        LicenceDecision: current_app.config["LICENCE_PUBLICATION_WORKING_DAYS"],
    }
    return {"dated": documents.fill_publication_deadlines(days, days.get)}


__all__ = [
    "assign_number",
    "authority_of",
    "authority_of_document",
    "decision_pdf",
    "decision_query",
    "document_clause",
    "fen_to_yuan",
    "fill_publication_deadlines",
    "format_number",
    "get_visible_decision",
    "get_visible_order",
    "get_visible_review",
    "is_publication_overdue",
    "is_published_late",
    "issue_order",
    "issue_review",
    "order_pdf",
    "order_query",
    "public_row",
    "public_rows",
    "publication_deadline",
    "publication_due_query",
    "publish_decision",
    "published_decisions",
    "record_decision",
    "record_receipt",
    "review_pdf",
    "require_may_issue",
    "review_query",
    "yuan_to_fen",
]
