"""Idempotency-Key handling after the IETF draft (draft-ietf-httpapi-idempotency-key-header).

The first request with a key is processed and its answer stored; a replay with the same key and
the same body gets the stored answer; the same key with a different body is 422; a request
arriving while the first is still in flight is 409.
"""

import hashlib
import json
from dataclasses import dataclass
from enum import Enum

MAX_KEY_LENGTH = 255


class Decision(Enum):
    PROCESS = "process"
    REPLAY = "replay"
    IN_FLIGHT = "in_flight"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class StoredKey:
    fingerprint: str
    completed: bool


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper(), path, query):
        digest.update(part.encode() + b"\0")
    digest.update(_canonical_body(body))
    return digest.hexdigest()


def _canonical_body(body: bytes) -> bytes:
    # The same JSON with other whitespace or key order is the same request.
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return body


def decide(stored: StoredKey | None, request_fingerprint: str) -> Decision:
    if stored is None:
        return Decision.PROCESS
    if stored.fingerprint != request_fingerprint:
        return Decision.MISMATCH
    return Decision.REPLAY if stored.completed else Decision.IN_FLIGHT


def key_problem(key: str) -> str | None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} printable characters."
    return None
