"""Enterprises of the base database."""

from sqlalchemy import or_, select

from ..core.db import db
from ..core.errors import Conflict
from ..models import Enterprise


def create_enterprise(**fields) -> Enterprise:
    _check_uscc_free(fields["uscc"])
    enterprise = Enterprise(**fields)
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def update_enterprise(enterprise: Enterprise, **fields) -> Enterprise:
    if "uscc" in fields and fields["uscc"] != enterprise.uscc:
        _check_uscc_free(fields["uscc"])
    for key, value in fields.items():
        setattr(enterprise, key, value)
    db.session.flush()
    return enterprise


def _check_uscc_free(uscc: str) -> None:
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)) is not None:
        raise Conflict(f"An enterprise with USCC {uscc} already exists.", field="uscc")


def search_clause(q: str):
    """An enterprise whose name or USCC contains `q` (the USCC in capitals): the one search of
    the API's list and the board's."""
    return or_(
        Enterprise.name.contains(q, autoescape=True),
        Enterprise.uscc.contains(q.upper(), autoescape=True),
    )
