"""Append-only histories: each step of a procedure (a hazard's actions, a blacklist entry's or a
bad credit record's steps) is one row numbered in server order per record.

Two requests acting on the same record at once would take the same number: the unique
(record, seq) constraint refuses the second, which is answered 409 to be retried on fresh state.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import Conflict


def append_step(model, parent_column: str, parent_id: str, **fields):
    """Add the next step of `parent_id`'s history (a `model` row) and flush it."""
    parent = getattr(model, parent_column)
    last = db.session.scalar(select(func.max(model.seq)).where(parent == parent_id))
    step = model(seq=(last or 0) + 1, **{parent_column: parent_id}, **fields)
    db.session.add(step)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict("The record changed meanwhile; reload it and try again.") from error
    return step
