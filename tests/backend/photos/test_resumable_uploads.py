"""tus 1.0 at /api/v1/uploads: the protocol over the test client, then resuming a cut upload
with the real tus client (tuspy) against the app served by a real WSGI server."""

import base64
import io
import socket
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tusclient.client import TusClient
from werkzeug.serving import make_server

from backend.core.problems import PROBLEM_MIME
from backend.models import MediaObject, TusUpload
from media.tus import format_upload_metadata, parse_upload_metadata
from tests.backend.fixtures.media import jpeg, open_image, sha256_of, stored_files

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture
def people(make_jurisdiction, make_user, auth_header):
    street = make_jurisdiction("street", make_jurisdiction())
    inspector = make_user("inspector", jurisdiction=street)
    other = make_user("inspector", jurisdiction=street)
    return {
        "inspector": inspector,
        "headers": {**auth_header(inspector), **TUS},
        "other_headers": {**auth_header(other), **TUS},
    }


def create(client, headers, data: bytes, sha256: str | None = None, **metadata):
    metadata = {"sha256": sha256 or sha256_of(data), **metadata}
    return client.post(
        "/api/v1/uploads",
        headers={
            **headers,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": format_upload_metadata(metadata),
        },
    )


def patch(client, headers, location, offset: int, body: bytes, **extra):
    return client.patch(
        location,
        data=body,
        headers={
            **headers,
            "Upload-Offset": str(offset),
            "Content-Type": OFFSET_TYPE,
            **extra,
        },
    )


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM_MIME
    assert response.headers["Tus-Resumable"] == "1.0.0"
    body = response.get_json(force=True)
    if code:
        assert body["code"] == code
    return body


class CutStream(io.RawIOBase):
    """A request body that delivers ``cut_after`` bytes, then the connection drops."""

    def __init__(self, data: bytes, cut_after: int):
        self.source = io.BytesIO(data[:cut_after])
        self.length = len(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.source.read(len(buffer))
        if not chunk:
            raise ConnectionResetError("connection reset by peer")
        buffer[: len(chunk)] = chunk
        return len(chunk)

    # The test client measures a body by seeking to its end and back.
    position = 0

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.position = self.length + offset if whence == 2 else offset
        return self.position

    def tell(self):
        return self.position


# --- the protocol ------------------------------------------------------------------------------


def test_options_advertises_the_server_without_authentication(client, app):
    response = client.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "termination",
        "expiration",
    }
    assert int(response.headers["Tus-Max-Size"]) == app.config["MEDIA_MAX_BYTES"]
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024


def test_wrong_or_missing_tus_version_is_412(client, people):
    data = jpeg()
    without = {k: v for k, v in people["headers"].items() if k != "Tus-Resumable"}
    missing = create(client, without, data)
    assert_problem(missing, 412, "tus_version_unsupported")
    assert missing.headers["Tus-Version"] == "1.0.0"
    assert_problem(create(client, {**without, "Tus-Resumable": "0.2.2"}, data), 412)
    unauthenticated = client.post("/api/v1/uploads", headers=TUS)
    assert_problem(unauthenticated, 401)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Upload-Length": "12"}, 400, "invalid_upload_metadata"),  # no sha256
        ({"Upload-Length": "-1", "Upload-Metadata": "sha256 YQ=="}, 400, "invalid_header"),
        ({"Upload-Length": "\u00b2", "Upload-Metadata": "sha256 YQ=="}, 400, "invalid_header"),
        ({"Upload-Metadata": "sha256 " + base64.b64encode(b"f" * 64).decode()}, 400, None),
        (
            {
                "Upload-Length": "12",
                "Upload-Metadata": "sha256 " + base64.b64encode(b"not hex").decode(),
            },
            400,
            "invalid_digest",
        ),
        (
            {
                "Upload-Length": str(10**9),
                "Upload-Metadata": "sha256 " + base64.b64encode(b"f" * 64).decode(),
            },
            413,
            "upload_too_large",
        ),
        ({"Upload-Length": "12", "Upload-Metadata": "sha256 %%%"}, 400, None),
    ],
    ids=[
        "no-sha256",
        "negative-length",
        "superscript-length",
        "no-length",
        "bad-sha256",
        "too-large",
        "bad-base64",
    ],
)
def test_creation_refuses_bad_headers(client, people, headers, status, code):
    response = client.post("/api/v1/uploads", headers={**people["headers"], **headers})
    body = assert_problem(response, status, code)
    assert body["errors"][0]["in"] == "header"


