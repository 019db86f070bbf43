"""Several app instances, one database, one media store (issue 20 item 1): a resumable upload
started on one instance is resumed and finished on another; nothing of it lives on a host."""

import contextlib
import io
import threading
import time

import pytest
from sqlalchemy import func, select

from backend.core.db import db
from backend.jobs.worker import work
from backend.models import MediaObject, QueuedJob, TusUpload
from backend.photos.services import media_storage
from media.storage import derivative_key, original_key
from media.tus import format_upload_metadata
from tests.backend.fixtures.media import jpeg, sha256_of

OFFSET_TYPE = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}


class CutStream(io.BytesIO):
    """A request body announced whole whose connection drops after ``cut_after`` bytes."""

    def __init__(self, data: bytes, cut_after: int):
        super().__init__(data)
        self.cut_after = cut_after

    def read(self, size=-1):
        if self.tell() >= self.cut_after:
            raise ConnectionResetError("connection reset by peer")
        room = self.cut_after - self.tell()
        return super().read(room if size is None or size < 0 else min(size, room))

    def readinto(self, buffer):
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def create(client, headers, data: bytes):
    return client.post(
        "/api/v1/uploads",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": format_upload_metadata({"sha256": sha256_of(data)}),
        },
    )


def patch(client, headers, location, offset, body=None, **options):
    return client.patch(
        location,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": OFFSET_TYPE,
            **options.pop("extra", {}),
        },
        data=body,
        **options,
    )


def offset_on(client, headers, location) -> int:
    answer = client.head(location, headers={**headers, **TUS})
    assert answer.status_code == 200
    return int(answer.headers["Upload-Offset"])


def test_an_upload_cut_on_one_instance_is_finished_on_another(instances):
    data = jpeg((1200, 900), quality=95)
    sha = sha256_of(data)
    a, b, headers = instances.a.test_client(), instances.b.test_client(), instances.headers

    location = create(a, headers, data).headers["Location"]
    assert patch(a, headers, location, 0, data[:100_000]).status_code == 204
    cut = patch(
        a,
        headers,
        location,
        100_000,
        input_stream=CutStream(data[100_000:], cut_after=50_000),
    )
    assert cut.status_code == 400 and cut.json["code"] == "upload_interrupted"

    resume_at = offset_on(b, headers, location)
    assert resume_at == 150_000
    assert patch(b, headers, location, resume_at, data[resume_at:]).status_code == 204

    with instances.b.app_context():
        media = db.session.get(MediaObject, sha)
        assert media is not None and media.size == len(data)
        assert db.session.scalar(select(func.count()).select_from(TusUpload)) == 0
        assert (
            db.session.scalar(
                select(func.count()).select_from(QueuedJob).where(QueuedJob.kind == "derivatives")
            )
            == 1
        )
    with instances.a.app_context():
        storage = media_storage()
        with contextlib.closing(storage.open(original_key(sha))) as stored:
            assert sha256_of(stored.read()) == sha  # stored once, byte-exact
        assert list(storage.iter_objects("tus/")) == []  # the parts are gone
        assert not storage.exists(derivative_key(sha, "thumb"))

    # The derivatives are queued work: a worker of the other instance makes them, once.
    with instances.a.app_context():
        assert work()["done"] == 1
        assert work()["done"] == 0
        assert all(storage.exists(derivative_key(sha, v)) for v in ("thumb", "preview"))


def test_the_quota_holds_across_instances(instances, monkeypatch):
    """Two creations on two instances at once cannot both take a user's last place."""
    from backend.models import User
    from backend.photos import services as photos

    for instance in (instances.a, instances.b):
        monkeypatch.setitem(instance.config, "TUS_MAX_OPEN_UPLOADS_PER_USER", 1)
    original_check = photos.check_upload_quota

    def slow_check(user, length):
        original_check(user, length)
        time.sleep(0.3)  # the other instance would pass the check here without the lock

    monkeypatch.setattr(photos, "check_upload_quota", slow_check)
    results = []

    def attempt(instance):
        with instance.app_context():
            try:
                user = db.session.get(User, instances.user_id)
                photos.create_upload(user, 10, {"sha256": "a" * 64})
                db.session.commit()
                results.append("created")
            except Exception as error:
                db.session.rollback()
                results.append(type(error).__name__)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in (instances.a, instances.b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(results) == ["UploadQuotaExceeded", "created"]
    with instances.a.app_context():
        assert db.session.scalar(select(func.count()).select_from(TusUpload)) == 1


def test_a_patch_in_progress_on_one_instance_locks_the_upload_on_another(instances):
    """The lock is a row lock in the database, not a file on one host (PostgreSQL: SQLite
    runs one writing request at a time anyway)."""
    with instances.a.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writing requests; no row lock to take")
    data = jpeg()
    a, b, headers = instances.a.test_client(), instances.b.test_client(), instances.headers
    location = create(a, headers, data).headers["Location"]
    upload_id = location.rsplit("/", 1)[1]

    with instances.a.app_context():
        from backend.photos.services import tus_store

        with tus_store().states.locked(upload_id):  # a PATCH on instance A, mid-body
            answer = patch(b, headers, location, 0, data)
            assert answer.status_code == 423 and answer.json["code"] == "upload_locked"
        db.session.rollback()
    assert patch(b, headers, location, 0, data).status_code == 204
