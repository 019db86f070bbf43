import hashlib
import io
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from media.errors import (
    InvalidUploadMetadata,
    OffsetMismatch,
    UploadInterrupted,
    UploadLocked,
    UploadNotFound,
    UploadTooLarge,
)
from media.intake import inspect_image, receive_file, store_original
from media.storage import LocalStorage
from media.tus import (
    CHUNK_SIZE,
    MemoryUploadStates,
    TusStore,
    format_upload_metadata,
    parse_upload_metadata,
)

BODY = os.urandom(300_000)


class CutStream:
    """A request body that delivers ``cut_after`` bytes, then the connection drops."""

    def __init__(self, data: bytes, cut_after: int):
        self.source = io.BytesIO(data[:cut_after])

    def read(self, size=-1):
        chunk = self.source.read(size)
        if not chunk:
            raise ConnectionResetError("connection reset by peer")
        return chunk


class GatedStream:
    """A body whose first read blocks until ``gate`` is set (a slow client mid-PATCH)."""

    def __init__(self, data: bytes):
        self.source = io.BytesIO(data)
        self.reading = threading.Event()
        self.gate = threading.Event()

    def read(self, size=-1):
        self.reading.set()
        assert self.gate.wait(timeout=10)
        return self.source.read(size)


@pytest.fixture
def store(tmp_path) -> TusStore:
    return TusStore(MemoryUploadStates(), LocalStorage(tmp_path / "store"), max_size=1024 * 1024)


def received_bytes(store: TusStore, upload_id: str) -> bytes:
    with store.assembled(upload_id) as path:
        return path.read_bytes()


def stored_parts(store: TusStore) -> list[str]:
    return [item.key for item in store.storage.iter_objects("tus/")]


def test_create_records_length_metadata_and_time(store):
    upload_id = store.create(len(BODY), {"filename": "隐患-001.jpg", "sha256": "ab" * 32})

    info = store.info(upload_id)
    assert (info.offset, info.length) == (0, len(BODY))
    assert info.metadata == {"filename": "隐患-001.jpg", "sha256": "ab" * 32}
    assert info.created_at.tzinfo is not None
    assert abs(datetime.now(UTC) - info.created_at) < timedelta(seconds=5)
    assert not info.is_complete
    assert len(upload_id) >= 32 and upload_id.replace("-", "").replace("_", "").isalnum()
    assert store.create(1, {}) != upload_id


def test_state_goes_to_the_state_store_and_bytes_to_the_object_store(store):
    upload_id = store.create(10, {"a": "b"})
    store.append(upload_id, 0, io.BytesIO(b"01234"))
    store.append(upload_id, 5, io.BytesIO(b"56789"))

    state = store.states.get(upload_id)
    assert (state.length, state.offset, state.metadata) == (10, 10, {"a": "b"})
    assert sorted(stored_parts(store)) == [f"tus/{upload_id}/{0:012d}", f"tus/{upload_id}/{5:012d}"]


def test_a_part_whose_offset_was_never_recorded_is_overwritten_on_retry(store):
    """A part stored by a request that then failed (its offset rolled back) is not counted."""
    upload_id = store.create(10, {})
    store.append(upload_id, 0, io.BytesIO(b"01234"))
    store.storage.put_file(f"tus/{upload_id}/{5:012d}", io.BytesIO(b"XYZ"))

    assert store.info(upload_id).offset == 5
    store.append(upload_id, 5, io.BytesIO(b"56789"))
    assert received_bytes(store, upload_id) == b"0123456789"


def test_upload_in_two_patches(store):
    upload_id = store.create(len(BODY), {})

    assert store.append(upload_id, 0, io.BytesIO(BODY[:100_000])) == 100_000
    assert store.append(upload_id, 100_000, io.BytesIO(BODY[100_000:])) == len(BODY)

    assert store.info(upload_id).is_complete
    assert received_bytes(store, upload_id) == BODY


def test_resume_after_connection_cut(store):
    upload_id = store.create(len(BODY), {})

    with pytest.raises(UploadInterrupted) as caught:
        store.append(upload_id, 0, CutStream(BODY, cut_after=123_457))

    assert caught.value.offset == 123_457
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert store.info(upload_id).offset == 123_457  # what is on disk, nothing lost or invented

    new_offset = store.append(upload_id, 123_457, io.BytesIO(BODY[123_457:]))

    assert new_offset == len(BODY)
    digest = hashlib.sha256(received_bytes(store, upload_id)).hexdigest()
    assert digest == hashlib.sha256(BODY).hexdigest()


def test_offset_mismatch_is_refused_and_writes_nothing(store):
    upload_id = store.create(len(BODY), {})
    store.append(upload_id, 0, io.BytesIO(BODY[:1000]))

    with pytest.raises(OffsetMismatch) as caught:
        store.append(upload_id, 0, io.BytesIO(BODY[:1000]))

    assert (caught.value.expected, caught.value.actual) == (1000, 0)
    assert caught.value.http_status == 409
    assert store.info(upload_id).offset == 1000


