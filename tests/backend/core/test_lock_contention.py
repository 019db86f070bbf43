"""Many writers at once on a file SQLite database: they queue for the write lock instead of
failing, and contention that outlasts the wait is a 503 with Retry-After, never a 500."""

import json
import sqlite3
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from backend.models import Finding, Inspection

DEVICES = 6
PUSHES_PER_DEVICE = 3


@pytest.fixture
def file_app(tmp_path):
    from backend.app import create_app
    from backend.checklists.services import publish_shipped
    from backend.core.db import EXTENSION_KEY, db
    from backend.demo import seed_demo
    from backend.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        publish_shipped()
        seed_demo()
        db.session.commit()
        db.session.remove()
    yield app
    app.extensions[EXTENSION_KEY].dispose()


def inspection_batch(pulled, prefix):
    enterprise = pulled["changes"]["enterprises"]["created"][0]
    (version,) = [c for c in pulled["changes"]["checklists"]["created"] if c["code"] == "wuluoshi"]
    content = json.loads(version["content"])
    codes = [item["code"] for section in content["sections"] for item in section["items"]]
    inspection = {
        "id": prefix,
        "enterprise_id": enterprise["id"],
        "checklist_id": version["id"],
        "kind": "supervision",
        "started_at": 1_780_000_000_000,
        "finished_at": 1_780_000_600_000,
    }
    findings = [
        {"id": f"{prefix}-{n}", "inspection_id": prefix, "item_code": code, "result": "pass"}
        for n, code in enumerate(codes)
    ]
    return {
        "inspections": {"created": [inspection], "updated": [], "deleted": []},
        "findings": {"created": findings, "updated": [], "deleted": []},
    }, len(findings)


def device_session(app, number, statuses, answered):
    client = app.test_client()
    credentials = {"username": "inspector", "password": "demo-inspector-pass"}
    login = client.post("/api/v1/auth/token", json={**credentials, "device_id": f"d{number}"})
    statuses[login.status_code] += 1
    if login.status_code != 201:
        return
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    pulled = client.get("/api/v1/sync?last_pulled_at=null&schema_version=1", headers=headers)
    statuses[pulled.status_code] += 1
    for push in range(PUSHES_PER_DEVICE):
        batch, findings = inspection_batch(pulled.json, f"dev{number}-{push}")
        response = client.post(
            f"/api/v1/sync?last_pulled_at={pulled.json['timestamp']}", json=batch, headers=headers
        )
        statuses[response.status_code] += 1
        if response.status_code == 503:
            assert response.headers["Retry-After"]
            assert response.mimetype == "application/problem+json"
        if response.status_code == 200 and not response.json["experimentalRejectedIds"]:
            answered.append(findings)


def test_concurrent_logins_and_pushes_queue_for_the_write_lock(file_app):
    from backend.core.db import db

    statuses, answered = Counter(), []
    threads = [
        threading.Thread(target=device_session, args=(file_app, n, statuses, answered))
        for n in range(DEVICES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(status >= 500 for status in statuses), statuses
    assert statuses[201] == DEVICES and statuses[200] == DEVICES * (1 + PUSHES_PER_DEVICE)
    with file_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == len(answered)
        assert db.session.scalar(select(func.count()).select_from(Finding)) == sum(answered)


def test_contention_beyond_the_wait_is_503_with_retry_after(file_app, monkeypatch):
    from backend.users import auth_api as auth

    def busy(*_args, **_kwargs):
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(auth, "authenticate", busy)
    response = file_app.test_client().post(
        "/api/v1/auth/token", json={"username": "inspector", "password": "x"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.mimetype == "application/problem+json"


def write_from_another_connection(path) -> str:
    """ "written", or why another writer (an API request, say) could not write within 1 s."""
    other_writer = sqlite3.connect(path, timeout=1)
    try:
        other_writer.execute("UPDATE sync_counter SET value = value")
        other_writer.commit()
        return "written"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other_writer.close()


def test_webhook_delivery_holds_no_write_lock_while_the_receiver_answers(file_app, tmp_path):
    """Another writer (an API request) must get the lock while a webhook call is under way."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from backend.core.db import db
    from backend.jobs.registry import run_job
    from backend.models import Notification, User

    writes_during_delivery = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers["Content-Length"]))
            writes_during_delivery.append(write_from_another_connection(tmp_path / "busy.db"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    file_app.config["WEBHOOK_URL"] = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        with file_app.app_context():
            recipient = db.session.scalar(select(User).where(User.username == "manager"))
            db.session.add(Notification(recipient_id=recipient.id, kind="test", dedupe_key="k1"))
            db.session.commit()
            result = run_job("deliver_webhooks")
            db.session.remove()
    finally:
        server.shutdown()
    assert result == {"delivered": 1, "failed": 0}
    assert writes_during_delivery == ["written"]


def test_the_statistics_job_refreshes_sqlites_planner_statistics(file_app):
    from sqlalchemy import text

    from backend.core.db import db
    from backend.jobs.registry import run_job

    with file_app.app_context():
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()
        assert run_job("refresh_statistics") == {"analyzed": True}
        indexes = set(db.session.scalars(text("SELECT idx FROM sqlite_stat1")))
        db.session.remove()
    assert "ix_sync_changes_table_seq" in indexes


def test_rendering_derivatives_holds_no_write_lock(file_app, tmp_path, monkeypatch):
    """Image work takes a while: other writers must not wait for it."""

    from backend.core.db import db
    from backend.models import MediaObject
    from backend.photos import services as photos

    sha256 = "cd" * 32
    with file_app.app_context():
        db.session.add(MediaObject(sha256=sha256, size=1, mime="image/jpeg", width=1, height=1))
        db.session.commit()
        db.session.remove()
    writes_while_rendering = []

    def render(digest, stamp):
        writes_while_rendering.append(write_from_another_connection(tmp_path / "busy.db"))
        return {"thumb": f"thumbs/{digest}", "preview": f"previews/{digest}"}

    monkeypatch.setattr(photos, "render_derivatives", render)
    with file_app.app_context():
        from backend.core.queue import enqueue
        from backend.jobs.worker import work

        enqueue(photos.DERIVATIVES_JOB, {"sha256": sha256})
        db.session.commit()
        assert work()["done"] == 1  # the queued job, as a server's worker runs it
        db.session.remove()
    assert writes_while_rendering == ["written"]
    with file_app.app_context():
        assert db.session.get(MediaObject, sha256).derivatives["thumb"] == f"thumbs/{sha256}"
        db.session.remove()
