"""Photos: taking uploaded bytes in, who may see them, their derivatives, and cleanup.

The bytes themselves are handled by the framework-free ``media`` library; this module plugs the
app's tables, configuration and authorisation into it. The REST views (``backend/photos/api.py``)
and any later caller (the scheduler, sync) use these functions.

Rules kept here:

- Intake: the same bytes are stored once (content-addressed by SHA-256) and described by one
  ``MediaObject`` row; the original is stored byte-exact, only JPEG/PNG/WebP/HEIC are accepted.
  ``width``/``height`` are the size as displayed (after the EXIF orientation). An EXIF capture
  time without a UTC offset is taken as Asia/Shanghai time, where the app is used.
- Access: a user may fetch a photo they uploaded, or one attached (a ``photos`` row) to a record
  they may see. What a record belongs to is resolved through ``PHOTO_OWNER_ENTERPRISES``; a
  photo whose every record is out of scope answers 404 like anything else out of scope.
- Attaching before the bytes exist (security issue #13, row 7): a device attaches photos while
  offline and uploads their bytes later, so an attachment may name a SHA-256 the server does
  not hold yet. Such an attachment (``attached_before_upload``) gives sight of the bytes only
  once its own creator is the one who uploaded them; until then it gives sight to nobody but
  the uploader (who sees them anyway). The threat it closes: someone who learns or guesses the
  hash of a photo another user will upload (a photo forwarded before it was synced, the
  ``HEAD`` answer, a hash seen in a pulled record) attaches it to a record of their own and
  waits; without the rule the victim's upload would make the bytes readable to them. An
  attachment made once the bytes are held was checked by ``may_attach`` (its creator could
  see them) and gives sight as before. Offline flow kept: the inspector who attached offline
  and then uploads the bytes himself, and everyone who may see the record, see them. The
  evidence stamp uses only attachments that give sight, so a pre-claim cannot stamp someone
  else's enterprise or name onto a photo either.
- Decoding (security issue #13, row 13): at most MEDIA_DECODE_SLOTS images are decoded at
  once in a process (intake checks and derivatives alike); a request that waits longer than
  MEDIA_DECODE_WAIT_SECONDS for a slot is answered 503 with Retry-After (a tus upload is then
  kept, so the final PATCH can be retried). Intake refuses, before decoding, an image whose
  decoded size is above MEDIA_DECODE_RATIO_FREE_BYTES and above MEDIA_MAX_DECODE_RATIO
  decoded bytes per stored byte (422 ``implausible_compression``, field ``file``). All local
  policy; the bounds are measured in bench/photos/README.md.
- Derivatives (thumb, preview) are a queued job (core/queue.py) committed with the upload and
  run by a worker of any instance, so uploads never wait for them and a restart loses none; a
  request that finds them missing or stale makes them on the spot.
- Evidence stamp: once a photo is attached to a record of an enterprise, its preview carries
  the stamp (capture time, enterprise, the name of whoever attached it, coordinates). A photo
  attached to several records is stamped with the context of the *first* attachment (oldest
  ``photos`` row whose record resolves to an enterprise), so the stamp stays stable when the
  same photo is reused later. Time: EXIF capture time, else the device-reported time of that
  attachment, else when the server received the bytes; shown in Asia/Shanghai time. Place:
  EXIF GPS, else the device-reported coordinates of the attachment. The thumb is never stamped.
- Cleanup: bytes no record refers to are deleted once older than MEDIA_UNATTACHED_TTL_HOURS,
  and tus uploads not finished within the same time are expired (while open they count
  against the user's quota, ``check_upload_quota``). Stored objects no row names
  (left by a request that failed after storing them) are deleted once older than
  MEDIA_ORPHAN_GRACE_HOURS (local policy). Callers check who may do what *before* storing
  bytes (the portal's rectification), so a refused action leaves none.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_request_context
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from media.derivatives import make_derivatives
from media.errors import (
    DigestMismatch,
    InvalidUploadMetadata,
    MediaError,
    ObjectNotFound,
    UploadLocked,
    UploadNotFound,
    UploadQuotaExceeded,
)
from media.imaging import DecodeSlots
from media.intake import Received, inspect_image, receive, receive_file, store_original
from media.stamp import EvidenceStamp
from media.storage import (
    CONTENT_PREFIXES,
    VARIANTS,
    LocalStorage,
    Storage,
    derivative_key,
    normalize_sha256,
    original_key,
    sha256_of_key,
    storage_from_config,
)
from media.tus import TusStore, UploadInfo

from ..core.db import db, keep_despite_error, read_only_intent, serialize_on
from ..core.errors import Conflict, NotFound
from ..core.metrics import count_upload_bytes
from ..core.queue import enqueue
from ..core.scope import enterprise_clause
from ..core.timeutil import SHANGHAI
from ..models import (
    BadCreditRecord,
    BadCreditRecordEvent,
    BlacklistEntry,
    BlacklistEvent,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    MediaObject,
    Photo,
    TusUpload,
    User,
    utcnow,
)
from .upload_states import OWNER_KEY, SqlUploadStates

log = logging.getLogger("xuncha.media")

STORAGE_KEY = "xuncha.media_storage"
STORAGE_SETTINGS = (
    "MEDIA_STORAGE",
    "MEDIA_ROOT",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_ADDRESSING_STYLE",
)
ORIGINAL = "original"
CLIENT_METADATA_KEYS = ("sha256", "filename", "filetype")
MAX_METADATA_VALUE = 255
# serialize_on's namespace for the per-user upload quota (check, then create).
UPLOAD_QUOTA_LOCKS = 7301


# --- configuration --------------------------------------------------------------------------


def media_storage() -> Storage:
    """The storage backend configured for the current app (built once, again if config changes)."""
    config = current_app.config
    signature = tuple(config.get(name) for name in STORAGE_SETTINGS)
    cached = current_app.extensions.get(STORAGE_KEY)
    if cached is None or cached[0] != signature:
        cached = (signature, storage_from_config(config))
        current_app.extensions[STORAGE_KEY] = cached
    return cached[1]


def tus_store() -> TusStore:
    """Resumable uploads: their state in the database, their bytes in the media store, so any
    instance may take any request of an upload."""
    return TusStore(SqlUploadStates(unattached_ttl()), media_storage(), max_size=max_upload_bytes())


def max_upload_bytes() -> int:
    return int(current_app.config["MEDIA_MAX_BYTES"])


def unattached_ttl() -> timedelta:
    return timedelta(hours=int(current_app.config["MEDIA_UNATTACHED_TTL_HOURS"]))


_decode_slots: dict[int, DecodeSlots] = {}
_decode_slots_guard = threading.Lock()


def decode_slots() -> DecodeSlots:
    """The process's decode slots (MEDIA_DECODE_SLOTS, local policy): one set per size, shared
    by every app and thread of the process, so the bound holds process-wide."""
    size = int(current_app.config["MEDIA_DECODE_SLOTS"])
    with _decode_slots_guard:
        return _decode_slots.setdefault(size, DecodeSlots(size))


@contextlib.contextmanager
def decoding() -> Iterator[None]:
    """Hold a decode slot for an image's decoding. A request waits MEDIA_DECODE_WAIT_SECONDS
    at most, then is answered 503 with Retry-After; background work (derivatives, jobs), for
    which nobody is waiting, waits as long as it takes."""
    wait = float(current_app.config["MEDIA_DECODE_WAIT_SECONDS"])
    with decode_slots().hold(wait if has_request_context() else None):
        yield


def orphan_grace() -> timedelta:
    return timedelta(hours=float(current_app.config["MEDIA_ORPHAN_GRACE_HOURS"]))


# --- who may see a photo --------------------------------------------------------------------


def _finding_enterprises(owner_id: str) -> Select:
    return (
        select(Inspection.enterprise_id)
        .join(Finding, Finding.inspection_id == Inspection.id)
        .where(Finding.id == owner_id)
    )


def _inspection_enterprises(owner_id: str) -> Select:
    return select(Inspection.enterprise_id).where(Inspection.id == owner_id)


def _hazard_enterprises(owner_id: str) -> Select:
    return select(Hazard.enterprise_id).where(Hazard.id == owner_id)


def _hazard_action_enterprises(owner_id: str) -> Select:
    return (
        select(Hazard.enterprise_id)
        .join(HazardAction, HazardAction.hazard_id == Hazard.id)
        .where(HazardAction.id == owner_id)
    )


def _credit_record_enterprises(owner_id: str) -> Select:
    return select(BadCreditRecord.enterprise_id).where(BadCreditRecord.id == owner_id)


def _credit_record_event_enterprises(owner_id: str) -> Select:
    return (
        select(BadCreditRecord.enterprise_id)
        .join(BadCreditRecordEvent, BadCreditRecordEvent.record_id == BadCreditRecord.id)
        .where(BadCreditRecordEvent.id == owner_id)
    )


def _blacklist_event_enterprises(owner_id: str) -> Select:
    return (
        select(BlacklistEntry.enterprise_id)
        .join(BlacklistEvent, BlacklistEvent.entry_id == BlacklistEntry.id)
        .where(BlacklistEvent.id == owner_id)
    )


# owner_table of a `photos` row -> a select of the enterprise id(s) the record belongs to:
# whoever sees that enterprise sees the photo. A table missing here makes its photos visible
# to their uploader only.
PHOTO_OWNER_ENTERPRISES: dict[str, Callable[[str], Select]] = {
    "findings": _finding_enterprises,
    "inspections": _inspection_enterprises,
    "hazards": _hazard_enterprises,
    "hazard_actions": _hazard_action_enterprises,
    "bad_credit_records": _credit_record_enterprises,
    "bad_credit_record_events": _credit_record_event_enterprises,
    "blacklist_events": _blacklist_event_enterprises,
}


def attachments(sha256: str) -> list[Photo]:
    """The photos rows pointing at these bytes, first attachment first."""
    stmt = select(Photo).where(Photo.sha256 == sha256).order_by(Photo.created_at, Photo.id)
    return list(db.session.scalars(stmt))


def _owner_enterprise(photo: Photo, user: User | None = None) -> Enterprise | None:
    """The enterprise the photo's record belongs to (among those ``user`` may see, if given)."""
    resolve = PHOTO_OWNER_ENTERPRISES.get(photo.owner_table)
    if resolve is None:
        return None
    stmt = select(Enterprise).where(Enterprise.id.in_(resolve(photo.owner_id)))
    if user is not None:
        stmt = stmt.where(enterprise_clause(user))
    return db.session.scalars(stmt.limit(1)).first()


