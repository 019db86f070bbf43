"""Apply a pushed batch through table adapters, a table's records at a time.

The records of one table and operation are applied together in one savepoint, so a whole
inspection costs a few statements, not a few per finding. When any of them is refused
(`RecordRejected`, raised by the adapter or by the savepoint for a write the database refuses),
that savepoint is rolled back and the group is applied again record by record, each in its own
savepoint: the refused record is rolled back alone and reported, the rest apply. A
`PushConflict` (the server's copy changed since the device last pulled and differs from what it
pushes) aborts the whole push, as the protocol requires.
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
            records = operations.get(operation) or []
            _apply_records(known.get(table), table, operation, records, savepoint, outcome)
    for finish in finishers:
        finish(outcome)
    return outcome


def _record_id(operation: str, record) -> Any:
    return record if operation == "deleted" else record.get("id")


def _problem(adapter, table, operation, record) -> str | None:
    """What the protocol or the table refuses outright, without reaching the adapter."""
    problem = record_id_problem(_record_id(operation, record))
    if problem is None and operation != "deleted":
        problem = record_problem(record)
    if problem is None and adapter is None:
        problem = f"unknown table {table}"
    elif problem is None and adapter.pull_only:
        problem = f"{table} is pull-only: the server owns it"
    return problem


def _apply_records(adapter, table, operation, records, savepoint, outcome: PushOutcome) -> None:
    problems = [_problem(adapter, table, operation, record) for record in records]
    acceptable = [record for record, problem in zip(records, problems, strict=True) if not problem]
    together = bool(acceptable) and _applied_together(adapter, operation, acceptable, savepoint)
    if together:
        outcome.applied += len(acceptable)
    for record, problem in zip(records, problems, strict=True):
        if problem is not None:
            record_id = str(_record_id(operation, record))[:64]
            outcome.rejections.append(Rejection(table, record_id, problem, record))
        elif not together:
            _apply_one(adapter, table, operation, record, savepoint, outcome)


def _applied_together(adapter, operation, records, savepoint) -> bool:
    """All records in one savepoint; False (and nothing applied) when any was refused."""
    try:
        with savepoint():
            for record in records:
                adapter.apply(operation, record)
    except RecordRejected:
        return False
    return True


def _apply_one(adapter, table, operation, record, savepoint, outcome: PushOutcome) -> None:
    record_id = _record_id(operation, record)
    try:
        with savepoint():
            adapter.apply(operation, record)
    except RecordRejected as rejected:
        outcome.rejections.append(Rejection(table, record_id, rejected.reason, record))
        return
    outcome.applied += 1
