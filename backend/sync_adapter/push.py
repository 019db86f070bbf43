"""The push: a device's changes applied in one transaction, each record in its own
savepoint, through the push adapters; refused records are kept (rejections.py) and answered
as `experimentalRejectedIds`; a record changed on the server since the device's last pull
aborts the batch with 409 (docs/sync.md)."""

from contextlib import contextmanager

from sqlalchemy.exc import DataError, IntegrityError

from sync.engine import RecordRejected, Rejection, push

from ..core.db import db
from ..core.errors import DomainError
from ..core.metrics import count_push
from ..enforcement import services as enforcement
from ..inspections import services as inspection_service
from ..models import Inspection, User
from .change_log import DEVICE
from .push_adapters import PUSH_ADAPTERS, PushContext
from .pushed_fields import json_list, time_of
from .rejections import add_rejections, keep_latest_rejections
from .tables import PULL_TABLES


class PullOnly:
    pull_only = True

    def __init__(self, name: str) -> None:
        self.name = name

    def apply(self, operation, record):  # never called: the engine refuses pull-only tables
        raise RecordRejected(f"{self.name} is pull-only")


def _finish_inspections(ctx: PushContext, outcome) -> None:
    for inspection_id, record in ctx.to_finish.items():
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None or inspection.status == "finished":
            continue
        try:
            with db.session.begin_nested():
                inspection_service.finish_inspection(
                    ctx.user, inspection, finished_at=time_of(record, "finished_at")
                )
        except (DomainError, RecordRejected) as error:
            reason = getattr(error, "detail", None) or getattr(error, "reason", str(error))
            outcome.rejections.append(Rejection("inspections", inspection_id, reason, record))


def _issue_orders(ctx: PushContext, outcome) -> None:
    """The orders pushed with their inspections, numbered now that the inspections are
    finished; one the domain refuses is refused alone, with its reason."""
    for order_id, record in ctx.orders_to_issue.items():
        try:
            with db.session.begin_nested():
                enforcement.issue_order(
                    ctx.user,
                    str(record.get("inspection_id")),
                    id=order_id,
                    official_names=json_list(record, "official_names"),
                )
        except (DomainError, RecordRejected) as error:
            reason = getattr(error, "detail", None) or getattr(error, "reason", str(error))
            outcome.rejections.append(Rejection("rectification_orders", order_id, reason, record))


@contextmanager
def _record_savepoint():
    """One record's savepoint; a write the database refuses (a taken id, a value that does not
    fit its column) refuses that record alone instead of failing the whole batch."""
    try:
        with db.session.begin_nested():
            yield
    except (IntegrityError, DataError) as error:
        raise RecordRejected(
            f"the database refused the record: {type(error.orig).__name__}"
        ) from None


def _pushed_counts(changes: dict) -> dict[str, int]:
    return {
        table: sum(len(part.get(key) or []) for key in ("created", "updated", "deleted"))
        for table, part in changes.items()
        if isinstance(part, dict)
    }


def _counts(ids_by_table: dict[str, list]) -> dict[str, int]:
    return {table: len(ids) for table, ids in ids_by_table.items()}


def apply_push(user: User, changes: dict, last_pulled_at: int | None, device_id: str | None):
    """Apply a pushed batch; rejected records are stored for the device and for review."""
    ctx = PushContext(
        user=user,
        device_id=device_id,
        last_pulled_at=last_pulled_at,
        pushed_actions={
            str(record.get("id")): record
            for record in (changes.get("hazard_actions") or {}).get("created") or []
            if isinstance(record, dict)
        },
    )
    db.session.info[DEVICE] = device_id
    try:
        adapters = [adapter(ctx) for adapter in PUSH_ADAPTERS]
        adapters += [
            PullOnly(name) for name in PULL_TABLES if name not in {a.name for a in adapters}
        ]
        outcome = push(
            changes,
            adapters,
            _record_savepoint,
            finishers=[
                lambda outcome: _finish_inspections(ctx, outcome),
                lambda outcome: _issue_orders(ctx, outcome),
            ],
        )
        add_rejections(user, device_id, outcome.rejections)
        db.session.flush()
        count_push(_pushed_counts(changes), _counts(outcome.rejected_ids()))
        if outcome.rejections:
            keep_latest_rejections(user.id)
    finally:
        db.session.info.pop(DEVICE, None)
    return outcome
