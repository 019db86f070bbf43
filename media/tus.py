"""Upload state for tus 1.0 resumable uploads (core + creation, termination, expiration).

Framework-free: the web layer turns HTTP requests into these calls. Each upload is two files
in ``directory``: ``<id>.bin`` (the bytes received so far) and ``<id>.json`` (length, metadata,
creation time). The offset is never stored: it *is* the size of ``<id>.bin``, so after a broken
connection or a crash it always equals the bytes actually on disk. PATCHes on one upload are
serialised with an exclusive ``flock`` on the data file; a second concurrent PATCH is refused
with ``UploadLocked`` instead of waiting.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from media.errors import (
    InvalidUploadMetadata,
    OffsetMismatch,
    UploadInterrupted,
    UploadLocked,
    UploadNotFound,
    UploadTooLarge,
)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "termination", "expiration")
CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_SIZE = 32 * 1024 * 1024

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


class TusStore:
    def __init__(self, directory: str | os.PathLike[str], max_size: int = DEFAULT_MAX_SIZE):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_size = max_size

    # --- creation / lookup ----------------------------------------------------------------

    def create(self, length: int, metadata: dict[str, str] | None = None) -> str:
        """Register a new upload of ``length`` bytes (``Upload-Length``); returns its id."""
        self.check_length(length)
        upload_id = secrets.token_urlsafe(24)
        self._data_path(upload_id).touch(exist_ok=False)
        state = {
            "length": length,
            "metadata": dict(metadata or {}),
            "created_at": datetime.now(UTC).isoformat(),
        }
        _write_json_atomically(self._state_path(upload_id), state)
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
        state = self._read_state(upload_id)
        return UploadInfo(
            offset=self._offset_on_disk(upload_id),
            length=state["length"],
            metadata=state["metadata"],
            created_at=datetime.fromisoformat(state["created_at"]),
        )

    def uploads(self) -> Iterator[tuple[str, UploadInfo]]:
        """Every upload in the folder, finished or not, expired or not (expiry is the caller's
        to judge); one removed while listing is skipped."""
        for upload_id in sorted(self._all_ids()):
            try:
                yield upload_id, self.info(upload_id)
            except (UploadNotFound, ValueError, KeyError):
                continue

    @contextlib.contextmanager
    def creation_lock(self) -> Iterator[None]:
        """Held while a caller checks what exists and then creates (a per-user quota), so two
        requests cannot both pass the check; threads and processes sharing the folder alike."""
        with open(self.directory / ".creation.lock", "ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def path(self, upload_id: str) -> Path:
        """The data file; complete once ``info(upload_id).is_complete``."""
        self._read_state(upload_id)
        return self._data_path(upload_id)

    # --- PATCH ----------------------------------------------------------------------------

    def append(
        self, upload_id: str, offset: int, stream: BinaryIO, max_chunk: int | None = None
    ) -> int:
        """Append the request body at ``offset`` (``Upload-Offset``); returns the new offset.

        Reads the body in ``CHUNK_SIZE`` pieces, never past the upload's length nor past
        ``max_chunk``. If reading the body fails (client gone), the bytes already written stay
        and ``UploadInterrupted.offset`` says where the client must resume.
        """
        length = self._read_state(upload_id)["length"]
        with self._locked_data_file(upload_id) as data:
            current = os.fstat(data.fileno()).st_size
            if offset != current:
                raise OffsetMismatch(expected=current, actual=offset)
            limit = length - current if max_chunk is None else min(length - current, max_chunk)
            try:
                _copy_body(stream, data, limit)
            finally:
                data.flush()
            new_offset = os.fstat(data.fileno()).st_size
            if _has_more(stream):
                raise UploadTooLarge(
                    f"request body goes past the accepted size; offset is now {new_offset}",
                    field="body",
                )
            return new_offset

    # --- DELETE / expiry ------------------------------------------------------------------

    def terminate(self, upload_id: str) -> None:
        self._read_state(upload_id)
        with self._locked_data_file(upload_id):
            self._remove(upload_id)

    def expire(self, older_than: timedelta | datetime) -> list[str]:
        """Remove uploads created before the cutoff (an age or a moment); returns their ids.

        Uploads with a PATCH in progress are left for the next run.
        """
        cutoff = (
            older_than if isinstance(older_than, datetime) else (datetime.now(UTC) - older_than)
        )
        removed = []
        for upload_id in self._all_ids():
            if self._created_before(upload_id, cutoff) and self._try_remove(upload_id):
                removed.append(upload_id)
        return removed

    # --- internals ------------------------------------------------------------------------

    def _data_path(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}.bin"

    def _state_path(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}.json"

    def _read_state(self, upload_id: str) -> dict:
        if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
            raise UploadNotFound("no such upload", field="upload_id")
        try:
            return json.loads(self._state_path(upload_id).read_text("utf-8"))
        except FileNotFoundError:
            raise UploadNotFound("no such upload", field="upload_id") from None

    def _offset_on_disk(self, upload_id: str) -> int:
        try:
            return self._data_path(upload_id).stat().st_size
        except FileNotFoundError:
            raise UploadNotFound("no such upload", field="upload_id") from None

    @contextlib.contextmanager
    def _locked_data_file(self, upload_id: str) -> Iterator[BinaryIO]:
        try:
            data = open(self._data_path(upload_id), "r+b")  # noqa: SIM115 (closed just below)
        except FileNotFoundError:
            raise UploadNotFound("no such upload", field="upload_id") from None
        with data:
            try:
                fcntl.flock(data.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadLocked("another request is writing this upload") from None
            # Terminated while we waited for the file to open: do not write into a ghost.
            if not self._state_path(upload_id).exists():
                raise UploadNotFound("no such upload", field="upload_id")
            data.seek(0, os.SEEK_END)
            yield data

    def _remove(self, upload_id: str) -> None:
        self._state_path(upload_id).unlink(missing_ok=True)
        self._data_path(upload_id).unlink(missing_ok=True)

    def _try_remove(self, upload_id: str) -> bool:
        try:
            with self._locked_data_file(upload_id):
                self._remove(upload_id)
        except UploadLocked:
            return False
        except UploadNotFound:
            self._remove(upload_id)  # half-created: data or state file alone
        return True

    def _all_ids(self) -> set[str]:
        names = {path.stem for path in self.directory.iterdir() if path.suffix in (".bin", ".json")}
        return {name for name in names if _UPLOAD_ID.fullmatch(name)}

    def _created_before(self, upload_id: str, cutoff: datetime) -> bool:
        try:
            created_at = datetime.fromisoformat(self._read_state(upload_id)["created_at"])
        except (UploadNotFound, ValueError, KeyError):
            created_at = _modified_at(self._data_path(upload_id))
        return created_at is not None and created_at < cutoff


def _copy_body(stream: BinaryIO, target: BinaryIO, limit: int) -> None:
    remaining = limit
    while remaining > 0:
        try:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
        except Exception as error:
            target.flush()
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


def _modified_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def _write_json_atomically(path: Path, payload: dict) -> None:
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".state-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as temp:
            json.dump(payload, temp, ensure_ascii=False)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


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
