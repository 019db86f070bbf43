"""Overdue means the enterprise's part is late ("期限内未完成治理整改", 方案5 L174). A hazard
rectified and submitted for verification before its deadline waits on the bureau (待核验): it is
not overdue in the API, on the public page, in the colour or in escalation, and the board
measures how long the bureau keeps it waiting."""

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from backend.core.timeutil import SHANGHAI, today_in_shanghai
from backend.jobs import deadlines
from backend.models import Notification
from backend.safety_code import services as codes
from tests.backend.fixtures.hazards import FULL_PLAN, SHA_A, act
from tests.backend.fixtures.sync import pull
from tests.backend.web.test_pages import log_in, text, token_of


def _submitted_then_late(client, session, world, make_hazard, *, grade="general"):
    """Rectified and submitted while in time; the deadline has passed since."""
    hazard = make_hazard("reported", grade=grade, due_in_days=2)
    manager = world["headers"]["manager"]
    assert act(client, manager, hazard, "file_plan", plan=FULL_PLAN).status_code == 200
    assert act(client, manager, hazard, "start_rectification").status_code == 200
    submitted = act(client, manager, hazard, "submit", note="已更换报警器", photos=[SHA_A])
    assert submitted.status_code == 200, submitted.json
    hazard.due_on = today_in_shanghai() - timedelta(days=3)
    session.commit()
    return hazard


def test_a_submitted_hazard_past_its_date_is_not_overdue(client, session, world, make_hazard):
    hazard = _submitted_then_late(client, session, world, make_hazard)
    supervisor = world["headers"]["supervisor"]
    one = client.get(f"/api/v1/hazards/{hazard.id}", headers=supervisor).json
    assert one["status"] == "submitted" and one["overdue"] is False
    listed = client.get("/api/v1/hazards?overdue=true", headers=supervisor).json
    assert hazard.id not in [row["id"] for row in listed]


def test_rejected_back_to_rectifying_it_is_overdue_again(client, session, world, make_hazard):
    hazard = _submitted_then_late(client, session, world, make_hazard)
    rejected = act(client, world["headers"]["inspector"], hazard, "reject", note="报警器未接线")
    assert rejected.status_code == 200, rejected.json
    one = client.get(f"/api/v1/hazards/{hazard.id}", headers=world["headers"]["supervisor"]).json
    assert one["status"] == "rectifying" and one["overdue"] is True


def test_public_page_shows_awaiting_verification_apart_and_stays_green(
    client, session, world, make_hazard
):
    ent = world["enterprises"]["ent"]
    _submitted_then_late(client, session, world, make_hazard)
    assert codes.refresh_safety_code_color(ent.id) == "green"
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert re.search(r'id="overdue-count">0<', page)
    assert re.search(r'id="awaiting-verification-count">1<', page)
    assert 'data-color="green"' in page


def test_a_submitted_major_hazard_past_its_date_is_not_red(client, session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    _submitted_then_late(client, session, world, make_hazard, grade="major")
    # Still an open major hazard (yellow), but not "重大事故隐患逾期未整改" (red).
    assert codes.refresh_safety_code_color(ent.id) == "yellow"


def test_escalation_leaves_a_submitted_hazard_alone(client, session, world, make_hazard):
    hazard = _submitted_then_late(client, session, world, make_hazard)
    summary = deadlines.escalate_overdue(datetime.now(SHANGHAI) + timedelta(days=10))
    assert summary["notified_enterprise"] == summary["escalated"] == 0
    kinds = session.scalars(
        select(Notification.kind).where(Notification.hazard_id == hazard.id)
    ).all()
    assert "hazard_overdue" not in kinds and "hazard_escalated" not in kinds
    assert deadlines.mark_overdue(datetime.now(SHANGHAI))["marked"] == 0


def test_the_board_measures_the_bureaus_verification_delay(client, session, world, make_hazard):
    hazard = _submitted_then_late(client, session, world, make_hazard)
    stats = client.get("/api/v1/hazards/stats", headers=world["headers"]["supervisor"]).json
    totals = stats["totals"]
    assert totals["overdue"] == 0 and totals["awaiting_verification"] == 1
    assert 0 <= totals["mean_days_awaiting_verification"] < 0.01
    assert totals["max_days_awaiting_verification"] == totals["mean_days_awaiting_verification"]
    later = datetime.now(SHANGHAI) + timedelta(days=4)
    from backend.hazards import reports

    waited = reports.hazard_stats(world["users"]["supervisor"], {}, now=later)["totals"]
    assert 3.99 < waited["mean_days_awaiting_verification"] < 4.01
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    assert re.search(r'id="awaiting-verification-total">1<', page)
    assert f'data-hazard-id="{hazard.id}"' not in page  # not in the overdue list
    assert hazard.title in page.split('id="queue"')[1]  # but waiting for us


def _pulled_enterprise(client, headers, enterprise_id):
    changes = pull(client, headers)["changes"]["enterprises"]
    (record,) = [
        r for r in changes["created"] + changes["updated"] if r["id"] == str(enterprise_id)
    ]
    return record


def test_a_device_pulls_the_same_colour(client, session, world, make_hazard, device):
    """Through sync too: the inspector's phone gets the enterprise green, the hazard 待核验."""
    hazard = _submitted_then_late(client, session, world, make_hazard)
    headers = device(world["users"]["inspector"], "phone-1")
    record = _pulled_enterprise(client, headers, world["enterprises"]["ent"].id)
    assert record["safety_code_color"] == "green"
    hazards = pull(client, headers)["changes"]["hazards"]
    (pulled,) = [h for h in hazards["created"] + hazards["updated"] if h["id"] == hazard.id]
    assert pulled["status"] == "submitted"