def test_upload_in_parts_with_a_cut_in_between(client, session, people, app):
    data = jpeg((1200, 900), quality=95)
    sha = sha256_of(data)
    headers = people["headers"]

    created = create(client, headers, data, filename="隐患-现场.jpg", filetype="image/jpeg")
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location.startswith("/api/v1/uploads/")
    assert created.headers["Tus-Resumable"] == "1.0.0" and created.headers["Upload-Expires"]

    status = client.head(location, headers=headers)
    assert status.status_code == 200
    assert (status.headers["Upload-Offset"], status.headers["Upload-Length"]) == (
        "0",
        str(len(data)),
    )
    assert status.headers["Cache-Control"] == "no-store"
    assert parse_upload_metadata(status.headers["Upload-Metadata"]) == {
        "sha256": sha,
        "filename": "隐患-现场.jpg",
        "filetype": "image/jpeg",
    }

    # Someone else's upload does not exist for them, and they cannot write into it.
    other = client.head(location, headers=people["other_headers"])
    assert other.status_code == 404 and other.mimetype == PROBLEM_MIME
    assert_problem(patch(client, people["other_headers"], location, 0, data[:10]), 404)
    assert_problem(client.delete(location, headers=people["other_headers"]), 404)

    first = patch(client, headers, location, 0, data[:100_000])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "100000"
    assert_problem(patch(client, headers, location, 0, data[:10]), 409, "offset_mismatch")
    wrong_type = patch(
        client, headers, location, 100_000, data[100_000:], **{"Content-Type": "image/jpeg"}
    )
    assert_problem(wrong_type, 415)

    # The connection drops 50 000 bytes into the second PATCH: what arrived is kept.
    cut = client.patch(
        location,
        input_stream=CutStream(data[100_000:], 50_000),
        headers={**headers, "Upload-Offset": "100000", "Content-Type": OFFSET_TYPE},
    )
    assert_problem(cut, 400, "upload_interrupted")
    resumed_at = int(client.head(location, headers=headers).headers["Upload-Offset"])
    assert resumed_at == 150_000
    assert session.get(MediaObject, sha) is None  # nothing stored before the last byte

    last = patch(client, headers, location, resumed_at, data[resumed_at:])
    assert last.status_code == 204 and last.headers["Upload-Offset"] == str(len(data))

    media = session.get(MediaObject, sha)
    assert media is not None and media.size == len(data) and media.width == 1200
    assert media.uploaded_by_id == people["inspector"].id
    assert set(media.derivatives) >= {"thumb", "preview"}
    assert (Path(app.config["MEDIA_ROOT"]) / "originals" / sha[:2] / sha[2:]).read_bytes() == data
    finished = client.head(location, headers=headers)  # the tus copy is gone once stored
    assert finished.status_code == 404
    assert client.head(f"/api/v1/media/{sha}", headers=headers).status_code == 200


def test_tus_and_put_of_the_same_bytes_store_them_once(client, session, people, app):
    data = jpeg()
    sha = sha256_of(data)
    headers = people["headers"]
    assert client.put(f"/api/v1/media/{sha}", data=data, headers=headers).status_code == 201
    location = create(client, headers, data).headers["Location"]
    assert patch(client, headers, location, 0, data).status_code == 204
    assert session.scalar(select(func.count()).where(MediaObject.sha256 == sha)) == 1
    assert len(stored_files(app.config["MEDIA_ROOT"], sha)) == 3


def test_digest_mismatch_at_the_last_byte_keeps_nothing(client, session, people, app):
    data = jpeg()
    claimed = sha256_of(b"another photo")
    headers = people["headers"]
    location = create(client, headers, data, sha256=claimed).headers["Location"]
    upload_id = location.rsplit("/", 1)[1]

    response = patch(client, headers, location, 0, data)

    body = assert_problem(response, 422, "digest_mismatch")
    assert body["errors"][0]["field"] == "Upload-Metadata"
    assert session.get(MediaObject, sha256_of(data)) is None
    assert stored_files(app.config["MEDIA_ROOT"], sha256_of(data)) == []
    assert session.get(TusUpload, upload_id) is None
    parts = Path(app.config["MEDIA_ROOT"]) / "tus"
    assert [path for path in parts.rglob("*") if path.is_file()] == []
    assert client.head(location, headers=headers).status_code == 404


