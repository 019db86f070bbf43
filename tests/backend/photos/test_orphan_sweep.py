"""Stored objects no row names (left by a failed or refused request) are swept once older than
MEDIA_ORPHAN_GRACE_HOURS (security issue #13, row 11). The S3 case is in test_s3_storage.py."""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.jobs.registry import JOBS
from backend.models import MediaObject
from backend.photos import services as photos
from media.storage import LocalStorage, derivative_key, original_key, sha256_of_key
from tests.backend.fixtures.media import jpeg, put_photo, sha256_of, stored_files

DAY = 24 * 3600


@pytest.fixture
def media_root(app, tmp_path, monkeypatch) -> Path:
    """A media folder of this test's own: the sweep looks at every object in it."""
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def store_orphan(root: Path, data: bytes, age_seconds: float) -> str:
    """The original and derivatives of ``data`` stored with no row, ``age_seconds`` old."""
    storage = LocalStorage(root)
    sha = sha256_of(data)
    keys = [original_key(sha), derivative_key(sha, "thumb"), derivative_key(sha, "preview")]
    moment = time.time() - age_seconds
    for key in keys:
        storage.put_file(key, _bytes_file(root, data))
        os.utime(storage.path(key), (moment, moment))
    return sha


def _bytes_file(root: Path, data: bytes) -> Path:
    path = root.parent / "source.bin"
    path.write_bytes(data)
    return path


def test_old_orphans_go_while_held_and_young_objects_stay(client, session, site, media_root):
    old_orphan = store_orphan(media_root, jpeg(), age_seconds=2 * DAY)
    young_orphan = store_orphan(media_root, jpeg(), age_seconds=3600)
    held = jpeg()
    assert put_photo(client, site["headers"]["inspector"], held).status_code == 201
    for path in stored_files(media_root, sha256_of(held)):
        os.utime(path, (time.time() - 2 * DAY,) * 2)
    stray = media_root / "originals" / "zz" / "not-a-digest"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    os.utime(stray, (time.time() - 2 * DAY,) * 2)

    result = photos.cleanup_unattached_media()

    assert result["orphans_deleted"] == 3
    assert stored_files(media_root, old_orphan) == []
    assert len(stored_files(media_root, young_orphan)) == 3
    assert len(stored_files(media_root, sha256_of(held))) == 3
    assert stray.exists()  # not an object the media library wrote: not its to delete


def test_bytes_of_a_request_that_failed_are_swept(client, session, site, media_root, monkeypatch):
    """A 500 after the original was stored rolls the row back and leaves the object."""
    monkeypatch.setattr(photos, "schedule_derivatives", _fail)
    data = jpeg()
    sha = sha256_of(data)

    assert put_photo(client, site["headers"]["inspector"], data).status_code == 500
    session.rollback()
    assert session.get(MediaObject, sha) is None
    assert stored_files(media_root, sha) != []

    assert photos.cleanup_unattached_media()["orphans_deleted"] == 0  # within the grace
    later = datetime.now(UTC) + timedelta(hours=25)
    assert photos.cleanup_unattached_media(now=later)["orphans_deleted"] == 1
    assert stored_files(media_root, sha) == []


def _fail(sha256: str) -> None:
    raise RuntimeError("the request fails after storing the original")


def test_uploading_an_orphans_bytes_again_refreshes_them(client, session, site, media_root):
    data = jpeg()
    sha = store_orphan(media_root, data, age_seconds=2 * DAY)

    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201

    original = LocalStorage(media_root).modified_at(original_key(sha))
    assert original > datetime.now(UTC) - timedelta(minutes=5)


def test_the_grace_is_configurable(client, session, site, media_root, app, monkeypatch):
    sha = store_orphan(media_root, jpeg(), age_seconds=3 * 3600)
    monkeypatch.setitem(app.config, "MEDIA_ORPHAN_GRACE_HOURS", 2)

    assert photos.sweep_orphaned_objects() == 3
    assert stored_files(media_root, sha) == []


def test_the_scheduler_runs_the_media_cleanup():
    assert JOBS["media_cleanup"].run is photos.cleanup_unattached_media


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (original_key("ab" * 32), "ab" * 32),
        (derivative_key("cd" * 32, "thumb"), "cd" * 32),
        (derivative_key("ef" * 32, "preview"), "ef" * 32),
        ("originals/ab/" + "ab" * 31 + ".jpg", None),
        ("thumb/ab/" + "ab" * 31, None),
        ("tmp/upload-1.part", None),
        ("originals/zz/" + "a" * 62, None),
    ],
)
def test_a_key_names_its_digest_only_when_the_library_made_it(key, expected):
    assert sha256_of_key(key) == expected
