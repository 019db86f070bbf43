"""The S3 backend through the API, against moto's S3 server on 127.0.0.1."""

import logging
import socket
import urllib.request
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto.server import ThreadedMotoServer

from backend.models import MediaObject
from backend.photos import services as photos
from media.storage import S3Storage
from tests.backend.fixtures.media import attach, finding_of, jpeg, open_image, put_photo, sha256_of
from tests.media.conftest import camera_exif

BUCKET = "xuncha-photos"
SECRET = "moto-secret-key-never-logged"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="moto-access-key",
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3_app(app, s3_server, monkeypatch):
    endpoint, client = s3_server
    for key, value in {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "moto-access-key",
        "S3_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return client


def fetch_redirect(response) -> bytes:
    assert response.status_code == 302, response.data[:300]
    assert response.headers["Cache-Control"] == "private, no-store"
    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:") and "X-Amz-Signature=" in location
    assert "X-Amz-Expires=300" in location
    with urllib.request.urlopen(location, timeout=10) as fetched:
        return fetched.read()


def test_s3_round_trip_through_the_api(
    client, session, s3_app, make_jurisdiction, make_enterprise, make_user, auth_header, caplog
):
    caplog.set_level(logging.DEBUG, logger="xuncha")
    street = make_jurisdiction("street", make_jurisdiction())
    inspector = make_user("inspector", jurisdiction=street)
    stranger = make_user("enterprise_manager", enterprise=make_enterprise())
    headers = auth_header(inspector)
    data = jpeg(exif=camera_exif(orientation=6))
    sha = sha256_of(data)

    created = put_photo(client, headers, data)

    assert created.status_code == 201, created.json
    assert isinstance(photos.media_storage(), S3Storage)
    stored = s3_app.get_object(Bucket=BUCKET, Key=f"originals/{sha[:2]}/{sha[2:]}")
    assert stored["Body"].read() == data and stored["ContentType"] == "image/jpeg"
    assert client.head(f"/api/v1/media/{sha}", headers=headers).status_code == 200
    assert put_photo(client, headers, data).status_code == 200  # held: stored once

    original = client.get(f"/api/v1/media/{sha}?variant=original", headers=headers)
    assert fetch_redirect(original) == data
    thumb = open_image(
        fetch_redirect(client.get(f"/api/v1/media/{sha}?variant=thumb", headers=headers))
    )
    assert thumb.size == (240, 320) and len(thumb.getexif()) == 0
    keys = {item["Key"] for item in s3_app.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {f"thumb/{sha[:2]}/{sha[2:]}.jpg", f"preview/{sha[:2]}/{sha[2:]}.jpg"} <= keys

    denied = client.get(f"/api/v1/media/{sha}?variant=original", headers=auth_header(stranger))
    assert denied.status_code == 404 and "Location" not in denied.headers

    # Attached to a finding, the preview is re-rendered with the stamp, in the bucket.
    finding = finding_of(session, make_enterprise(street), inspector)
    attach(session, inspector, "findings", finding.id, sha)
    preview = client.get(f"/api/v1/media/{sha}?variant=preview", headers=headers)
    assert open_image(fetch_redirect(preview)).size == (480, 640)
    assert session.get(MediaObject, sha).derivatives["stamp"]
    assert SECRET not in caplog.text


def test_cleanup_deletes_from_the_bucket(client, session, s3_app, make_user, auth_header):
    headers = auth_header(make_user("admin"))
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, headers, data).status_code == 201
    assert s3_app.list_objects_v2(Bucket=BUCKET, Prefix=f"thumb/{sha[:2]}/{sha[2:]}")["KeyCount"]

    result = photos.cleanup_unattached_media(now=datetime.now(UTC) + timedelta(hours=49))

    assert result["media_deleted"] == 1
    for prefix in ("originals", "thumb", "preview"):
        listed = s3_app.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/{sha[:2]}/{sha[2:]}")
        assert listed["KeyCount"] == 0, prefix


def test_cleanup_sweeps_orphaned_objects_from_the_bucket(
    client, session, s3_app, make_user, auth_header
):
    """Objects no row names (a failed request's) go once older than the grace; held ones stay."""
    headers = auth_header(make_user("admin"))
    held = jpeg()
    assert put_photo(client, headers, held).status_code == 201
    orphan = sha256_of(jpeg())
    orphan_keys = [f"originals/{orphan[:2]}/{orphan[2:]}", f"thumb/{orphan[:2]}/{orphan[2:]}.jpg"]
    for key in orphan_keys:
        s3_app.put_object(Bucket=BUCKET, Key=key, Body=b"left behind")
    s3_app.put_object(Bucket=BUCKET, Key="elsewhere/keep-me", Body=b"not a photo object")

    assert photos.cleanup_unattached_media()["orphans_deleted"] == 0  # within the grace
    result = photos.cleanup_unattached_media(now=datetime.now(UTC) + timedelta(hours=25))

    assert result["orphans_deleted"] == 2
    keys = {item["Key"] for item in s3_app.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert not set(orphan_keys) & keys
    assert f"originals/{sha256_of(held)[:2]}/{sha256_of(held)[2:]}" in keys
    assert "elsewhere/keep-me" in keys
