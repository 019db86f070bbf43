"""The media API over the Flask test client: one-request uploads, downloads, who may see what,
derivatives, the evidence stamp and cleanup of unattached photos."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Request
from PIL import ImageFile, ImageStat
from sqlalchemy import func, select, update

from backend.core.errors import NotFound
from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import SHANGHAI
from backend.models import MediaObject, Photo, TusUpload
from backend.photos import services as photos
from tests.backend.fixtures.media import (
    attach,
    finding_of,
    hazard_of,
    jpeg,
    marked_jpeg,
    open_image,
    png_claiming,
    put_photo,
    sha256_of,
    stored_files,
)
from tests.media.conftest import (
    SHANGHAI_LATITUDE,
    SHANGHAI_LONGITUDE,
    camera_exif,
    image_bytes,
    photo_like,
)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_MIME
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"]
    if code:
        assert body["code"] == code
    return body


def media_count(session) -> int:
    return session.scalar(select(func.count()).select_from(MediaObject))


# --- one-request upload and HEAD -------------------------------------------------------------


def test_put_then_head_says_held_and_unknown_says_404(client, site, media_root):
    data = jpeg()
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]

    unknown = client.head(f"/api/v1/media/{sha}", headers=headers)
    assert unknown.status_code == 404 and unknown.data == b""

    created = put_photo(client, headers, data)
    assert created.status_code == 201, created.json
    assert created.json["sha256"] == sha and created.json["size"] == len(data)
    assert created.json["mime"] == "image/jpeg"

    for who in ("inspector", "manager_b"):  # HEAD tells anyone only that the bytes exist
        held = client.head(f"/api/v1/media/{sha}", headers=site["headers"][who])
        assert held.status_code == 200 and held.data == b""
    assert client.head(f"/api/v1/media/{sha}").status_code == 401
    assert (media_root / "originals" / sha[:2] / sha[2:]).read_bytes() == data


def test_same_bytes_uploaded_twice_are_stored_once(client, session, site, media_root):
    data = jpeg()
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]

    assert put_photo(client, headers, data).status_code == 201
    again = put_photo(client, site["headers"]["manager_a"], data)
    assert again.status_code == 200 and again.json["sha256"] == sha

    assert session.scalar(select(func.count()).where(MediaObject.sha256 == sha)) == 1
    copies = [
        path for path in media_root.rglob("*") if path.is_file() and path.read_bytes() == data
    ]
    assert copies == [media_root / "originals" / sha[:2] / sha[2:]]
    # The first uploader stays the uploader.
    assert session.get(MediaObject, sha).uploaded_by_id == site["inspector"].id


def test_digest_mismatch_is_refused_and_nothing_is_kept(client, session, site, media_root):
    data = jpeg()
    announced = sha256_of(b"something else")
    before = sorted(media_root.rglob("*"))

    response = put_photo(client, site["headers"]["inspector"], data, sha256=announced)

    body = assert_problem(response, 422, "digest_mismatch")
    assert body["errors"][0]["field"] == "sha256"
    assert sha256_of(data) in body["detail"]
    assert media_count(session) == 0
    assert sorted(media_root.rglob("*")) == before  # no original, no spool file left behind


@pytest.mark.parametrize(
    ("image_format", "mime"),
    [("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")],
)
def test_png_webp_and_heic_are_accepted(client, site, image_format, mime):
    data = image_bytes(photo_like((400, 300)), image_format)
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    created = put_photo(client, headers, data)
    assert created.status_code == 201 and created.json["mime"] == mime
    original = client.get(f"/api/v1/media/{sha}", headers=headers)
    assert original.mimetype == mime and original.data == data
    thumb = client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers)
    assert open_image(thumb.data).size == (320, 240)


def test_invalid_sha256_in_the_path_is_a_400(client, site):
    response = put_photo(client, site["headers"]["inspector"], b"x", sha256="z" * 64)
    assert_problem(response, 400, "invalid_digest")


def _truncated_jpeg() -> bytes:
    data = jpeg((800, 600))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("make_bytes", "status", "code"),
    [
        (lambda: png_claiming(30000, 30000), 413, "image_too_large"),
        (_truncated_jpeg, 422, "corrupt_image"),
        (lambda: "隐患整改说明，不是照片\n".encode() * 20, 415, "unsupported_media_type"),
        (lambda: image_bytes(photo_like((64, 48)), "GIF"), 415, "unsupported_media_type"),
    ],
    ids=["bomb", "truncated-jpeg", "not-an-image", "gif"],
)
def test_unacceptable_files_are_refused_with_a_problem(
    client, session, site, media_root, monkeypatch, make_bytes, status, code
):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    data = make_bytes()
    sha = sha256_of(data)

    response = put_photo(client, site["headers"]["inspector"], data)

    body = assert_problem(response, status, code)
    assert body["errors"][0] == {"field": "file", "in": "body", "message": body["detail"]}
    assert media_count(session) == 0
    assert stored_files(media_root, sha) == []


def test_a_body_over_the_size_limit_is_refused_while_streaming(client, app, site, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 10_000)
    data = jpeg((400, 300))
    assert len(data) > 10_000
    response = put_photo(client, site["headers"]["inspector"], data)
    assert_problem(response, 413, "payload_too_large")


def test_a_declared_length_over_max_content_length_is_refused_unread(
    client, app, site, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    response = client.put(
        f"/api/v1/media/{'a' * 64}",
        input_stream=_ExplodingStream(b"x" * 60_000),
        headers=site["headers"]["inspector"],
    )
    assert_problem(response, 413)


class _ExplodingStream(io.BytesIO):
    def read(self, size=-1):
        raise AssertionError("the body was read")


def test_upload_bodies_are_streamed_never_buffered(client, site, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("request body buffered with get_data()")

    monkeypatch.setattr(Request, "get_data", refuse)
    response = put_photo(client, site["headers"]["inspector"], jpeg())
    assert response.status_code == 201


# --- EXIF, derivatives ------------------------------------------------------------------------


def test_exif_is_recorded_but_never_served_in_derivatives(client, session, site):
    data = jpeg(exif=camera_exif(orientation=6))
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    assert put_photo(client, headers, data).status_code == 201

    media = session.get(MediaObject, sha)
    assert media.taken_at == datetime(2024, 5, 1, 6, 3, 22, tzinfo=UTC)  # 14:03:22+08:00
    assert media.latitude == pytest.approx(SHANGHAI_LATITUDE, abs=1e-6)
    assert media.longitude == pytest.approx(SHANGHAI_LONGITUDE, abs=1e-6)
    assert (media.device_make, media.device_model) == ("HUAWEI", "ELS-AN00")
    assert (media.width, media.height, media.size) == (480, 640, len(data))  # as displayed

    original = client.get(f"/api/v1/media/{sha}?variant=original", headers=headers)
    assert original.status_code == 200 and original.data == data  # byte-exact, EXIF and all
    assert open_image(original.data).getexif().get_ifd(0x8825)  # GPS IFD is still there

    for variant, size in (("thumb", (240, 320)), ("preview", (480, 640))):
        response = client.get(f"/api/v1/media/{sha}?variant={variant}", headers=headers)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        image = open_image(response.data)
        assert image.size == size
        assert len(image.getexif()) == 0 and "exif" not in image.info
        assert b"GPS" not in response.data and b"HUAWEI" not in response.data


def test_exif_time_without_offset_is_taken_as_shanghai_time(client, session, site):
    data = jpeg(exif=camera_exif(offset=None))
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201
    media = session.get(MediaObject, sha256_of(data))
    assert media.taken_at == datetime(2024, 5, 1, 14, 3, 22, tzinfo=SHANGHAI)


def test_orientation_is_applied_in_the_served_thumb(client, site):
    data = marked_jpeg(orientation=6)  # display = stored pixels turned 90° clockwise
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    assert put_photo(client, headers, data).status_code == 201

    thumb = open_image(client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers).data)

    assert thumb.size == (240, 320)
    red_corner = thumb.getpixel((thumb.width - 10, 10))  # the stored top-left is now top-right
    assert red_corner[0] > 200 and red_corner[1] < 60 and red_corner[2] < 60
    assert min(thumb.getpixel((10, 10))) > 200  # and the top-left is white


def test_derivatives_are_recorded_and_served_with_cache_headers(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    assert put_photo(client, headers, data).status_code == 201
    recorded = session.get(MediaObject, sha).derivatives
    assert recorded["thumb"] == f"thumb/{sha[:2]}/{sha[2:]}.jpg"
    assert recorded["preview"] == f"preview/{sha[:2]}/{sha[2:]}.jpg"

    thumb = client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers)
    assert thumb.headers["ETag"] == f'"{sha}-thumb"'
    assert "private" in thumb.headers["Cache-Control"]
    assert "max-age=31536000" in thumb.headers["Cache-Control"]
    assert "public" not in thumb.headers["Cache-Control"]
    cached = client.get(
        f"/api/v1/media/{sha}?variant=thumb",
        headers={**headers, "If-None-Match": thumb.headers["ETag"]},
    )
    assert cached.status_code == 304
    original = client.get(f"/api/v1/media/{sha}", headers=headers)  # variant defaults to original
    assert original.data == data and original.headers["ETag"] == f'"{sha}-original"'


def test_missing_derivatives_are_made_on_request(client, session, site, media_root):
    data = jpeg()
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    assert put_photo(client, headers, data).status_code == 201
    session.get(MediaObject, sha).derivatives = {}
    session.commit()
    for path in stored_files(media_root, sha)[1:]:
        path.unlink()

    response = client.get(f"/api/v1/media/{sha}?variant=preview", headers=headers)

    assert response.status_code == 200 and open_image(response.data).format == "JPEG"
    assert len(stored_files(media_root, sha)) == 3
    session.expire_all()
    assert set(session.get(MediaObject, sha).derivatives) >= {"thumb", "preview"}


def test_unknown_variant_is_a_validation_problem(client, site):
    response = client.get(
        f"/api/v1/media/{'a' * 64}?variant=huge", headers=site["headers"]["inspector"]
    )
    assert_problem(response, 422)


# --- who may see a photo ------------------------------------------------------------------------


def test_photo_of_a_finding_is_visible_to_those_who_see_the_enterprise_only(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201
    finding = finding_of(session, site["a"], site["inspector"])
    attach(session, site["inspector"], "findings", finding.id, sha)

    for who in ("inspector", "supervisor", "manager_a", "viewer_a"):
        response = client.get(f"/api/v1/media/{sha}?variant=thumb", headers=site["headers"][who])
        assert response.status_code == 200, who
    for who in ("manager_b", "inspector_elsewhere"):
        for variant in ("thumb", "preview", "original"):
            response = client.get(
                f"/api/v1/media/{sha}?variant={variant}", headers=site["headers"][who]
            )
            assert_problem(response, 404)


def test_photo_of_a_hazard_follows_the_hazards_enterprise(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["manager_a"], data).status_code == 201
    hazard = hazard_of(session, site["a"], site["inspector"])
    attach(session, site["manager_a"], "hazards", hazard.id, sha)

    url = f"/api/v1/media/{sha}?variant=preview"
    assert client.get(url, headers=site["headers"]["inspector"]).status_code == 200
    assert_problem(client.get(url, headers=site["headers"]["manager_b"]), 404)


def test_uploader_sees_an_unattached_photo_nobody_else_does(client, site):
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201

    url = f"/api/v1/media/{sha}?variant=original"
    assert client.get(url, headers=site["headers"]["inspector"]).data == data
    for who in ("supervisor", "manager_a", "manager_b"):
        assert_problem(client.get(url, headers=site["headers"][who]), 404)


def test_owner_tables_without_a_resolver_are_visible_to_the_uploader_only(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201
    attach(session, site["inspector"], "unknown_table", "x1", sha)
    url = f"/api/v1/media/{sha}?variant=thumb"
    assert client.get(url, headers=site["headers"]["inspector"]).status_code == 200
    assert_problem(client.get(url, headers=site["headers"]["supervisor"]), 404)


# --- evidence stamp -----------------------------------------------------------------------------


def _bottom_brightness(image) -> float:
    band = image.crop((0, image.height - image.height // 20, image.width, image.height))
    return sum(ImageStat.Stat(band.convert("L")).mean)


def test_preview_is_stamped_once_the_photo_is_attached(client, session, site):
    data = jpeg(exif=camera_exif())
    sha = sha256_of(data)
    headers = site["headers"]["inspector"]
    assert put_photo(client, headers, data).status_code == 201
    url = f"/api/v1/media/{sha}?variant=preview"
    plain = client.get(url, headers=headers)
    assert plain.headers["ETag"] == f'"{sha}-preview-plain"'
    plain_thumb = client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers).data

    finding = finding_of(session, site["a"], site["inspector"])
    attach(session, site["inspector"], "findings", finding.id, sha)
    stamped = client.get(url, headers=headers)

    assert stamped.status_code == 200 and stamped.data != plain.data
    assert stamped.headers["ETag"] != plain.headers["ETag"]
    assert "max-age=86400" in stamped.headers["Cache-Control"]
    assert _bottom_brightness(open_image(stamped.data)) < _bottom_brightness(open_image(plain.data))
    thumb = client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers).data
    assert open_image(thumb).size == open_image(plain_thumb).size  # the thumb carries no stamp

    stamp = photos.evidence_stamp(session.get(MediaObject, sha))
    assert stamp.enterprise == "甲化工有限公司" and stamp.inspector == "王检查"
    assert stamp.time == datetime(2024, 5, 1, 14, 3, 22, tzinfo=SHANGHAI)
    assert stamp.time.utcoffset() == timedelta(hours=8)
    assert stamp.latitude == pytest.approx(SHANGHAI_LATITUDE, abs=1e-6)
    assert session.get(MediaObject, sha).derivatives["stamp"] == photos.stamp_signature(stamp)


def test_photo_on_several_records_is_stamped_with_the_first(client, session, site):
    data = jpeg(exif=camera_exif(gps={}))
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201
    finding = finding_of(session, site["a"], site["inspector"])
    hazard = hazard_of(session, site["b"], site["inspector_elsewhere"])
    (first,) = attach(session, site["inspector"], "findings", finding.id, sha)
    # The other jurisdiction's inspector may not attach bytes they cannot see...
    with pytest.raises(NotFound):
        attach(session, site["inspector_elsewhere"], "hazards", hazard.id, sha)
    session.rollback()
    # ...but the same bytes may reach a second record through someone who sees both.
    later = Photo(
        id="later-attachment",
        sha256=sha,
        owner_table="hazards",
        owner_id=hazard.id,
        created_by_id=site["inspector_elsewhere"].id,
    )
    session.add(later)
    later.created_at = first.created_at + timedelta(minutes=5)
    first.latitude, first.longitude = 31.5, 121.25  # no EXIF GPS: the attachment's place
    session.commit()

    stamp = photos.evidence_stamp(session.get(MediaObject, sha))

    assert (stamp.enterprise, stamp.inspector) == ("甲化工有限公司", "王检查")
    assert (stamp.latitude, stamp.longitude) == (31.5, 121.25)
    # Both enterprises' people may see it, each through their own record.
    url = f"/api/v1/media/{sha}?variant=preview"
    assert client.get(url, headers=site["headers"]["manager_a"]).status_code == 200
    assert client.get(url, headers=site["headers"]["manager_b"]).status_code == 200


# --- cleanup ------------------------------------------------------------------------------------


def test_cleanup_deletes_old_unattached_photos_and_keeps_attached_ones(
    client, session, site, media_root
):
    headers = site["headers"]["inspector"]
    old_loose, old_attached, new_loose = (jpeg(), jpeg(), jpeg())
    shas = {
        name: sha256_of(data)
        for name, data in (
            ("old_loose", old_loose),
            ("old_attached", old_attached),
            ("new_loose", new_loose),
        )
    }
    for data in (old_loose, old_attached, new_loose):
        assert put_photo(client, headers, data).status_code == 201
    two_days_ago = datetime.now(UTC) - timedelta(hours=49)
    session.execute(
        update(MediaObject)
        .where(MediaObject.sha256.in_([shas["old_loose"], shas["old_attached"]]))
        .values(created_at=two_days_ago)
    )
    finding = finding_of(session, site["a"], site["inspector"])
    attach(session, site["inspector"], "findings", finding.id, shas["old_attached"])
    assert len(stored_files(media_root, shas["old_loose"])) == 3

    result = photos.cleanup_unattached_media()
    session.commit()

    assert result["media_deleted"] == 1
    assert session.get(MediaObject, shas["old_loose"]) is None
    assert stored_files(media_root, shas["old_loose"]) == []
    for kept in ("old_attached", "new_loose"):
        assert session.get(MediaObject, shas[kept]) is not None
        assert len(stored_files(media_root, shas[kept])) == 3
    assert client.head(f"/api/v1/media/{shas['old_loose']}", headers=headers).status_code == 404
    assert session.scalar(select(func.count()).select_from(Photo)) == 1


def test_cleanup_expires_unfinished_tus_uploads(client, session, site, app):
    headers = {**site["headers"]["inspector"], "Tus-Resumable": "1.0.0"}
    created = client.post(
        "/api/v1/uploads",
        headers={
            **headers,
            "Upload-Length": "1000",
            "Upload-Metadata": f"sha256 {_b64('a' * 64)}",
        },
    )
    assert created.status_code == 201
    location = created.headers["Location"]

    photos.cleanup_unattached_media()  # a fresh upload survives a normal run
    assert client.head(location, headers=headers).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=49)
    result = photos.cleanup_unattached_media(now=later)

    assert result["uploads_expired"] >= 1
    upload_id = location.rsplit("/", 1)[1]
    assert session.get(TusUpload, upload_id) is None
    gone = client.head(location, headers=headers)
    assert gone.status_code == 404 and gone.mimetype == PROBLEM_MIME


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_media_cleanup_command_deletes_and_commits(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from backend.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    media_root = tmp_path / "media"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    data = jpeg()
    sha = sha256_of(data)
    original = media_root / "originals" / sha[:2] / sha[2:]
    original.parent.mkdir(parents=True)
    original.write_bytes(data)
    engine = create_engine(url)
    with Session(engine) as db_session:
        db_session.add(
            MediaObject(
                sha256=sha,
                size=len(data),
                mime="image/jpeg",
                width=640,
                height=480,
                derivatives={},
                created_at=datetime.now(UTC) - timedelta(days=3),
            )
        )
        db_session.commit()

    result = runner.invoke(main, ["media", "cleanup"])

    assert result.exit_code == 0, result.output
    assert "deleted 1 unattached photo(s)" in result.output
    assert not original.exists()
    with Session(engine) as db_session:
        assert db_session.get(MediaObject, sha) is None
    engine.dispose()
