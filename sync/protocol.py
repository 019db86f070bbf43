"""WatermelonDB sync wire format: changes objects, ids, timestamps."""

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

RECORD_ID = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
OPERATIONS = ("created", "updated", "deleted")
FIRST_SYNC_VALUES = (None, "", "null", "undefined", "0", 0)


class ProtocolError(ValueError):
    """The request does not follow the protocol; `field` names the offending part."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


MAX_COUNTER = 2**63 - 1  # the server's counter is a signed 64-bit integer
# Device times a server can store: from the epoch to the end of year 9999, in milliseconds.
MAX_DEVICE_MS = 253_402_300_799_999


def parse_last_pulled_at(value) -> int | None:
    """`null`, `"null"`, empty and `0` all mean a first sync (None); otherwise a counter."""
    if value in FIRST_SYNC_VALUES:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ProtocolError("last_pulled_at must be a sync timestamp.", "last_pulled_at") from None
    if not 0 <= number <= MAX_COUNTER:
        raise ProtocolError(
            f"last_pulled_at must be a sync timestamp from 0 to {MAX_COUNTER}.", "last_pulled_at"
        )
    return number or None


def empty_changes(tables: Iterable[str]) -> dict:
    return {table: {"created": [], "updated": [], "deleted": []} for table in tables}


def check_changes_shape(changes, max_records: int | None = None) -> list[tuple[str, str]]:
    """Structural problems of a pushed changes object as (field path, reason)."""
    if not isinstance(changes, Mapping):
        return [("changes", "must be an object of tables")]
    problems = []
    if max_records is not None and count_records(changes) > max_records:
        problems.append(("changes", f"at most {max_records} records in one push"))
    for table, operations in changes.items():
        if not isinstance(operations, Mapping):
            problems.append((table, "must be an object with created, updated, deleted"))
            continue
        for operation, records in operations.items():
            path = f"{table}.{operation}"
            if operation not in OPERATIONS:
                problems.append((path, "unknown operation"))
            elif not isinstance(records, list):
                problems.append((path, "must be a list"))
            elif operation == "deleted" and not all(isinstance(r, str) for r in records):
                problems.append((path, "must list record ids"))
            elif operation != "deleted" and not all(isinstance(r, Mapping) for r in records):
                problems.append((path, "must list records"))
    return problems


def count_records(changes: Mapping) -> int:
    return sum(
        len(records)
        for operations in changes.values()
        if isinstance(operations, Mapping)
        for records in operations.values()
        if isinstance(records, list)
    )


def record_id_problem(record_id) -> str | None:
    if not isinstance(record_id, str) or not RECORD_ID.fullmatch(record_id):
        return "id must match [a-zA-Z0-9_.-]{1,64}"
    return None


def record_problem(record) -> str | None:
    """Why a pushed record's columns break the schema: they must be scalars (lists travel as
    JSON strings), so a nested value is refused before any adapter sees it."""
    nested = sorted(key for key, value in record.items() if isinstance(value, dict | list))
    if nested:
        return f"columns must be scalars (lists travel as JSON strings): {', '.join(nested)}"
    return None


def ms_to_datetime(value) -> datetime | None:
    """A device's epoch milliseconds as an aware UTC datetime (None stays None)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number of milliseconds since the epoch")
    if not 0 <= value <= MAX_DEVICE_MS:
        raise ValueError("must be milliseconds since 1970, before the year 10000")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def datetime_to_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)
