"""Two `xuncha serve` processes side by side on one PostgreSQL and one S3 store (moto's server),
devices alternating between them (issue 20 item 3): pushes are applied exactly once, pulls see
every change once, resumable uploads move between instances mid-way, and each derivative job
runs once, on either instance. No instance keeps anything the other needs: each has a folder of
its own, and only the database and the bucket are shared.

PostgreSQL only (SQLite is one machine's database): run by CI's PostgreSQL pass, on a schema of
its own in the suite's database, dropped afterwards.
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import create_engine, func, select, text

from backend.models import Inspection, MediaObject, QueuedJob, TusUpload
from media.tus import format_upload_metadata
from tests.backend.fixtures.media import jpeg
from tests.backend.fixtures.sync import offline_inspection, wuluoshi

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCHEMA = "two_instances"
BUCKET = "xuncha-two-instances"
S3_KEYS = {"S3_ACCESS_KEY_ID": "moto-access-key", "S3_SECRET_ACCESS_KEY": "moto-secret-key"}
OFFSET_TYPE = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}
PASSWORD = "two instances inspector password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def shared_database(database_url):
    """A schema of its own in the suite's PostgreSQL database, migrated and seeded."""
    if not database_url.startswith("postgresql"):
        pytest.skip("two instances share a PostgreSQL database (CI's PostgreSQL pass)")
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options=-csearch_path%3D{SCHEMA}"
    yield url
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


@pytest.fixture
def bucket():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


def xuncha(*arguments: str) -> list[str]:
    # The worktree's code (the installed `xuncha` script may point at another checkout).
    return [sys.executable, "-c", "from backend.cli import main; main()", *arguments]


def environment(url: str, endpoint: str, host: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": url,
        "SECRET_KEY": "two-instances-secret-0123456789abcdef0123",
        "XUNCHA_VAR_DIR": str(host / "var"),
        "MEDIA_ROOT": str(host / "media"),
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        **S3_KEYS,
        "QUEUE_POLL_SECONDS": "0.5",
    }


@pytest.fixture
def servers(shared_database, bucket, tmp_path):
    endpoint, _client = bucket
    _seed(shared_database, tmp_path / "setup")
    started = []
    for name in ("a", "b"):
        port, log = free_port(), tmp_path / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                xuncha("serve", "--port", str(port), "--threads", "4"),
                cwd=REPO,
                env=environment(shared_database, endpoint, tmp_path / name),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append({"base": f"http://127.0.0.1:{port}", "log": log, "process": process})
    try:
        for server in started:
            wait_until(lambda s=server: healthy(s), 40, started)
        yield started
    finally:
        for server in started:
            if server["process"].poll() is None:
                os.killpg(server["process"].pid, signal.SIGTERM)
        for server in started:
            try:
                server["process"].wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server["process"].pid, signal.SIGKILL)


def _seed(url: str, folder: Path) -> None:
    """The schema, the shipped checklists, a street with an enterprise and an inspector."""
    from backend.app import create_app
    from backend.checklists.services import publish_shipped
    from backend.core.db import EXTENSION_KEY, db
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.jurisdictions.services import create_jurisdiction
    from backend.migrate import upgrade
    from backend.users.services import create_user

    upgrade(url)
    setup = create_app({"DATABASE_URL": url, "MEDIA_ROOT": str(folder / "media"), "TESTING": True})
    with setup.app_context():
        publish_shipped()
        district = create_jurisdiction(name="两实例区", level="district", parent=None)
        street = create_jurisdiction(name="两实例街道", level="street", parent=district)
        create_enterprise(
            name="两实例化工有限公司",
            uscc=demo_uscc(990001),
            industry="hazardous_chemicals",
            scale="above_scale",
            jurisdiction_id=street.id,
        )
        create_user(
            username="inspector",
            password=PASSWORD,
            role="inspector",
            jurisdiction_id=street.id,
        )
        db.session.commit()
    setup.extensions[EXTENSION_KEY].dispose()


