"""The enterprise safety code (常安码): QR codes that a real decoder reads, the poster, rotation
and its history, the colour rules, sync of the colour, scanning in the app, the posters CLI."""

import io
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from backend.cli import main
from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai
from backend.jobs import deadlines
from backend.models import ChecklistVersion, Enterprise, Inspection, SafetyCode, ScanRecord
from backend.safety_code import services as codes
from tests.backend.fixtures.hazards import FULL_PLAN, act
from tests.conftest import require_tool


def decode_qr(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def code_state(client, headers, enterprise) -> dict:
    response = client.get(f"/api/v1/enterprises/{enterprise.id}/safety-code", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def color_of(session, enterprise) -> str:
    session.expire_all()
    return session.get(Enterprise, enterprise.id).safety_code_color


# --- the code and its pictures --------------------------------------------------------------


def test_qr_png_decodes_to_the_public_url_of_the_active_code(app, client, world):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]["manager"]
    response = client.get(f"/api/v1/enterprises/{ent.id}/qr.png", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    state = code_state(client, headers, ent)
    token = state["code"]["token"]
    assert len(token) == 32  # secrets.token_urlsafe(24)
    expected = f"{app.config['PUBLIC_BASE_URL']}/q/{token}"
    assert state["code"]["url"] == expected
    assert decode_qr(Image.open(io.BytesIO(response.data))) == [expected]
    # Made once, lazily: asking again gives the same code.
    again = client.get(f"/api/v1/enterprises/{ent.id}/qr.png", headers=headers)
    assert decode_qr(Image.open(io.BytesIO(again.data))) == [expected]
    assert len(state["history"]) == 1


def test_qr_svg_is_an_svg_of_the_same_code(client, world):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]["inspector"]
    response = client.get(f"/api/v1/enterprises/{ent.id}/qr.svg", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and b"<path" in response.data


def test_poster_pdf_names_the_enterprise_and_carries_a_readable_code(app, client, world, tmp_path):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]["supervisor"]
    response = client.get(f"/api/v1/enterprises/{ent.id}/poster.pdf", headers=headers)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    for expected in (ent.name, ent.uscc, "扫码查看企业安全状态", "12350"):
        assert expected in text
    token = code_state(client, headers, ent)["code"]["token"]
    # Rendered like a printer would, the code on the poster reads back as the public URL.
    pdftoppm = require_tool("pdftoppm")
    (tmp_path / "poster.pdf").write_bytes(response.data)
    subprocess.run(
        [pdftoppm, "-r", "100", "-png", "-singlefile", "poster.pdf", "poster"],
        cwd=tmp_path,
        check=True,
    )
    page = Image.open(tmp_path / "poster.png")
    assert decode_qr(page) == [f"{app.config['PUBLIC_BASE_URL']}/q/{token}"]


@pytest.mark.parametrize("path", ["qr.png", "qr.svg", "poster.pdf", "safety-code"])
def test_pictures_outside_the_scope_are_404(client, world, path):
    ent = world["enterprises"]["ent"]
    for who in ("other_manager", "other_inspector", "manager2"):
        response = client.get(f"/api/v1/enterprises/{ent.id}/{path}", headers=world["headers"][who])
        assert response.status_code == 404, who
        assert response.mimetype == PROBLEM_MIME
    missing = client.get(f"/api/v1/enterprises/999999/{path}", headers=world["headers"]["admin"])
    assert missing.status_code == 404


# --- rotation -------------------------------------------------------------------------------


def test_rotation_revokes_the_old_code_and_keeps_history(client, world, session):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]["supervisor"]
    old = code_state(client, headers, ent)["code"]["token"]
    rotated = client.post(f"/api/v1/enterprises/{ent.id}/safety-code/rotate", headers=headers)
    assert rotated.status_code == 201, rotated.json
    new = rotated.json["token"]
    assert new != old and rotated.json["active"] is True
    state = code_state(client, headers, ent)
    assert state["code"]["token"] == new
    history = state["history"]
    assert [entry["token"] for entry in history] == [new, old]
    assert history[1]["active"] is False and history[1]["revoked_at"] is not None
    assert history[1]["revoked_by_id"] == world["users"]["supervisor"].id
    # The old poster's page says the code is no longer valid; the new one works.
    gone = client.get(f"/q/{old}")
    assert gone.status_code == 410
    assert "此常安码已失效" in gone.get_data(as_text=True)
    assert ent.name not in gone.get_data(as_text=True)
    assert client.get(f"/q/{new}").status_code == 200
    # The app cannot scan the old code either.
    scan = client.get(f"/api/v1/scan/{old}", headers=world["headers"]["inspector"])
    assert scan.status_code == 404 and scan.mimetype == PROBLEM_MIME
    # Again: still one active code, three in the history.
    client.post(f"/api/v1/enterprises/{ent.id}/safety-code/rotate", headers=headers)
    active = session.scalar(
        select(func.count())
        .select_from(SafetyCode)
        .where(SafetyCode.enterprise_id == ent.id, SafetyCode.revoked_at.is_(None))
    )
    assert active == 1
    assert len(code_state(client, headers, ent)["history"]) == 3


