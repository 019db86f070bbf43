"""Enterprises of the base database."""

from flask import current_app
from sqlalchemy import or_, select

from ..core.db import db
from ..core.errors import Conflict
from ..models import ENTERPRISE_ROLES, Enterprise, User


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


def learn_coordinates(
    user: User, enterprise: Enterprise, latitude: float | None, longitude: float | None
) -> None:
    """Local policy (ENTERPRISE_LEARN_COORDINATES, on by default; no source gives it): an
    enterprise without coordinates takes the GPS position of the first on-site inspection or
    code scan by an official that brings one (an enterprise's own user may self-inspect from
    anywhere). Set once: known coordinates are never overwritten this way, only through the
    enterprise's own edit."""
    if not current_app.config.get("ENTERPRISE_LEARN_COORDINATES", True):
        return
    if user.role in ENTERPRISE_ROLES:
        return
    if latitude is None or longitude is None:
        return
    if enterprise.latitude is not None or enterprise.longitude is not None:
        return
    enterprise.latitude = latitude
    enterprise.longitude = longitude
    db.session.flush()


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