def wait_until(condition, timeout: float, servers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for server in servers:
            if server["process"].poll() is not None:
                pytest.fail(f"a server exited:\n{server['log'].read_text()}")
        if time.monotonic() > deadline:
            logs = "\n".join(server["log"].read_text()[-3000:] for server in servers)
            pytest.fail(f"gave up waiting after {timeout} s:\n{logs}")
        time.sleep(0.1)


def healthy(server) -> bool:
    try:
        with urllib.request.urlopen(f"{server['base']}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def call(server, method: str, path: str, headers=None, body: bytes | None = None):
    request = urllib.request.Request(
        server["base"] + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def call_json(server, method: str, path: str, headers=None, payload=None):
    body = json.dumps(payload).encode() if payload is not None else None
    headers = {**(headers or {}), "Content-Type": "application/json"}
    status, answer_headers, raw = call(server, method, path, headers, body)
    return status, json.loads(raw) if raw else None


def log_in(server, device_id: str) -> dict:
    status, answer = call_json(
        server,
        "POST",
        "/api/v1/auth/token",
        payload={
            "username": "inspector",
            "password": PASSWORD,
            "device_id": device_id,
        },
    )
    assert status == 201, answer
    return {"Authorization": f"Bearer {answer['access_token']}"}


def upload_across(first, second, headers, data: bytes) -> str:
    """Create and half-send a tus upload on ``first``, finish it on ``second``."""
    sha = hashlib.sha256(data).hexdigest()
    status, created, _ = call(
        first,
        "POST",
        "/api/v1/uploads",
        {
            **headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": format_upload_metadata({"sha256": sha}),
        },
    )
    assert status == 201
    path = created["Location"].split("://", 1)[-1].split("/", 1)[-1]
    path = "/" + path if not path.startswith("/") else path
    half = len(data) // 2
    patch = {**headers, **TUS, "Content-Type": OFFSET_TYPE}
    status, _, body = call(first, "PATCH", path, {**patch, "Upload-Offset": "0"}, data[:half])
    assert status == 204, body
    status, state, _ = call(second, "HEAD", path, {**headers, **TUS})
    assert status == 200 and int(state["Upload-Offset"]) == half
    status, _, body = call(
        second, "PATCH", path, {**patch, "Upload-Offset": str(half)}, data[half:]
    )
    assert status == 204, body
    return sha


def test_two_instances_side_by_side(servers, shared_database, bucket):
    a, b = servers
    _endpoint, s3 = bucket
    phone, tablet = log_in(a, "phone"), log_in(b, "tablet")

    # The phone's first pull comes from A; its offline inspection is pushed to B, and the
    # retry of the same push (its answer lost) reaches A: applied once, the same answer.
    status, first = call_json(a, "GET", "/api/v1/sync?schema_version=1", phone)
    assert status == 200
    enterprise_id = first["changes"]["enterprises"]["created"][0]["id"]
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(
        type("E", (), {"id": enterprise_id}), version_id, codes, failures=codes[:1], prefix="p1"
    )
    push = f"/api/v1/sync?last_pulled_at={first['timestamp']}"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    pushed_on_b = call_json(b, "POST", push, {**phone, **key}, changes)
    pushed_again_on_a = call_json(a, "POST", push, {**phone, **key}, changes)
    assert pushed_on_b[0] == 200 and pushed_on_b == pushed_again_on_a

    # The tablet pulls from B, then from A: the inspection arrives once.
    status, tablet_first = call_json(b, "GET", "/api/v1/sync?schema_version=1", tablet)
    assert status == 200
    seen = [i["id"] for i in tablet_first["changes"]["inspections"]["created"]]
    assert seen.count("p1") == 1
    since = f"/api/v1/sync?schema_version=1&last_pulled_at={tablet_first['timestamp']}"
    status, tablet_next = call_json(a, "GET", since, tablet)
    assert status == 200
    assert "p1" not in [
        record["id"]
        for operation in ("created", "updated")
        for record in tablet_next["changes"]["inspections"][operation]
    ]

    # Uploads move between the instances mid-way, both ways.
    before = {server["base"]: len(server["log"].read_text()) for server in servers}
    shas = [
        upload_across(a, b, phone, jpeg((900, 700), quality=92)),
        upload_across(b, a, tablet, jpeg((700, 900), quality=90)),
    ]

    # Each derivative job runs once, on one instance or the other.
    engine = create_engine(shared_database)
    try:

        def queue_empty() -> bool:
            with engine.connect() as connection:
                return connection.scalar(select(func.count()).select_from(QueuedJob)) == 0

        wait_until(queue_empty, 30, servers)
        logs = "".join(s["log"].read_text()[before[s["base"]] :] for s in servers)
        assert logs.count("(derivatives) done by") == len(shas), logs[-3000:]
        with engine.connect() as connection:
            held = connection.scalars(select(MediaObject.sha256)).all()
            inspections = connection.scalar(
                select(func.count()).select_from(Inspection).where(Inspection.id == "p1")
            )
            uploads_left = connection.scalar(select(func.count()).select_from(TusUpload))
    finally:
        engine.dispose()
    assert sorted(set(shas) & set(held)) == sorted(shas) and inspections == 1
    assert uploads_left == 0
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", ())}
    for sha in shas:
        assert {f"originals/{sha[:2]}/{sha[2:]}", f"thumb/{sha[:2]}/{sha[2:]}.jpg"} <= keys
    assert not [key for key in keys if key.startswith("tus/")]