def test_rotation_is_for_admins_and_supervisors_in_scope(client, world):
    ent = world["enterprises"]["ent"]
    url = f"/api/v1/enterprises/{ent.id}/safety-code/rotate"
    for who in ("manager", "viewer", "inspector"):
        assert client.post(url, headers=world["headers"][who]).status_code == 403, who
    for who in ("other_supervisor", "other_manager"):
        assert client.post(url, headers=world["headers"][who]).status_code == 404, who
    assert client.post(url, headers=world["headers"]["admin"]).status_code == 201


def test_a_first_code_made_twice_at_once_stays_one(session, world):
    """The partial unique index refuses a second active code; current_code reads the winner."""
    ent = world["enterprises"]["ent"]
    first = codes.current_code(ent)
    session.commit()
    session.add(SafetyCode(enterprise_id=ent.id, token=codes.new_token()))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        session.flush()
    session.rollback()
    assert codes.current_code(ent).token == first.token


# --- the colour -----------------------------------------------------------------------------


def test_colour_rules_one_by_one(session, world, make_hazard, monkeypatch):
    ent = world["enterprises"]["ent"]
    refresh = codes.refresh_safety_code_color
    today = today_in_shanghai()
    assert refresh(ent.id) == "green"

    # Yellow: an open major hazard, not overdue.
    major = make_hazard("rectifying", grade="major")
    assert refresh(ent.id) == "yellow"
    # Red: that major hazard overdue.
    major.due_on = today - timedelta(days=1)
    assert refresh(ent.id) == "red"
    # Closed, it counts no more.
    major.status, major.closed_at = "closed", datetime.now(UTC)
    assert refresh(ent.id) == "green"

    # Yellow: a general hazard overdue.
    general = make_hazard("rectifying", due_on=today - timedelta(days=2))
    assert refresh(ent.id) == "yellow"
    # Red: a stop-work order on an open hazard (even a general one, not overdue).
    general.due_on = today + timedelta(days=5)
    general.stop_work_order = True
    assert refresh(ent.id) == "red"
    # A stop-work order on a closed hazard does not count.
    general.status, general.closed_at = "closed", datetime.now(UTC)
    assert refresh(ent.id) == "green"

    # Due today is not overdue yet.
    make_hazard("reported", due_on=today)
    assert refresh(ent.id) == "green"


def test_colour_signals_plug_in_and_the_worst_wins(session, world, make_hazard, monkeypatch):
    ent, ent2 = world["enterprises"]["ent"], world["enterprises"]["ent2"]
    blacklisted = {ent.id}

    def blacklist(enterprise):  # what the credit module will append
        return "red" if enterprise.id in blacklisted else None

    monkeypatch.setattr(codes, "COLOR_SIGNALS", [*codes.COLOR_SIGNALS, blacklist])
    assert codes.refresh_safety_code_color(ent.id) == "red"
    assert codes.refresh_safety_code_color(ent2.id) == "green"
    # A yellow signal does not lower a red from the hazards.
    monkeypatch.setattr(codes, "COLOR_SIGNALS", [lambda enterprise: "yellow"])
    make_hazard(
        "rectifying", enterprise=ent2, grade="major", due_on=today_in_shanghai() - timedelta(days=1)
    )
    assert codes.refresh_safety_code_color(ent2.id) == "red"
    assert codes.refresh_safety_code_color(ent.id) == "yellow"
    # A signal must answer a colour it knows.
    monkeypatch.setattr(codes, "COLOR_SIGNALS", [lambda enterprise: "purple"])
    with pytest.raises(ValueError, match="purple"):
        codes.refresh_safety_code_color(ent.id)


def test_hazard_service_and_overdue_job_keep_the_colour_current(client, session, world):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]
    reported = client.post(
        "/api/v1/hazards",
        json={
            "enterprise_id": ent.id,
            "title": "液氨储罐区未设置泄漏报警",
            "grade": "major",
            "due_on": (today_in_shanghai() + timedelta(days=10)).isoformat(),
        },
        headers=headers["inspector"],
    )
    assert reported.status_code == 201, reported.json
    hazard_id = reported.json["id"]
    assert color_of(session, ent) == "yellow"
    flags = act(client, headers["supervisor"], hazard_id, "set_flags", stop_work_order=True)
    assert flags.status_code == 200, flags.json
    assert color_of(session, ent) == "red"
    act(client, headers["supervisor"], hazard_id, "set_flags", stop_work_order=False)
    assert color_of(session, ent) == "yellow"
    started = act(client, headers["manager"], hazard_id, "start_rectification", plan=FULL_PLAN)
    assert started.status_code == 200, started.json
    submitted = act(client, headers["manager"], hazard_id, "submit", photos=[], note="x")
    assert submitted.status_code == 422  # after-photos required: nothing changed
    assert color_of(session, ent) == "yellow"


