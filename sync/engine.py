"""Apply a pushed batch: record by record, each in its own savepoint, through table adapters.

A record an adapter refuses (`RecordRejected`) is rolled back alone and reported; the rest of
the batch applies. A `PushConflict` (the server's copy changed since the device last pulled and
differs from what it pushes) aborts the whole push, as the protocol requires.
"""

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .protocol import record_id_problem, record_problem


class RecordRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PushConflict(Exception):
    def __init__(self, table: str, record_id: str) -> None:
        super().__init__(f"{table} {record_id} changed on the server since the last pull")
        self.table = table
        self.record_id = record_id


class TableAdapter(Protocol):
    """How one synced table is applied. `pull_only` tables refuse every pushed record."""

    name: str
    pull_only: bool

    def apply(self, operation: str, record: Mapping[str, Any] | str) -> None: ...


@dataclass
class Rejection:
    table: str
    record_id: str
    reason: str
    raw: Any


@dataclass
class PushOutcome:
    applied: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def rejected_ids(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for rejection in self.rejections:
            result.setdefault(rejection.table, []).append(rejection.record_id)
        return result


def push(
    changes: Mapping[str, Mapping[str, list]],
    adapters: Iterable[TableAdapter],
    savepoint: Callable[[], AbstractContextManager],
    finishers: Iterable[Callable[[PushOutcome], None]] = (),
) -> PushOutcome:
    """Apply `changes` in the adapters' order: created, then updated, then deleted per table.

    Tables the server does not know are refused per record, never fatal. `finishers` run
    after every table (e.g. to complete work that needs the whole batch).
    """
    outcome = PushOutcome()
    known = {adapter.name: adapter for adapter in adapters}
    for table in [*known, *(name for name in changes if name not in known)]:
        operations = changes.get(table) or {}
        for operation in ("created", "updated", "deleted"):
            for record in operations.get(operation) or []:
                _apply_one(known.get(table), table, operation, record, savepoint, outcome)
    for finish in finishers:
        finish(outcome)
    return outcome


def _apply_one(adapter, table, operation, record, savepoint, outcome: PushOutcome) -> None:
    record_id = record if operation == "deleted" else record.get("id")
    problem = record_id_problem(record_id)
    if problem is None and operation != "deleted":
        problem = record_problem(record)
    if problem is None and adapter is None:
        problem = f"unknown table {table}"
    elif problem is None and adapter.pull_only:
        problem = f"{table} is pull-only: the server owns it"
    if problem is not None:
        outcome.rejections.append(Rejection(table, str(record_id)[:64], problem, record))
        return
    try:
        with savepoint():
            adapter.apply(operation, record)
    except RecordRejected as rejected:
        outcome.rejections.append(Rejection(table, record_id, rejected.reason, record))
        return
    outcome.applied += 1