def test_a_non_image_upload_is_refused_when_complete(client, session, people, app):
    data = "巡查记录，不是照片\n".encode() * 50
    headers = people["headers"]
    location = create(client, headers, data).headers["Location"]
    assert_problem(patch(client, headers, location, 0, data), 415, "unsupported_media_type")
    assert client.head(location, headers=headers).status_code == 404
    assert session.scalar(select(func.count()).select_from(MediaObject)) == 0


def test_termination_discards_the_upload(client, people, app):
    data = jpeg()
    headers = people["headers"]
    location = create(client, headers, data).headers["Location"]
    assert patch(client, headers, location, 0, data[:1000]).status_code == 204

    deleted = client.delete(location, headers=headers)

    assert deleted.status_code == 204 and deleted.headers["Tus-Resumable"] == "1.0.0"
    assert client.head(location, headers=headers).status_code == 404
    assert_problem(patch(client, headers, location, 1000, data[1000:]), 404)


def test_expired_upload_is_gone(client, people, app, monkeypatch):
    data = jpeg()
    headers = people["headers"]
    location = create(client, headers, data).headers["Location"]
    monkeypatch.setitem(app.config, "MEDIA_UNATTACHED_TTL_HOURS", 0)
    assert_problem(patch(client, headers, location, 0, data), 404, "upload_not_found")


# --- the real client against a real server -----------------------------------------------------


@pytest.fixture
def live_server(tmp_path, monkeypatch):
    """The real app on 127.0.0.1 with its own SQLite file (the server's threads cannot share
    the rolled-back test transaction), derivatives made by the queue's worker."""
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY, db
    from backend.jurisdictions.services import create_jurisdiction
    from backend.migrate import upgrade
    from backend.users.auth import issue_token
    from backend.users.services import create_user

    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SECRET_KEY": "live-test-secret-0123456789abcdef0123456789",
            "MEDIA_DERIVATIVES_ASYNC": True,
        }
    )
    with app.app_context():
        district = create_jurisdiction(name="示范区", level="district", parent=None)
        user = create_user(
            username="live-inspector",
            password="live inspector password",
            role="inspector",
            jurisdiction_id=district.id,
        )
        token, _ = issue_token(user, ttl=timedelta(hours=1))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "app": app,
            "base": f"http://127.0.0.1:{server.server_port}",
            "port": server.server_port,
            "auth": {"Authorization": f"Bearer {token}"},
        }
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions[EXTENSION_KEY].dispose()