def test_mark_overdue_job_turns_codes_yellow_when_deadlines_pass(session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    due = today_in_shanghai() + timedelta(days=2)
    make_hazard("rectifying", due_on=due)
    assert codes.refresh_safety_code_color(ent.id) == "green"
    session.commit()
    three_days_later = datetime.now(UTC) + timedelta(days=3)
    deadlines.mark_overdue(three_days_later)
    assert color_of(session, ent) == "yellow"
    # An enterprise stored green although its hazards say otherwise is put right too.
    ent2 = world["enterprises"]["ent2"]
    make_hazard("reported", enterprise=ent2, grade="major")
    session.execute(
        update(Enterprise).where(Enterprise.id == ent2.id).values(safety_code_color="green")
    )
    session.commit()
    deadlines.mark_overdue(datetime.now(UTC))
    assert color_of(session, ent2) == "yellow"


def test_a_new_colour_reaches_devices_as_an_updated_enterprise(client, session, world):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]["inspector"]
    first = client.get("/api/v1/sync?schema_version=1", headers=headers).json
    (record,) = [e for e in first["changes"]["enterprises"]["created"] if e["id"] == str(ent.id)]
    assert record["safety_code_color"] == "green"
    client.post(
        "/api/v1/hazards",
        json={
            "enterprise_id": ent.id,
            "title": "重大事故隐患",
            "grade": "major",
            "due_on": (today_in_shanghai() + timedelta(days=10)).isoformat(),
        },
        headers=headers,
    )
    later = client.get(
        f"/api/v1/sync?schema_version=1&last_pulled_at={first['timestamp']}", headers=headers
    ).json
    updated = {e["id"]: e for e in later["changes"]["enterprises"]["updated"]}
    assert updated[str(ent.id)]["safety_code_color"] == "yellow"
    assert later["changes"]["enterprises"]["created"] == []
    # Nothing changes colour: the enterprise is not sent again.
    again = client.get(
        f"/api/v1/sync?schema_version=1&last_pulled_at={later['timestamp']}", headers=headers
    ).json
    assert again["changes"]["enterprises"]["updated"] == []


# --- scanning in the app --------------------------------------------------------------------


def _finished_inspection(session, enterprise, inspector, days_ago=1):
    version = session.scalars(select(ChecklistVersion).order_by(ChecklistVersion.id)).first()
    inspection = Inspection(
        id=f"insp-{enterprise.id}-{days_ago}",
        enterprise_id=enterprise.id,
        checklist_version_id=version.id,
        kind="supervision",
        status="finished",
        inspector_id=inspector.id,
        finished_received_at=datetime.now(UTC) - timedelta(days=days_ago),
        score=88.0,
    )
    session.add(inspection)
    session.commit()
    return inspection


