"""Resumable uploads, tus 1.0 (core + creation, termination, expiration), for many instances.

Framework-free: the web layer turns HTTP requests into these calls. An upload's state (length,
offset, metadata, creation time) lives in an ``UploadStates`` the caller provides (the app: a
database table, so any instance may take the next PATCH); its bytes are parts in the object
store (``Storage``: a local folder or an S3 bucket), one object per PATCH, keyed by the offset
it starts at (``tus/<id>/<offset>``). Parts are objects of their own rather than S3 multipart
parts because S3 refuses multipart parts under 5 MiB but the last, and a phone's PATCH may be
smaller; the finished upload is assembled once, by walking the parts from offset 0, into the
local file the intake needs anyway to check the digest and the image.

The offset is recorded after its part is stored. A part written whose offset was never
recorded (a crash, a rolled-back request) is overwritten by the retry at that offset or
ignored by the walk, so the offset always names bytes actually stored. PATCHes on one upload
are serialised by ``UploadStates.locked`` (in the app, a row lock); a second concurrent PATCH
is refused with ``UploadLocked`` instead of waiting.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from media.errors import (
    InvalidUploadMetadata,
    OffsetMismatch,
    UploadInterrupted,
    UploadLocked,
    UploadNotFound,
    UploadTooLarge,
)
from media.storage import Storage

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "termination", "expiration")
CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_SIZE = 32 * 1024 * 1024
PART_PREFIX = "tus/"

_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_METADATA_KEY = re.compile(r"[!-~]+")  # printable ASCII without space (commas checked apart)


@dataclass(frozen=True)
class UploadInfo:
    offset: int
    length: int
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length

    def expires_at(self, ttl: timedelta) -> datetime:
        return self.created_at + ttl


class UploadStates(Protocol):
    """Where uploads' state is kept. Shared by every process that serves the uploads."""

    def insert(self, upload_id: str, info: UploadInfo) -> None: ...

    def get(self, upload_id: str) -> UploadInfo | None: ...

    def locked(self, upload_id: str) -> AbstractContextManager[UploadInfo | None]:
        """The upload's state, held against every other writer (any process) until the context
        ends at least; ``UploadLocked`` at once if another holds it; None if there is none."""
        ...

    def set_offset(self, upload_id: str, offset: int) -> None: ...

    def delete(self, upload_id: str) -> None: ...

    def created_before(self, cutoff: datetime) -> list[str]: ...


class MemoryUploadStates:
    """Upload states in this process's memory: for one process (and the library's tests)."""

    def __init__(self) -> None:
        self._states: dict[str, UploadInfo] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def insert(self, upload_id: str, info: UploadInfo) -> None:
        with self._guard:
            self._states[upload_id] = info
            self._locks[upload_id] = threading.Lock()

    def get(self, upload_id: str) -> UploadInfo | None:
        with self._guard:
            return self._states.get(upload_id)

    @contextlib.contextmanager
    def locked(self, upload_id: str) -> Iterator[UploadInfo | None]:
        with self._guard:
            lock = self._locks.get(upload_id)
        if lock is None:
            yield None
            return
        if not lock.acquire(blocking=False):
            raise UploadLocked("another request is writing this upload")
        try:
            yield self.get(upload_id)
        finally:
            lock.release()

    def set_offset(self, upload_id: str, offset: int) -> None:
        with self._guard:
            self._states[upload_id] = replace(self._states[upload_id], offset=offset)

    def delete(self, upload_id: str) -> None:
        with self._guard:
            self._states.pop(upload_id, None)
            self._locks.pop(upload_id, None)

    def created_before(self, cutoff: datetime) -> list[str]:
        with self._guard:
            return sorted(key for key, info in self._states.items() if info.created_at < cutoff)


def part_key(upload_id: str, offset: int) -> str:
    """Where the part starting at ``offset`` is stored (ids are lowercase hex, see create)."""
    return f"{PART_PREFIX}{upload_id}/{offset:012d}"


