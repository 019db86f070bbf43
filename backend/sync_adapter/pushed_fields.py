"""Reading a pushed record's fields: a value that does not read refuses the record alone,
with a reason naming the field."""

import json
import math
from datetime import date

from media.storage import is_sha256
from sync.engine import RecordRejected
from sync.protocol import ms_to_datetime

from ..core.http import COORDINATE_LIMITS, MAX_ID


def int_id(record, key):
    """A reference to a row by its integer id (devices may send it as a string)."""
    try:
        value = int(record.get(key))
    except (TypeError, ValueError):
        raise RecordRejected(f"{key} must be an id") from None
    if not 1 <= value <= MAX_ID:
        raise RecordRejected(f"{key} must be an id from 1 to {MAX_ID}")
    return value


def time_of(record, key):
    try:
        return ms_to_datetime(record.get(key))
    except ValueError as error:
        raise RecordRejected(f"{key} {error}") from None


def coordinate(record, key):
    """A latitude or longitude in degrees, or None; anything else refuses the record."""
    value = record.get(key)
    if value is None:
        return None
    limit = COORDINATE_LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordRejected(f"{key} must be a number")
    if not -limit <= value <= limit:
        raise RecordRejected(f"{key} must be between -{limit} and {limit}")
    return value


def date_of(record, key):
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RecordRejected(f"{key} must be a date YYYY-MM-DD") from None


def json_object(record, key):
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise RecordRejected(f"{key} must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise RecordRejected(f"{key} must be a JSON object")
    return parsed


def json_list(record, key):
    """A list sent as a JSON string (or as a list), or None when absent."""
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise RecordRejected(f"{key} must be a JSON list") from None
    if not isinstance(parsed, list):
        raise RecordRejected(f"{key} must be a JSON list")
    return parsed


def sha256_list(record, key) -> list[str]:
    """Photos named by their SHA-256: a JSON string of a list (or a list), possibly empty."""
    value = record.get(key)
    if value in (None, ""):
        return []
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise RecordRejected(f"{key} must be a JSON list of SHA-256 digests") from None
    if not isinstance(parsed, list) or not all(is_sha256(item) for item in parsed):
        raise RecordRejected(f"{key} must be a JSON list of SHA-256 digests")
    return parsed
