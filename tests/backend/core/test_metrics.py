"""/metrics: protected by METRICS_TOKEN, per endpoint (never raw paths), sync, uploads, jobs,
the queue's depth read at scrape time, and several processes summed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.core import queue
from backend.jobs.registry import run_job
from tests.backend.fixtures.media import jpeg, put_photo

TOKEN = "metrics-secret-token-1234"


@pytest.fixture
def metrics_token(app):
    app.config["METRICS_TOKEN"] = TOKEN
    yield TOKEN
    app.config["METRICS_TOKEN"] = None


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return samples(response.get_data(as_text=True))


def samples(text: str) -> dict:
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(figures: dict, name: str, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_a_configured_token_there_is_no_metrics_endpoint(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_a_wrong_or_missing_token_is_refused(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_requests_are_counted_per_endpoint_not_per_path(client, metrics_token):
    before = scrape(client)
    client.get("/api/v1/enterprises/123456")  # 401 without a login: still this endpoint
    client.get("/api/v1/enterprises/654321")
    client.get("/no/such/path/8f3a")
    after = scrape(client)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(True)
    assert "123456" not in text and "8f3a" not in text
    counted = {
        key: after[key] - before.get(key, 0)
        for key in after
        if key[0] == "xuncha_http_requests_total" and after[key] != before.get(key, 0)
    }
    endpoints = {dict(labels)["endpoint"]: n for (_, labels), n in counted.items()}
    assert 2 in endpoints.values()
    assert endpoints["unmatched"] == 1
    latency = [k for k in after if k[0] == "xuncha_http_request_duration_seconds_count"]
    assert latency


def test_sync_push_records_rejections_and_upload_bytes(
    client, metrics_token, session, make_user, make_jurisdiction, auth_header
):
    user = make_user(role="inspector", jurisdiction=make_jurisdiction())
    headers = auth_header(user)
    before = scrape(client)
    pushed = client.post(
        "/api/v1/sync?last_pulled_at=0",
        json={
            "enterprises": {"created": [{"id": "e-1", "name": "x"}], "updated": [], "deleted": []}
        },
        headers=headers,
    )
    assert pushed.status_code == 200
    assert pushed.json["experimentalRejectedIds"] == {"enterprises": ["e-1"]}
    body = jpeg()
    uploaded = put_photo(client, headers, body)
    assert uploaded.status_code in (200, 201)
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("xuncha_sync_pushed_records_total", table="enterprises") == 1
    assert grew("xuncha_sync_rejected_records_total", table="enterprises") == 1
    assert grew("xuncha_upload_bytes_total") == len(body)


def test_jobs_and_queued_jobs_are_counted_by_outcome(tmp_path, monkeypatch):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY
    from backend.jobs import worker
    from backend.jobs.registry import JOBS, Job
    from backend.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "t", "TESTING": True, "METRICS_TOKEN": TOKEN}
    )

    def broken(_now):
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "metrics_ok", Job("metrics_ok", lambda now: {}, 1, "ok"))
    monkeypatch.setitem(JOBS, "metrics_broken", Job("metrics_broken", broken, 1, "broken"))
    monkeypatch.setitem(worker.HANDLERS, "metrics-fails", broken)
    client = app.test_client()
    try:
        before = scrape(client)
        with app.app_context():
            run_job("metrics_ok")
            with pytest.raises(RuntimeError):
                run_job("metrics_broken")
            queue.enqueue("metrics-fails", {})
            from backend.core.db import db

            db.session.commit()
            assert worker.work() == {"done": 0, "retried": 1, "dead": 0}
        after = scrape(client)
    finally:
        app.extensions[EXTENSION_KEY].dispose()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("xuncha_job_runs_total", job="metrics_ok", outcome="done") == 1
    assert grew("xuncha_job_runs_total", job="metrics_broken", outcome="failed") == 1
    assert grew("xuncha_queue_job_runs_total", kind="metrics-fails", outcome="failed") == 1
    assert value(after, "xuncha_queue_jobs", kind="metrics-fails", state="queued") == 1


WORKER = """
import os, sys
from backend.app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "MEDIA_ROOT": sys.argv[2], "SECRET_KEY": "k" * 40})
client = app.test_client()
for _ in range(int(sys.argv[3])):
    client.get("/no/such/path")
"""


def test_several_processes_are_summed_with_a_multiprocess_folder(
    client, metrics_token, tmp_path, monkeypatch
):
    folder = tmp_path / "prom"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "XUNCHA_VAR_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[3]
    database = f"sqlite:///{tmp_path / 'unused.db'}"
    for count in (2, 3):
        subprocess.run(
            [sys.executable, "-c", WORKER, database, str(tmp_path / "media"), str(count)],
            env=env,
            cwd=root,
            check=True,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    figures = scrape(client)
    assert (
        value(
            figures, "xuncha_http_requests_total", endpoint="unmatched", method="GET", status="404"
        )
        == 5
    )