class TusStore:
    def __init__(
        self, states: UploadStates, storage: Storage, max_size: int = DEFAULT_MAX_SIZE
    ) -> None:
        self.states = states
        self.storage = storage
        self.max_size = max_size

    # --- creation / lookup ----------------------------------------------------------------

    def create(self, length: int, metadata: dict[str, str] | None = None) -> str:
        """Register a new upload of ``length`` bytes (``Upload-Length``); returns its id."""
        self.check_length(length)
        upload_id = secrets.token_hex(20)  # lowercase: it names object-store keys
        self.states.insert(upload_id, UploadInfo(0, length, dict(metadata or {})))
        return upload_id

    def check_length(self, length: int) -> None:
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError("upload length must be a non-negative integer")
        if length > self.max_size:
            raise UploadTooLarge(
                f"Upload-Length {length} exceeds the maximum {self.max_size}",
                field="Upload-Length",
            )

    def info(self, upload_id: str) -> UploadInfo:
        _check_id(upload_id)
        info = self.states.get(upload_id)
        if info is None:
            raise UploadNotFound("no such upload", field="upload_id")
        return info

    @contextlib.contextmanager
    def assembled(self, upload_id: str) -> Iterator[Path]:
        """A local file holding the whole upload (removed when the context ends)."""
        info = self.info(upload_id)
        with tempfile.NamedTemporaryFile(prefix="tus-", suffix=".bin") as target:
            offset = 0
            while offset < info.offset:
                with contextlib.closing(self.storage.open(part_key(upload_id, offset))) as part:
                    shutil.copyfileobj(part, target, CHUNK_SIZE)
                offset = target.tell()
            target.flush()
            if offset != info.offset:
                raise UploadNotFound("the upload's stored parts do not add up", field="upload_id")
            yield Path(target.name)

    # --- PATCH ----------------------------------------------------------------------------

    def append(
        self, upload_id: str, offset: int, stream: BinaryIO, max_chunk: int | None = None
    ) -> int:
        """Append the request body at ``offset`` (``Upload-Offset``); returns the new offset.

        Reads the body in ``CHUNK_SIZE`` pieces into a spool file, never past the upload's
        length nor past ``max_chunk``, then stores it as one part. If reading the body fails
        (client gone), the bytes already received are stored and ``UploadInterrupted.offset``
        says where the client must resume.
        """
        _check_id(upload_id)
        with self.states.locked(upload_id) as info:
            if info is None:
                raise UploadNotFound("no such upload", field="upload_id")
            if offset != info.offset:
                raise OffsetMismatch(expected=info.offset, actual=offset)
            limit = info.length - offset
            limit = limit if max_chunk is None else min(limit, max_chunk)
            with tempfile.TemporaryFile(prefix="tus-part-") as spool:
                try:
                    _copy_body(stream, spool, limit)
                except UploadInterrupted as cut:
                    new_offset = self._store_part(upload_id, offset, spool)
                    raise UploadInterrupted(offset=new_offset) from cut.__cause__
                new_offset = self._store_part(upload_id, offset, spool)
            if _has_more(stream):
                raise UploadTooLarge(
                    f"request body goes past the accepted size; offset is now {new_offset}",
                    field="body",
                )
            return new_offset

    def _store_part(self, upload_id: str, offset: int, spool: BinaryIO) -> int:
        size = spool.tell()
        if size == 0:
            return offset
        spool.seek(0)
        self.storage.put_file(part_key(upload_id, offset), spool)
        self.states.set_offset(upload_id, offset + size)
        return offset + size

    # --- DELETE / expiry ------------------------------------------------------------------

    def terminate(self, upload_id: str) -> None:
        _check_id(upload_id)
        with self.states.locked(upload_id) as info:
            if info is None:
                raise UploadNotFound("no such upload", field="upload_id")
            self._remove(upload_id)

    def expire(self, older_than: timedelta | datetime) -> list[str]:
        """Remove uploads created before the cutoff (an age or a moment); returns their ids.

        Uploads with a PATCH in progress are left for the next run.
        """
        cutoff = (
            older_than if isinstance(older_than, datetime) else (datetime.now(UTC) - older_than)
        )
        removed = []
        for upload_id in self.states.created_before(cutoff):
            with contextlib.suppress(UploadLocked), self.states.locked(upload_id) as info:
                if info is not None:
                    self._remove(upload_id)
                    removed.append(upload_id)
        return removed

    def _remove(self, upload_id: str) -> None:
        self.states.delete(upload_id)
        for item in list(self.storage.iter_objects(f"{PART_PREFIX}{upload_id}/")):
            self.storage.delete(item.key)


def _check_id(upload_id: str) -> None:
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise UploadNotFound("no such upload", field="upload_id")


def _copy_body(stream: BinaryIO, target: BinaryIO, limit: int) -> None:
    remaining = limit
    while remaining > 0:
        try:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
        except Exception as error:
            raise UploadInterrupted(offset=target.tell()) from error
        if not chunk:
            return
        target.write(chunk)
        remaining -= len(chunk)


def _has_more(stream: BinaryIO) -> bool:
    try:
        return bool(stream.read(1))
    except Exception:
        return False


# --- Upload-Metadata ----------------------------------------------------------------------


def parse_upload_metadata(header: str | None) -> dict[str, str]:
    """``"filename d29ybGQ=,is_confidential"`` -> ``{"filename": "world", "is_confidential": ""}``.

    Values are base64 of UTF-8 text (file names may be Chinese); a key may come without value.
    """
    metadata: dict[str, str] = {}
    if not header or not header.strip():
        return metadata
    for pair in header.split(","):
        key, value = _parse_metadata_pair(pair)
        if key in metadata:
            raise InvalidUploadMetadata(f"duplicate key {key!r}", field="Upload-Metadata")
        metadata[key] = value
    return metadata


def _parse_metadata_pair(pair: str) -> tuple[str, str]:
    parts = pair.strip().split(" ")
    if len(parts) > 2 or not _METADATA_KEY.fullmatch(parts[0]):
        raise InvalidUploadMetadata(f"malformed pair {pair.strip()!r}", field="Upload-Metadata")
    if len(parts) == 1:
        return parts[0], ""
    try:
        value = base64.b64decode(parts[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidUploadMetadata(
            f"value of {parts[0]!r} is not base64 of UTF-8 text", field="Upload-Metadata"
        ) from None
    return parts[0], value


def format_upload_metadata(metadata: dict[str, str]) -> str:
    """The inverse of ``parse_upload_metadata`` (for clients and tests)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )
