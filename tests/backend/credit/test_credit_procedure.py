"""The procedure a bad credit record goes through — 采集、审核、告知、异议处理 (方案2 L79,
S000:L79; 异议 "谁提供、谁负责" L85) — and the candidates the system proposes: a supervision
inspection that finds a major hazard (方案5 二(二)三, S000:L172) and a major hazard not rectified
by its deadline (方案5 二(二)五, S000:L174). Nothing becomes a record by itself; the enterprise's
own findings are never candidates (方案4 L143 rewards self-reporting)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from backend.credit import records as credit
from backend.hazards.services import apply_action as hazard_action
from backend.jobs import deadlines
from backend.models import BadCreditRecord, Hazard, Notification
from tests.backend.fixtures.credit import finish_inspection
from tests.backend.fixtures.hazards import SHA_A

DUE = date(2026, 3, 1)
DAY_AFTER = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 2026-03-02 01:00 in Shanghai


def _candidates(session, trigger=None):
    stmt = select(BadCreditRecord).order_by(BadCreditRecord.created_at)
    if trigger:
        stmt = stmt.where(BadCreditRecord.trigger == trigger)
    return session.scalars(stmt).all()


def _kinds(session, kind):
    return session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_an_overdue_major_hazard_is_proposed_once_and_is_no_record_yet(
    client, world, make_hazard, session
):
    hazard = make_hazard("rectifying", grade="major", due_on=DUE)
    assert deadlines.escalate_overdue(DAY_AFTER - timedelta(hours=2))["credit_candidates"] == 0
    assert deadlines.escalate_overdue(DAY_AFTER)["credit_candidates"] == 1
    assert deadlines.escalate_overdue(DAY_AFTER + timedelta(days=3))["credit_candidates"] == 0
    (candidate,) = _candidates(session, "major_hazard_overdue")
    assert (candidate.status, candidate.source, candidate.hazard_id) == (
        "proposed",
        "system",
        hazard.id,
    )
    assert candidate.starts_on is None and candidate.ends_on is None
    assert "状态：整改中" in candidate.evidence_text  # Chinese, never the status code
    ent = world["enterprises"]["ent"]
    assert credit.active_bad_record_counts(date(2026, 3, 2)) == {}
    assert credit.credit_colour_signal(ent) is None
    # The supervisors over the enterprise are asked to review; the enterprise is told nothing yet.
    asked = {n.recipient_id for n in _kinds(session, "credit_candidate")}
    assert asked == {world["users"]["supervisor"].id, world["users"]["street_supervisor"].id}
    assert _kinds(session, "credit_notice") == [] and _kinds(session, "bad_credit_record") == []
    listed = client.get("/api/v1/credit-records", headers=world["headers"]["manager"])
    assert listed.status_code == 200 and listed.json == []


def test_general_overdue_hazards_are_never_candidates(world, make_hazard, session):
    make_hazard("rectifying", due_on=DUE)
    make_hazard("reported", due_on=DUE)
    assert deadlines.escalate_overdue(DAY_AFTER)["credit_candidates"] == 0
    assert _candidates(session) == []


def test_submitted_or_waiting_on_an_extension_is_not_proposed(world, make_hazard, session):
    make_hazard("submitted", grade="major", due_on=DUE)
    waiting = make_hazard("rectifying", grade="major", due_on=DUE)
    waiting.extension_requested_due_on = date(2026, 4, 1)
    session.commit()
    deadlines.escalate_overdue(DAY_AFTER)
    assert _candidates(session, "major_hazard_overdue") == []
    # The extension denied, the hazard still late: now it is proposed.
    hazard_action(world["users"]["supervisor"], waiting, "deny_extension", note="理由不充分")
    assert deadlines.escalate_overdue(DAY_AFTER + timedelta(hours=1))["credit_candidates"] == 1


def test_a_major_hazard_an_official_reports_is_a_found_candidate(world, make_hazard, session):
    """执法检查发现存在重大安全生产隐患 (S000:L172)."""
    hazard = make_hazard("reported", grade="major")
    make_hazard("reported", grade="general")
    (candidate,) = _candidates(session)
    assert (candidate.trigger, candidate.status, candidate.hazard_id) == (
        "major_hazard_found",
        "proposed",
        hazard.id,
    )


def test_self_inspection_findings_are_never_candidates(world, session):
    ent, manager = world["enterprises"]["ent"], world["users"]["manager"]
    finish_inspection(manager, ent, session, code="duty31", kind="self_inspection", fail_major=1)
    (hazard,) = session.scalars(select(Hazard).where(Hazard.enterprise_id == ent.id)).all()
    assert hazard.grade == "major" and _candidates(session) == []
    hazard.due_on = DUE
    session.commit()
    deadlines.escalate_overdue(DAY_AFTER)
    assert _candidates(session) == []


def test_a_supervision_inspection_finding_a_major_hazard_is_one_candidate(world, session):
    ent, inspector = world["enterprises"]["ent"], world["users"]["inspector"]
    inspection = finish_inspection(inspector, ent, session, code="duty31", fail_major=2)
    (candidate,) = _candidates(session)
    assert (candidate.trigger, candidate.inspection_id) == ("major_hazard_found", inspection.id)


def _act(client, headers, record, action, **body):
    return client.post(
        f"/api/v1/credit-records/{record.id}/actions",
        json={"action": action, **body},
        headers=headers,
    )


def test_review_notice_objection_decision(client, app, world, session, make_record):
    headers = world["headers"]
    record = make_record(state="proposed", trigger="enforcement_refused")
    session.commit()
    # 审核 by another supervisor than the collector (local policy, on by default).
    same = _act(client, headers["supervisor"], record, "review")
    assert same.status_code == 403, same.json
    for who in ("inspector", "manager", "admin"):
        assert _act(client, headers[who], record, "review").status_code in (403, 404), who
    assert _act(client, headers["other_supervisor"], record, "review").status_code == 404
    reviewed = _act(client, headers["street_supervisor"], record, "review")
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["status"] == "notified" and reviewed.json["objection_due_on"]
    told = _kinds(session, "credit_notice")
    assert {n.recipient_id for n in told} == {
        world["users"]["manager"].id,
        world["users"]["viewer"].id,
    }
    # Deciding before the objection period is over, with no objection: refused.
    early = _act(client, headers["supervisor"], record, "decide")
    assert early.status_code == 409 and "objection_due_on" in early.json
    # The enterprise objects with its evidence (谁提供、谁负责); a viewer may not.
    assert _act(client, headers["viewer"], record, "object", note="异议").status_code == 403
    assert _act(client, headers["manager"], record, "object").status_code == 422
    objected = _act(
        client, headers["manager"], record, "object", note="已按期停产，附照片", photos=[SHA_A]
    )
    assert objected.status_code == 200 and objected.json["status"] == "objected"
    assert objected.json["objection_text"] == "已按期停产，附照片"
    # The decision answers the objection.
    assert _act(client, headers["supervisor"], record, "decide").status_code == 422
    decided = _act(client, headers["supervisor"], record, "decide", note="复查时仍在生产")
    assert decided.status_code == 200, decided.json
    body = decided.json
    assert body["status"] == "active" and body["active"] is True
    assert body["starts_on"] == body["decided_on"] and body["ends_on"]
    assert world["enterprises"]["ent"].safety_code_color == "yellow"
    history = client.get(f"/api/v1/credit-records/{record.id}/history", headers=headers["manager"])
    assert [step["action"] for step in history.json] == ["collect", "review", "object", "decide"]
    assert history.json[2]["photos"] == [SHA_A]


def test_without_objection_the_decision_waits_for_the_period(
    client, app, world, session, make_record
):
    record = make_record(state="notified")
    after = datetime.combine(record.objection_due_on + timedelta(days=1), datetime.min.time())
    done = credit.apply_action(
        world["users"]["supervisor"], record, "decide", now=after.replace(tzinfo=UTC)
    )
    assert done.status == "active" and done.starts_on == record.objection_due_on + timedelta(1)


def test_a_dismissal_tells_the_enterprise_and_is_never_proposed_again(
    client, world, make_hazard, session
):
    hazard = make_hazard("rectifying", grade="major", due_on=DUE)
    deadlines.escalate_overdue(DAY_AFTER)
    candidate = _candidates(session, "major_hazard_overdue")[0]
    supervisor = world["users"]["supervisor"]
    credit.apply_action(supervisor, candidate, "review")
    session.commit()
    refused = _act(client, world["headers"]["supervisor"], candidate, "dismiss")
    assert refused.status_code == 422
    credit.apply_action(supervisor, candidate, "dismiss", note="企业已提交延期申请材料")
    assert candidate.status == "dismissed"
    assert len(_kinds(session, "credit_dismissed")) == 2  # manager and viewer
    deadlines.escalate_overdue(DAY_AFTER + timedelta(days=5))
    assert len(_candidates(session, "major_hazard_overdue")) == 1
    assert hazard.status == "rectifying"


def test_the_term_is_configurable(app, world, session, make_record, monkeypatch):
    monkeypatch.setitem(app.config, "CREDIT_RECORD_TERM_YEARS", 2)
    record = make_record(now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert (record.starts_on, record.ends_on) == (date(2026, 3, 2), date(2028, 3, 2))


def test_a_candidate_proposed_twice_at_once_is_made_once(world, make_hazard, session, monkeypatch):
    """Two requests both see no candidate and both insert: the unique source key refuses the
    second, which counts the first instead of failing its whole request."""
    hazard = make_hazard("reported", grade="major")  # an official's report proposes it once
    with monkeypatch.context() as patch:
        patch.setattr(session, "scalar", lambda *args, **kwargs: None)  # the race: not seen
        assert credit.propose_major_hazard_found(hazard) == 0
    session.commit()
    assert len(_candidates(session, "major_hazard_found")) == 1
