"""The issue's "done when" path, end to end on a database file shared with the command line:
a failed finding becomes a hazard, the enterprise files its plan and rectifies, the inspector
rejects once and then verifies; another hazard past its deadline is marked overdue by
`xuncha jobs run mark_overdue` and shows on the supervisor's overdue list and in the ledger."""

import io
from datetime import timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import update

from backend.cli import main
from backend.core.timeutil import today_in_shanghai
from tests.backend.fixtures.hazards import FULL_PLAN, SHA_A, SHA_B, act


@pytest.fixture
def site(tmp_path, monkeypatch):
    from backend.app import create_app
    from backend.checklists.services import publish_shipped
    from backend.core.db import EXTENSION_KEY, db
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.jurisdictions.services import create_jurisdiction
    from backend.migrate import upgrade
    from backend.models import User
    from backend.users.auth import hash_password, issue_token

    url = f"sqlite:///{tmp_path / 'flow.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        publish_shipped()
        district = create_jurisdiction(name="示范区", level="district", parent=None)
        street = create_jurisdiction(name="一街道", level="street", parent=district)
        enterprise = create_enterprise(
            name="示范化工",
            uscc=demo_uscc(777001),
            industry="hazardous_chemicals",
            scale="above_scale",
            jurisdiction_id=street.id,
        )
        password = hash_password("correct horse battery")
        people = {
            "inspector": User(username="i", role="inspector", jurisdiction_id=street.id),
            "supervisor": User(username="s", role="supervisor", jurisdiction_id=district.id),
            "manager": User(username="m", role="enterprise_manager", enterprise_id=enterprise.id),
        }
        for person in people.values():
            person.password_hash = password
            db.session.add(person)
        db.session.flush()
        headers = {
            name: {"Authorization": f"Bearer {issue_token(person, ttl=timedelta(hours=1))[0]}"}
            for name, person in people.items()
        }
        db.session.commit()
        enterprise_id = enterprise.id
    yield {
        "app": app,
        "client": app.test_client(),
        "headers": headers,
        "enterprise_id": enterprise_id,
        "engine": app.extensions[EXTENSION_KEY],
    }
    app.extensions[EXTENSION_KEY].dispose()


def _failed_finding_becomes_a_hazard(client, site) -> dict:
    headers, enterprise_id = site["headers"]["inspector"], site["enterprise_id"]
    listed = client.get(f"/api/v1/enterprises/{enterprise_id}/checklists", headers=headers).json
    version_id = {entry["code"]: entry for entry in listed}["duty31"]["id"]
    content = client.get(f"/api/v1/checklists/{version_id}", headers=headers).json["content"]
    started = client.post(
        "/api/v1/inspections",
        json={
            "enterprise_id": enterprise_id,
            "checklist_version_id": version_id,
            "kind": "supervision",
        },
        headers=headers,
    )
    assert started.status_code == 201, started.json
    inspection_id = started.json["id"]
    codes = [item["code"] for section in content["sections"] for item in section["items"]]
    for code in codes:
        body = {"result": "pass"}
        if code == codes[0]:
            body = {"result": "fail", "note": "安全生产责任制未公示", "photos": [SHA_A]}
        url = f"/api/v1/inspections/{inspection_id}/findings/{code}"
        assert client.put(url, json=body, headers=headers).status_code == 200
    finished = client.post(f"/api/v1/inspections/{inspection_id}/finish", json={}, headers=headers)
    assert finished.status_code == 200, finished.json
    (hazard,) = finished.json["hazards"]
    return hazard


def test_done_when(site):
    client, headers = site["client"], site["headers"]
    manager, inspector, supervisor = (headers[n] for n in ("manager", "inspector", "supervisor"))
    hazard = _failed_finding_becomes_a_hazard(client, site)
    hazard_id = hazard["id"]
    assert hazard["status"] == "reported"
    # The enterprise manager files the plan (五落实 + 治理方案) and starts rectifying.
    planned = client.put(f"/api/v1/hazards/{hazard_id}/plan", json=FULL_PLAN, headers=manager)
    assert planned.status_code == 200, planned.json
    steps = [
        (manager, "start_rectification", {}, "rectifying"),
        (manager, "submit", {"photos": [SHA_A], "note": "已公示"}, "submitted"),
        (inspector, "reject", {"note": "公示内容不完整"}, "rectifying"),
        (manager, "submit", {"photos": [SHA_B], "note": "已补充"}, "submitted"),
        (inspector, "verify", {"note": "核验合格，销号"}, "closed"),
    ]
    for who, action, body, status in steps:
        response = act(client, who, hazard_id, action, **body)
        assert response.status_code == 200, (action, response.json)
        assert response.json["status"] == status
    history = client.get(f"/api/v1/hazards/{hazard_id}/history", headers=supervisor).json
    assert [entry["action"] for entry in history] == [
        "report",
        "file_plan",
        "start_rectification",
        "submit",
        "reject",
        "submit",
        "verify",
    ]

    # Another hazard, reported on site, whose deadline then passes.
    reported = client.post(
        "/api/v1/hazards",
        json={
            "enterprise_id": site["enterprise_id"],
            "title": "消防通道堵塞",
            "due_on": today_in_shanghai().isoformat(),
        },
        headers=inspector,
    )
    assert reported.status_code == 201, reported.json
    late_id = reported.json["id"]
    from backend.models import Hazard

    past = today_in_shanghai() - timedelta(days=2)
    with site["engine"].begin() as connection:
        connection.execute(update(Hazard).where(Hazard.id == late_id).values(due_on=past))

    runner = CliRunner()
    ran = runner.invoke(main, ["jobs", "run", "mark_overdue"])
    assert ran.exit_code == 0, ran.output
    assert "mark_overdue: {'marked': 1}" in ran.output
    again = runner.invoke(main, ["jobs", "run", "mark_overdue"])
    assert "{'marked': 0}" in again.output
    listed = runner.invoke(main, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "mark_overdue" in listed.output and "escalate_overdue" in listed.output
    assert "deliver_webhooks" in listed.output
    unknown = runner.invoke(main, ["jobs", "run", "nope"])
    assert unknown.exit_code != 0

    overdue = client.get("/api/v1/hazards?overdue=true", headers=supervisor)
    assert overdue.status_code == 200
    (late,) = overdue.json
    assert late["id"] == late_id
    assert late["overdue"] is True and late["days_overdue"] == 2
    assert late["marked_overdue_at"] is not None
    ledger = client.get("/api/v1/hazards/export.xlsx", headers=supervisor)
    assert ledger.status_code == 200
    rows = list(load_workbook(io.BytesIO(ledger.data)).active.values)
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_id[late_id]["是否逾期"] == "是" and by_id[late_id]["逾期天数"] == 2
    assert by_id[hazard_id]["状态"] == "已销号" and by_id[hazard_id]["销号时间"]
    assert by_id[hazard_id]["依据"]  # the checklist item's legal basis


def test_only_serve_starts_the_scheduler(tmp_path, monkeypatch):
    import waitress

    import backend.jobs.scheduler

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    started, served = [], []
    monkeypatch.setattr(backend.jobs.scheduler, "start_scheduler", started.append)
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.append(options))
    runner = CliRunner()
    assert runner.invoke(main, ["serve", "--no-scheduler"]).exit_code == 0
    assert served and not started
    assert runner.invoke(main, ["serve"]).exit_code == 0
    assert len(started) == 1 and len(served) == 2


def test_the_scheduler_registers_every_job(app):
    from backend.jobs.registry import JOBS
    from backend.jobs.scheduler import QUEUE_WORKER, start_scheduler

    scheduler = start_scheduler(app)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {*JOBS, QUEUE_WORKER}  # the clock also runs the queue's worker
        assert jobs["deliver_webhooks"].trigger.interval == timedelta(minutes=1)
        poll = timedelta(seconds=app.config["QUEUE_POLL_SECONDS"])
        assert jobs[QUEUE_WORKER].trigger.interval == poll
    finally:
        scheduler.shutdown(wait=False)