def test_body_is_read_in_bounded_chunks(store):
    class BoundedReads(io.BytesIO):
        def read(self, size=-1):
            assert size is not None and 0 < size <= CHUNK_SIZE
            return super().read(size)

    upload_id = store.create(len(BODY), {})
    assert store.append(upload_id, 0, BoundedReads(BODY)) == len(BODY)


def test_max_chunk_limits_one_patch(store):
    upload_id = store.create(len(BODY), {})
    assert store.append(upload_id, 0, io.BytesIO(BODY[:50_000]), max_chunk=50_000) == 50_000
    with pytest.raises(UploadTooLarge):
        store.append(upload_id, 50_000, io.BytesIO(BODY[50_000:]), max_chunk=50_000)
    assert store.info(upload_id).offset == 100_000


def test_bytes_past_the_declared_length_are_refused(store):
    upload_id = store.create(10, {})
    with pytest.raises(UploadTooLarge):
        store.append(upload_id, 0, io.BytesIO(b"0123456789extra"))
    assert received_bytes(store, upload_id) == b"0123456789"


def test_upload_length_over_the_maximum_is_refused(store):
    with pytest.raises(UploadTooLarge) as caught:
        store.create(2 * 1024 * 1024, {})
    assert caught.value.field == "Upload-Length"
    with pytest.raises(ValueError):
        store.create(-1, {})


def test_concurrent_patch_on_the_same_upload_is_locked_out(store):
    upload_id = store.create(len(BODY), {})
    slow = GatedStream(BODY[:1000])
    outcome = {}
    first = threading.Thread(
        target=lambda: outcome.setdefault("offset", store.append(upload_id, 0, slow))
    )
    first.start()
    try:
        assert slow.reading.wait(timeout=10)
        with pytest.raises(UploadLocked) as caught:
            store.append(upload_id, 0, io.BytesIO(BODY[:1000]))
        assert caught.value.http_status == 423
    finally:
        slow.gate.set()
        first.join(timeout=10)

    assert outcome["offset"] == 1000
    assert store.info(upload_id).offset == 1000
    assert received_bytes(store, upload_id) == BODY[:1000]


def test_terminate_removes_data_and_state(store):
    upload_id = store.create(len(BODY), {})
    store.append(upload_id, 0, io.BytesIO(BODY[:10]))

    store.terminate(upload_id)

    assert stored_parts(store) == []
    for call in (store.info, store.terminate):
        with pytest.raises(UploadNotFound):
            call(upload_id)
    with pytest.raises(UploadNotFound):
        store.append(upload_id, 10, io.BytesIO(b"late"))


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "", "short", "a" * 65, "x/" * 10])
def test_unknown_or_malformed_ids_are_not_found(store, bad_id):
    with pytest.raises(UploadNotFound):
        store.info(bad_id)


def test_expire_removes_only_old_uploads(store):
    old = store.create(10, {})
    fresh = store.create(10, {})
    store.append(old, 0, io.BytesIO(b"0123"))
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    store.states.insert(old, replace(store.states.get(old), created_at=two_days_ago))

    assert store.expire(timedelta(hours=24)) == [old]

    with pytest.raises(UploadNotFound):
        store.info(old)
    assert store.info(fresh).offset == 0


def test_finished_upload_feeds_the_intake(store, make_photo, storage):
    photo = make_photo("JPEG", size=(320, 240)).read_bytes()
    digest = hashlib.sha256(photo).hexdigest()
    header = format_upload_metadata({"filename": "现场.jpg", "sha256": digest})
    upload_id = store.create(len(photo), parse_upload_metadata(header))
    store.append(upload_id, 0, io.BytesIO(photo))

    info = store.info(upload_id)
    assert info.is_complete
    with store.assembled(upload_id) as path:
        received = receive_file(path, expected_sha256=info.metadata["sha256"])
        assert inspect_image(received.path).mime == "image/jpeg"
        key = store_original(received, storage)
    store.terminate(upload_id)

    assert storage.open(key).read() == photo


# --- Upload-Metadata --------------------------------------------------------------------------


def test_parse_upload_metadata():
    header = "filename 6ZqQ5oKjLmpwZw==,filetype aW1hZ2UvanBlZw==,is_confidential"
    assert parse_upload_metadata(header) == {
        "filename": "隐患.jpg",
        "filetype": "image/jpeg",
        "is_confidential": "",
    }
    assert parse_upload_metadata(None) == {}
    assert parse_upload_metadata("  ") == {}


def test_metadata_round_trip():
    metadata = {"filename": "整改后 照片.heic", "sha256": "0" * 64, "flag": ""}
    assert parse_upload_metadata(format_upload_metadata(metadata)) == metadata


@pytest.mark.parametrize(
    "header",
    ["filename not*base64", "a YQ==,a Yg==", "filename YQ== extra", "a YQ==,", "ké YQ==", "k /w=="],
    ids=["bad-base64", "duplicate", "three-parts", "empty-pair", "non-ascii-key", "not-utf8"],
)
def test_malformed_metadata_is_refused(header):
    with pytest.raises(InvalidUploadMetadata) as caught:
        parse_upload_metadata(header)
    assert caught.value.field == "Upload-Metadata"