def test_scan_gives_the_context_and_records_the_visit(client, session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    inspector = world["users"]["inspector"]
    headers = world["headers"]["inspector"]
    hazard = make_hazard("rectifying", grade="major")
    make_hazard("closed", title="已销号的隐患")
    _finished_inspection(session, ent, inspector, days_ago=5)
    latest = _finished_inspection(session, ent, inspector, days_ago=1)
    token = codes.current_code(ent).token
    session.commit()
    response = client.get(
        f"/api/v1/scan/{token}?latitude=31.78&longitude=119.95"
        "&device_time=2000-01-01T08:00:00%2B08:00",
        headers=headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["enterprise"]["id"] == ent.id and body["enterprise"]["name"] == ent.name
    assert body["safety_code_color"] == body["enterprise"]["safety_code_color"] == "yellow"
    assert body["checklists"] and all("item_count" in c for c in body["checklists"])
    assert [h["id"] for h in body["open_hazards"]] == [hazard.id]
    assert body["last_inspection"]["id"] == latest.id
    assert body["due_inspection_plan"] is None
    scan = body["scan"]
    assert scan["latitude"] == 31.78 and scan["longitude"] == 119.95
    assert datetime.fromisoformat(scan["device_time"]) == datetime(2000, 1, 1, tzinfo=UTC)
    record = session.get(ScanRecord, scan["id"])
    assert (record.user_id, record.enterprise_id) == (inspector.id, ent.id)
    assert record.scanned_at > datetime.now(UTC) - timedelta(minutes=1)  # the server's time
    # The same in a JSON body.
    posted = client.post(f"/api/v1/scan/{token}", json={"latitude": 31.0}, headers=headers)
    assert posted.status_code == 200 and posted.json["scan"]["latitude"] == 31.0


def test_scan_outside_the_scope_or_of_an_unknown_code_is_404_and_not_recorded(
    client, session, world
):
    ent = world["enterprises"]["ent"]
    token = codes.current_code(ent).token
    session.commit()
    for who in ("other_inspector", "other_manager", "manager2"):
        response = client.get(f"/api/v1/scan/{token}", headers=world["headers"][who])
        assert response.status_code == 404, who
        assert response.mimetype == PROBLEM_MIME
    unknown = client.get("/api/v1/scan/not-a-real-token", headers=world["headers"]["inspector"])
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/scan/{token}").status_code == 401
    assert session.scalar(select(func.count()).select_from(ScanRecord)) == 0


def test_scan_validates_the_device_position(client, session, world):
    token = codes.current_code(world["enterprises"]["ent"]).token
    session.commit()
    response = client.get(
        f"/api/v1/scan/{token}?latitude=91", headers=world["headers"]["inspector"]
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "latitude"


def test_the_scan_shows_the_due_inspection_plan_to_officials_only(client, session, world):
    from backend.models import InspectionPlan

    ent = world["enterprises"]["ent"]
    token = codes.current_code(ent).token
    session.add(
        InspectionPlan(
            id="plan-1",
            enterprise_id=ent.id,
            jurisdiction_id=ent.jurisdiction_id,
            checklist_code="wuluoshi",
            class_code="general",
            basis_on=date(2026, 6, 1),
            due_on=date(2026, 12, 1),
        )
    )
    session.commit()
    body = client.get(f"/api/v1/scan/{token}", headers=world["headers"]["inspector"]).json
    assert body["due_inspection_plan"] == {
        "id": "plan-1",
        "enterprise_id": ent.id,
        "checklist_code": "wuluoshi",
        "due_on": "2026-12-01",
    }
    # Visits are unannounced: the enterprise's own people never see the plan.
    own = client.get(f"/api/v1/scan/{token}", headers=world["headers"]["manager"]).json
    assert own["due_inspection_plan"] is None


def test_scans_are_listed_for_officials_newest_first(client, session, world):
    ent = world["enterprises"]["ent"]
    token = codes.current_code(ent).token
    session.commit()
    for who in ("inspector", "supervisor"):
        assert client.get(f"/api/v1/scan/{token}", headers=world["headers"][who]).status_code == 200
    url = f"/api/v1/enterprises/{ent.id}/scans"
    listed = client.get(url + "?page_size=1", headers=world["headers"]["supervisor"])
    assert listed.status_code == 200
    assert [s["user_id"] for s in listed.json] == [world["users"]["supervisor"].id]
    assert '"total": 2' in listed.headers["X-Pagination"]
    assert client.get(url, headers=world["headers"]["manager"]).status_code == 403
    assert client.get(url, headers=world["headers"]["other_supervisor"]).status_code == 404


# --- printing a jurisdiction's posters ------------------------------------------------------


def test_posters_cli_prints_a_jurisdiction_subtree(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["seed-demo"]).exit_code == 0
    engine = create_engine(url)
    with Session(engine) as db_session:
        from backend.models import Jurisdiction

        street = db_session.scalar(select(Jurisdiction).where(Jurisdiction.code == "DEMO-S1"))
        street_id = street.id
        in_street = db_session.scalar(
            select(func.count())
            .select_from(Enterprise)
            .join(Jurisdiction)
            .where(Jurisdiction.path.startswith(street.path))
        )
    out = tmp_path / "posters"
    result = runner.invoke(
        main, ["posters", "--jurisdiction-id", str(street_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.pdf"))
    assert len(files) == in_street == 6
    assert all(path.read_bytes().startswith(b"%PDF") for path in files)
    with Session(engine) as db_session:
        assert db_session.scalar(select(func.count()).select_from(SafetyCode)) == 6
    # Printing again reuses the codes.
    assert (
        runner.invoke(
            main, ["posters", "--jurisdiction-id", str(street_id), "--out", str(out)]
        ).exit_code
        == 0
    )
    with Session(engine) as db_session:
        assert db_session.scalar(select(func.count()).select_from(SafetyCode)) == 6
    missing = runner.invoke(main, ["posters", "--jurisdiction-id", "999", "--out", str(out)])
    assert missing.exit_code != 0 and "not found" in missing.output
    engine.dispose()