def gives_sight(photo: Photo, media: MediaObject) -> bool:
    """Whether this attachment lets those who see its record see the bytes: made while the
    server held them, or made before by the very user who then uploaded them."""
    if not photo.attached_before_upload:
        return True
    return media.uploaded_by_id is not None and photo.created_by_id == media.uploaded_by_id


def sighted_attachments(media: MediaObject) -> list[Photo]:
    """The attachments of these bytes that give sight of them, first attachment first."""
    return [photo for photo in attachments(media.sha256) if gives_sight(photo, media)]


def may_see_media(user: User, media: MediaObject) -> bool:
    if media.uploaded_by_id is not None and media.uploaded_by_id == user.id:
        return True
    return any(_owner_enterprise(photo, user) is not None for photo in sighted_attachments(media))


def may_attach(user: User, sha256: str) -> bool:
    """Attaching a photo grants sight of it to whoever sees the record, so only bytes the user
    may already see can be attached — or bytes not on the server yet, which the device that
    took them uploads later (photos travel after the records they belong to)."""
    media = db.session.get(MediaObject, sha256)
    return media is None or may_see_media(user, media)


def attach_photos(user: User, owner_table: str, owner_id: str, sha256s) -> list[Photo]:
    """Attach photos (by SHA-256) to a record; ones already attached are left as they are."""
    existing = set(
        db.session.scalars(
            select(Photo.sha256).where(Photo.owner_table == owner_table, Photo.owner_id == owner_id)
        )
    )
    return [
        attach_photo(user, f"{owner_id[:40]}-{sha256[:16]}", sha256, owner_table, owner_id)
        for sha256 in dict.fromkeys(sha256s)
        if sha256 not in existing
    ]