def cut_patch(live, path: str, offset: int, body: bytes, sent: int) -> bytes:
    """A PATCH announcing ``body`` whose connection is closed after ``sent`` bytes of it."""
    head = (
        f"PATCH {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{live['port']}\r\n"
        f"Authorization: {live['auth']['Authorization']}\r\n"
        "Tus-Resumable: 1.0.0\r\n"
        f"Content-Type: {OFFSET_TYPE}\r\n"
        f"Upload-Offset: {offset}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live["port"]), timeout=10) as sock:
        sock.sendall(head.encode("ascii") + body[:sent])
        sock.shutdown(socket.SHUT_WR)  # the client is gone mid-body
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def http_get(live, path: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(live["base"] + path, headers=live["auth"])
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_tuspy_resumes_after_a_cut_connection(live_server):
    live = live_server
    data = jpeg((1600, 1200), quality=95)
    sha = sha256_of(data)
    assert len(data) > 400_000
    client = TusClient(f"{live['base']}/api/v1/uploads", headers=live["auth"])

    # The first part goes up with tuspy, which then stops (the app was closed).
    first = client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=128 * 1024,
        metadata={"sha256": sha, "filename": "隐患照片.jpg"},
    )
    first.upload_chunk()
    assert first.offset == 128 * 1024
    upload_url = first.url
    path = upload_url.removeprefix(live["base"])

    # The next PATCH is cut 100 000 bytes into its body: the server keeps those bytes.
    answer = cut_patch(live, path, first.offset, data[first.offset :], sent=100_000)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"upload_interrupted" in answer

    # A new tuspy uploader asks the server where to resume, and finishes.
    resumed = client.uploader(file_stream=io.BytesIO(data), url=upload_url, chunk_size=256 * 1024)
    assert resumed.offset == 128 * 1024 + 100_000
    resumed.upload()
    assert resumed.offset == len(data)

    media_root = Path(live["app"].config["MEDIA_ROOT"])
    original = media_root / "originals" / sha[:2] / sha[2:]
    assert sha256_of(original.read_bytes()) == sha
    status, content_type, body = http_get(live, f"/api/v1/media/{sha}")
    assert status == 200 and content_type == "image/jpeg" and sha256_of(body) == sha

    # Derivatives are queued work, made by a worker (the scheduler's clock in `xuncha serve`)
    # without anyone asking for them.
    assert len(stored_files(media_root, sha)) == 1
    with live["app"].app_context():
        from backend.core.db import db
        from backend.jobs.worker import work

        assert work() == {"done": 1, "retried": 0, "dead": 0}
    assert len(stored_files(media_root, sha)) == 3
    with live["app"].app_context():
        recorded = db.session.get(MediaObject, sha).derivatives
    assert {"thumb", "preview"} <= set(recorded)
    for variant, longest in (("thumb", 320), ("preview", 1600)):
        status, content_type, body = http_get(live, f"/api/v1/media/{sha}?variant={variant}")
        assert status == 200 and content_type == "image/jpeg"
        assert max(open_image(body).size) == longest


# --- the per-user quota of unfinished uploads (security issue #13, row 12) -----------------------


def test_one_user_may_hold_only_so_many_unfinished_uploads(client, people, app, monkeypatch):
    monkeypatch.setitem(app.config, "TUS_MAX_OPEN_UPLOADS_PER_USER", 2)
    headers = people["headers"]
    first = create(client, headers, jpeg()).headers["Location"]
    assert create(client, headers, jpeg()).status_code == 201

    refused = create(client, headers, jpeg())

    body = assert_problem(refused, 429, "upload_quota_exceeded")
    assert "at most 2 unfinished uploads per user" in body["detail"]
    assert create(client, people["other_headers"], jpeg()).status_code == 201  # per user
    assert client.delete(first, headers=headers).status_code == 204
    assert create(client, headers, jpeg()).status_code == 201  # room again


def test_a_finished_upload_frees_its_place(client, people, app, monkeypatch):
    monkeypatch.setitem(app.config, "TUS_MAX_OPEN_UPLOADS_PER_USER", 1)
    headers = people["headers"]
    data = jpeg()
    location = create(client, headers, data).headers["Location"]
    assert patch(client, headers, location, 0, data).status_code == 204

    assert create(client, headers, jpeg()).status_code == 201


def test_the_bytes_declared_by_unfinished_uploads_are_capped(client, people, app, monkeypatch):
    monkeypatch.setitem(app.config, "TUS_MAX_OPEN_BYTES_PER_USER", 1000)
    headers = people["headers"]
    assert create(client, headers, b"x" * 600).status_code == 201

    refused = create(client, headers, b"y" * 500)

    body = assert_problem(refused, 429, "upload_quota_exceeded")
    assert "at most 1000 bytes" in body["detail"] and "600 are declared" in body["detail"]
    assert body["errors"][0]["field"] == "Upload-Length"
    assert create(client, headers, b"z" * 400).status_code == 201


def test_expired_uploads_do_not_count(client, session, people, app, monkeypatch):
    monkeypatch.setitem(app.config, "TUS_MAX_OPEN_UPLOADS_PER_USER", 1)
    headers = people["headers"]
    location = create(client, headers, jpeg()).headers["Location"]
    upload = session.get(TusUpload, location.rsplit("/", 1)[1])
    upload.created_at = datetime.now(UTC) - timedelta(hours=49)
    session.flush()

    assert create(client, headers, jpeg()).status_code == 201