def attach_photo(
    user: User,
    id: str,
    sha256: str,
    owner_table: str,
    owner_id: str,
    *,
    taken_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Photo:
    """One photo row; replaying the same attachment under the same id changes nothing."""
    if not may_attach(user, sha256):
        raise NotFound(f"photo {sha256} not found", field="photos")
    existing = db.session.get(Photo, id)
    if existing is not None:
        if (existing.sha256, existing.owner_table, existing.owner_id) != (
            sha256,
            owner_table,
            owner_id,
        ):
            raise Conflict(f"A photo with id {id} already exists.", field="id")
        return existing
    photo = Photo(
        id=id,
        sha256=sha256,
        owner_table=owner_table,
        owner_id=owner_id,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        created_by_id=user.id,
        attached_before_upload=db.session.get(MediaObject, sha256) is None,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def get_visible_media(user: User, sha256: str) -> MediaObject:
    """The MediaObject if the server holds the bytes and the user may see them, else NotFound."""
    sha256 = normalize_sha256(sha256)
    media = db.session.get(MediaObject, sha256)
    if media is None or not may_see_media(user, media):
        raise NotFound(f"media {sha256} not found")
    return media


def holds(sha256: str) -> bool:
    """Whether the server already holds these bytes (tells nothing about who may see them)."""
    return db.session.get(MediaObject, normalize_sha256(sha256)) is not None


# --- intake ---------------------------------------------------------------------------------


def receive_upload(user: User, stream: BinaryIO, sha256: str) -> tuple[MediaObject, bool]:
    """A one-request upload: stream the body to a spool file, check it, store it.

    Returns the MediaObject and whether it is new (False: these bytes were already held).
    """
    sha256 = normalize_sha256(sha256)
    storage = media_storage()
    with receive(stream, storage, expected_sha256=sha256, max_bytes=max_upload_bytes()) as got:
        count_upload_bytes(got.size)
        return _ingest(user, got)


def _ingest(user: User, received: Received) -> tuple[MediaObject, bool]:
    storage = media_storage()
    existing = db.session.get(MediaObject, received.sha256)
    if existing is not None:
        store_original(received, storage, content_type=existing.mime)  # no-op when present
        return existing, False
    config = current_app.config
    with decoding():
        info = inspect_image(
            received.path,
            max_ratio=float(config["MEDIA_MAX_DECODE_RATIO"]),
            ratio_free_bytes=int(config["MEDIA_DECODE_RATIO_FREE_BYTES"]),
        )
    # Written even over an orphaned copy of the same bytes: its fresh modification time keeps
    # the orphan sweep off it until the row is committed.
    storage.put_file(original_key(received.sha256), received.path, content_type=info.mime)
    width, height = info.display_size
    media = MediaObject(
        sha256=received.sha256,
        size=received.size,
        mime=info.mime,
        width=width,
        height=height,
        taken_at=_aware(info.taken_at),
        latitude=info.latitude,
        longitude=info.longitude,
        device_make=_clip(info.device_make),
        device_model=_clip(info.device_model),
        derivatives={},
        uploaded_by_id=user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(media)
    except IntegrityError:  # the same bytes arrived concurrently in another request
        return db.session.get(MediaObject, received.sha256), False
    schedule_derivatives(media.sha256)
    return media, True


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=SHANGHAI)


def _clip(text: str | None, length: int = 64) -> str | None:
    return text[:length] if text else text


# --- tus uploads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadState:
    upload_id: str
    offset: int
    length: int
    metadata: dict[str, str]
    expires_at: datetime
    media: MediaObject | None = None


def upload_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """What is kept of a client's Upload-Metadata: the sha256 (required), filename, filetype."""
    if "sha256" not in metadata:
        raise InvalidUploadMetadata(
            "Upload-Metadata must carry the sha256 of the file", field="Upload-Metadata"
        )
    kept = {key: metadata[key] for key in CLIENT_METADATA_KEYS if key in metadata}
    kept["sha256"] = normalize_sha256(kept["sha256"], field="Upload-Metadata")
    for key, value in kept.items():
        if len(value) > MAX_METADATA_VALUE or "\x00" in value:
            raise InvalidUploadMetadata(
                f"{key} must be at most {MAX_METADATA_VALUE} characters without NUL",
                field="Upload-Metadata",
            )
    return kept


def create_upload(user: User, length: int, metadata: dict[str, str]) -> UploadState:
    """Register a tus upload of ``length`` bytes; Upload-Metadata must name the sha256."""
    kept = upload_metadata(metadata)
    store = tus_store()
    store.check_length(length)  # too large for anyone: 413, whatever the quota
    # Two requests of one user, on any instances, cannot both pass the check.
    serialize_on(db.session, UPLOAD_QUOTA_LOCKS, f"user:{user.id}")
    check_upload_quota(user, length)
    upload_id = store.create(length, {**kept, OWNER_KEY: str(user.id)})
    return _state(upload_id, store.info(upload_id))


def check_upload_quota(user: User, length: int) -> None:
    """Local policy: one user holds at most TUS_MAX_OPEN_UPLOADS_PER_USER unfinished uploads,
    declaring at most TUS_MAX_OPEN_BYTES_PER_USER bytes in all, so nobody fills the upload
    folder. Expired uploads do not count (cleanup removes them; so does touching them)."""
    config = current_app.config
    max_uploads = int(config["TUS_MAX_OPEN_UPLOADS_PER_USER"])
    max_bytes = int(config["TUS_MAX_OPEN_BYTES_PER_USER"])
    lengths = list(
        db.session.scalars(
            select(TusUpload.length).where(
                TusUpload.owner_id == user.id, TusUpload.created_at > utcnow() - unattached_ttl()
            )
        )
    )
    if len(lengths) >= max_uploads:
        raise UploadQuotaExceeded(
            f"at most {max_uploads} unfinished uploads per user; finish or terminate "
            "(DELETE) one first"
        )
    if sum(lengths) + length > max_bytes:
        raise UploadQuotaExceeded(
            f"unfinished uploads of one user may declare at most {max_bytes} bytes in all; "
            f"{sum(lengths)} are declared already",
            field="Upload-Length",
        )


def upload_state(user: User, upload_id: str) -> UploadState:
    return _state(upload_id, _owned_upload(user, upload_id))


def append_to_upload(user: User, upload_id: str, offset: int, stream: BinaryIO) -> UploadState:
    """Append a PATCH body; once the last byte is in, check and store the file."""
    info = _owned_upload(user, upload_id)
    try:
        new_offset = tus_store().append(upload_id, offset, stream)
        count_upload_bytes(new_offset - offset)
        media = _finish_upload(user, upload_id) if new_offset == info.length else None
    except MediaError:
        # The bytes stored stay counted (their offset), and so does a refused file's removal:
        # the answer is an error, but what was stored must be committed.
        keep_despite_error(db.session)
        raise
    return UploadState(
        upload_id=upload_id,
        offset=new_offset,
        length=info.length,
        metadata=client_metadata(info),
        expires_at=info.expires_at(unattached_ttl()),
        media=media,
    )


def terminate_upload(user: User, upload_id: str) -> None:
    _owned_upload(user, upload_id)
    tus_store().terminate(upload_id)


def client_metadata(info: UploadInfo) -> dict[str, str]:
    return {key: value for key, value in info.metadata.items() if key in CLIENT_METADATA_KEYS}


def _state(upload_id: str, info: UploadInfo) -> UploadState:
    return UploadState(
        upload_id=upload_id,
        offset=info.offset,
        length=info.length,
        metadata=client_metadata(info),
        expires_at=info.expires_at(unattached_ttl()),
    )


def _owned_upload(user: User, upload_id: str) -> UploadInfo:
    """The upload's state if ``user`` created it and it has not expired; else UploadNotFound."""
    store = tus_store()
    info = store.info(upload_id)
    if info.metadata.get(OWNER_KEY) != str(user.id):
        raise UploadNotFound("no such upload", field="upload_id")
    if info.expires_at(unattached_ttl()) <= utcnow():
        _discard_upload(store, upload_id)
        keep_despite_error(db.session)
        raise UploadNotFound("no such upload (expired)", field="upload_id")
    return info


def _finish_upload(user: User, upload_id: str) -> MediaObject:
    """Verify, inspect and store a complete upload; the tus copy goes away either way, unless
    the failure was the server's (then the client may retry the final PATCH). The intake runs
    in a savepoint: when it refuses the file, nothing of it stays."""
    store = tus_store()
    info = store.info(upload_id)
    try:
        with store.assembled(upload_id) as path, db.session.begin_nested():
            try:
                received = receive_file(path, expected_sha256=info.metadata["sha256"])
            except DigestMismatch as error:
                raise DigestMismatch(
                    error.expected, error.actual, field="Upload-Metadata"
                ) from None
            media, _created = _ingest(user, received)
    except MediaError as error:
        if error.http_status < 500:  # the file's fault; a busy server keeps it for a retry
            _discard_upload(store, upload_id)
        raise
    _discard_upload(store, upload_id)
    return media


def _discard_upload(store: TusStore, upload_id: str) -> None:
    with contextlib.suppress(UploadNotFound, UploadLocked):  # expiry will get it later
        store.terminate(upload_id)


# --- derivatives ----------------------------------------------------------------------------

DERIVATIVES_JOB = "derivatives"


def schedule_derivatives(sha256: str) -> None:
    """Have the thumb and preview made off the request: a job in the queue (core/queue.py),
    committed with the upload, run by a worker of any instance.

    Done on the spot instead when MEDIA_DERIVATIVES_ASYNC is off, or when the session is bound
    to one connection (tests): a worker could neither share that connection nor see its rows.
    """
    if not current_app.config.get("MEDIA_DERIVATIVES_ASYNC", True) or db.session.bind is not None:
        media = db.session.get(MediaObject, sha256)
        if media is not None:
            ensure_derivatives(media)
        return
    enqueue(DERIVATIVES_JOB, {"sha256": sha256})


def run_derivatives_job(payload: dict) -> None:
    """The queued job: read what to render, render with no transaction open (on SQLite a write
    transaction would hold every other writer for as long as the image work takes), then
    record. Idempotent: derivatives already current are left alone."""
    sha256 = normalize_sha256(str(payload.get("sha256", "")))
    with read_only_intent():
        media = db.session.get(MediaObject, sha256)
        stamp = evidence_stamp(media) if media is not None else None
        needed = media is not None and not _derivatives_current(media, stamp)
        db.session.commit()  # ends the read
    if needed:
        keys = render_derivatives(sha256, stamp)
        _record_derivatives(db.session.get(MediaObject, sha256), keys, stamp)
        db.session.commit()


def evidence_stamp(media: MediaObject) -> EvidenceStamp | None:
    """The stamp for the preview: the context of the first attachment to an enterprise's record."""
    for photo in sighted_attachments(media):
        enterprise = _owner_enterprise(photo)
        if enterprise is None:
            continue
        moment = media.taken_at or photo.taken_at or media.created_at or utcnow()
        if media.latitude is not None and media.longitude is not None:
            latitude, longitude = media.latitude, media.longitude
        else:
            latitude, longitude = photo.latitude, photo.longitude
        return EvidenceStamp(
            time=_aware(moment).astimezone(SHANGHAI),
            enterprise=enterprise.name,
            inspector=_display_name(photo.created_by_id or media.uploaded_by_id),
            latitude=latitude,
            longitude=longitude,
        )
    return None


def _display_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return ""
    return user.display_name or user.username


def stamp_signature(stamp: EvidenceStamp | None) -> str:
    """A short digest of what the stamp says ("" for none): a changed stamp renders anew."""
    if stamp is None:
        return ""
    text = "\x1f".join(
        str(part)
        for part in (
            stamp.time.isoformat(),
            stamp.enterprise,
            stamp.inspector,
            stamp.latitude,
            stamp.longitude,
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ensure_derivatives(media: MediaObject, force: bool = False) -> dict:
    """Thumb and preview keys, rendering them when missing or when the stamp has changed."""
    stamp = evidence_stamp(media)
    if not force and _derivatives_current(media, stamp):
        return dict(media.derivatives)
    return _record_derivatives(media, render_derivatives(media.sha256, stamp), stamp)


def _derivatives_current(media: MediaObject, stamp: EvidenceStamp | None) -> bool:
    recorded = media.derivatives or {}
    return all(v in recorded for v in VARIANTS) and recorded.get("stamp") == stamp_signature(stamp)


def render_derivatives(sha256: str, stamp: EvidenceStamp | None) -> dict:
    """Render and store the derivatives (image work only, no database)."""
    storage = media_storage()
    with _original_file(storage, sha256) as path, decoding():
        return make_derivatives(path, storage, sha256, stamp=stamp)


def _record_derivatives(media: MediaObject, keys: dict, stamp: EvidenceStamp | None) -> dict:
    media.derivatives = {**keys, "stamp": stamp_signature(stamp)}
    db.session.flush()
    return media.derivatives


@contextlib.contextmanager
def _original_file(storage: Storage, sha256: str) -> Iterator[Path]:
    """A local path to the original: the file itself when stored locally, else a temp copy."""
    key = original_key(sha256)
    if isinstance(storage, LocalStorage):
        if not storage.exists(key):
            raise ObjectNotFound(f"no stored object {key}", field="sha256")
        yield storage.path(key)
        return
    with tempfile.NamedTemporaryFile(prefix="original-", suffix=".bin") as copy:
        with contextlib.closing(storage.open(key)) as body:
            shutil.copyfileobj(body, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


# --- serving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedMedia:
    """How to answer a download: a local ``path`` to send, or a signed ``url`` to redirect to."""

    mime: str
    etag: str
    max_age: int
    path: Path | None = None
    url: str | None = None


ONE_YEAR = 365 * 24 * 3600
ONE_DAY = 24 * 3600


def serve_media(user: User, sha256: str, variant: str) -> ServedMedia:
    media = get_visible_media(user, sha256)
    storage = media_storage()
    if variant == ORIGINAL:
        key, mime, etag, max_age = original_key(media.sha256), media.mime, "original", ONE_YEAR
    else:
        recorded = media.derivatives or {}
        # The thumb never carries the stamp: only the preview needs the stamp checked.
        keys = recorded if variant == "thumb" and "thumb" in recorded else None
        keys = keys or ensure_derivatives(media)
        if isinstance(storage, LocalStorage) and not storage.exists(keys[variant]):
            keys = ensure_derivatives(media, force=True)  # recorded but lost: make them again
        key, mime, etag, max_age = keys[variant], "image/jpeg", variant, ONE_YEAR
        if variant == "preview":
            # The stamp can still change (first attached later): revalidate daily.
            etag, max_age = f"preview-{keys.get('stamp') or 'plain'}", ONE_DAY
    etag = f"{media.sha256}-{etag}"
    url = storage.signed_url(key, int(current_app.config["S3_SIGNED_URL_SECONDS"]))
    if url:
        return ServedMedia(mime=mime, etag=etag, max_age=max_age, url=url)
    if not isinstance(storage, LocalStorage) or not storage.exists(key):
        raise NotFound(f"media {media.sha256} not found")
    return ServedMedia(mime=mime, etag=etag, max_age=max_age, path=storage.path(key))


# --- cleanup --------------------------------------------------------------------------------


def cleanup_unattached_media(now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Delete bytes no photos row refers to once older than the TTL, and expire stale tus
    uploads. Flushes only; the caller commits (CLI command, scheduler job)."""
    now = now or utcnow()
    cutoff = now - unattached_ttl()
    attached = select(Photo.id).where(Photo.sha256 == MediaObject.sha256).exists()
    stale = db.session.scalars(
        select(MediaObject)
        .where(MediaObject.created_at < cutoff, ~attached)
        .order_by(MediaObject.created_at)
        .limit(limit)
    ).all()
    shas = [media.sha256 for media in stale]
    for media in stale:
        db.session.delete(media)
    db.session.flush()
    storage = media_storage()
    for sha256 in shas:
        _delete_stored(storage, sha256)
    expired = tus_store().expire(cutoff)
    orphans = sweep_orphaned_objects(now, limit)
    if shas or expired or orphans:
        log.info(
            "media cleanup: %d unattached photo(s), %d stale upload(s), %d orphaned object(s)",
            len(shas),
            len(expired),
            orphans,
        )
    return {"media_deleted": len(shas), "uploads_expired": len(expired), "orphans_deleted": orphans}


ORPHAN_BATCH = 500


def sweep_orphaned_objects(now: datetime | None = None, limit: int = 1000) -> int:
    """Delete stored objects (originals, thumbs, previews) of bytes no ``MediaObject`` row names,
    once older than MEDIA_ORPHAN_GRACE_HOURS; returns how many.

    They are left by requests that stored bytes and then failed or were refused: the rollback
    removes the row, not the object. The grace (local policy) keeps the sweep off uploads in
    progress, whose row is not committed yet; an object stored anew since it was listed (an
    orphan's bytes uploaded again) is checked once more and kept.
    """
    cutoff = (now or utcnow()) - orphan_grace()
    storage = media_storage()
    deleted = 0
    for batch in _batched(_objects_older_than(storage, cutoff), ORPHAN_BATCH):
        held = set(
            db.session.scalars(
                select(MediaObject.sha256).where(MediaObject.sha256.in_({sha for sha, _ in batch}))
            )
        )
        for sha256, key in batch:
            if deleted >= limit:
                return deleted
            if sha256 not in held and _older_than(storage, key, cutoff):
                deleted += _delete_object(storage, key)
    return deleted


def _objects_older_than(storage: Storage, cutoff: datetime) -> Iterator[tuple[str, str]]:
    for prefix in CONTENT_PREFIXES:
        for item in storage.iter_objects(prefix):
            sha256 = sha256_of_key(item.key)
            if sha256 is not None and item.modified_at < cutoff:
                yield sha256, item.key


def _older_than(storage: Storage, key: str, cutoff: datetime) -> bool:
    modified_at = storage.modified_at(key)
    return modified_at is not None and modified_at < cutoff


def _batched(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _delete_object(storage: Storage, key: str) -> int:
    try:
        storage.delete(key)
    except Exception:  # the next run tries again
        log.exception("could not delete orphaned object %s", key)
        return 0
    return 1


def _delete_stored(storage: Storage, sha256: str) -> None:
    keys = [original_key(sha256)] + [derivative_key(sha256, variant) for variant in VARIANTS]
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # an orphaned object is harmless; a row without bytes is not
            log.exception("could not delete stored object %s", key)
