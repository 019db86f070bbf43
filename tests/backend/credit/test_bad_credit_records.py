"""Bad credit records (不良信用记录): the system's triggers (idempotent), supervisors' records
with evidence, terms and expiry, revocation, scopes, and the safety-code colour signal."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core.problems import PROBLEM_MIME
from backend.credit import blacklist
from backend.credit import records as credit
from backend.hazards.services import apply_action
from backend.jobs import deadlines
from backend.models import BadCreditRecord, Notification, Photo

DUE = date(2026, 3, 1)
DAY_AFTER = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 2026-03-02 01:00 in Shanghai
SHA_A, SHA_B = "a" * 64, "b" * 64


def _records(session, *where):
    return session.scalars(select(BadCreditRecord).where(*where)).all()


def test_a_hazard_not_rectified_by_its_deadline_becomes_a_bad_record_once(
    world, make_hazard, session
):
    hazard = make_hazard("rectifying", due_on=DUE)
    assert deadlines.escalate_overdue(DAY_AFTER - timedelta(hours=2))["bad_credit_records"] == 0
    assert deadlines.escalate_overdue(DAY_AFTER)["bad_credit_records"] == 1
    (record,) = _records(session)
    assert (record.enterprise_id, record.trigger, record.source) == (
        hazard.enterprise_id,
        "hazard_overdue",
        "system",
    )
    assert record.hazard_id == hazard.id and record.created_by_id is None
    assert (record.starts_on, record.ends_on, record.status) == (
        date(2026, 3, 2),
        date(2027, 3, 2),
        "active",
    )
    assert hazard.title in record.description and str(DUE) in record.description
    # Reruns, later days and a new deadline missed again make no second record.
    assert deadlines.escalate_overdue(DAY_AFTER + timedelta(hours=1))["bad_credit_records"] == 0
    assert deadlines.escalate_overdue(DAY_AFTER + timedelta(days=9))["bad_credit_records"] == 0
    hazard.due_on = date(2026, 3, 20)
    assert deadlines.escalate_overdue(datetime(2026, 3, 25, tzinfo=UTC))["bad_credit_records"] == 0
    assert len(_records(session)) == 1
    # The enterprise is told, each of its users once.
    notices = session.scalars(
        select(Notification).where(Notification.kind == "bad_credit_record")
    ).all()
    assert {n.recipient_id for n in notices} == {
        world["users"]["manager"].id,
        world["users"]["viewer"].id,
    }
    assert notices[0].payload["ends_on"] == "2027-03-02"


def test_a_major_hazard_overdue_has_its_own_trigger(world, make_hazard, session):
    hazard = make_hazard("reported", due_on=DUE, grade="major")
    deadlines.escalate_overdue(DAY_AFTER)
    deadlines.escalate_overdue(DAY_AFTER + timedelta(days=1))
    (record,) = _records(session)
    assert (record.trigger, record.hazard_id, record.source_key) == (
        "major_hazard_overdue",
        hazard.id,
        f"major_hazard_overdue:{hazard.id}",
    )


def test_submitted_and_closed_hazards_make_no_record(world, make_hazard, session):
    make_hazard("submitted", due_on=DUE)  # rectified in time; verification is ours to do
    make_hazard("closed", due_on=DUE)
    assert deadlines.escalate_overdue(DAY_AFTER)["bad_credit_records"] == 0
    assert _records(session) == []


def test_a_rejected_rectification_past_the_deadline_counts(world, make_hazard, session):
    hazard = make_hazard("submitted", due_on=DUE)
    deadlines.escalate_overdue(DAY_AFTER)
    apply_action(world["users"]["inspector"], hazard, "reject", note="整改不到位")
    assert deadlines.escalate_overdue(DAY_AFTER + timedelta(hours=1))["bad_credit_records"] == 1


def test_a_revoked_system_record_is_not_made_again(world, make_hazard, session):
    make_hazard("rectifying", due_on=DUE)
    deadlines.escalate_overdue(DAY_AFTER)
    (record,) = _records(session)
    credit.revoke_bad_record(world["users"]["supervisor"], record, "整改期限系登记错误")
    deadlines.escalate_overdue(DAY_AFTER + timedelta(days=1))
    assert [r.status for r in _records(session)] == ["revoked"]


def test_the_term_is_configurable(app, world, make_hazard, session, monkeypatch):
    monkeypatch.setitem(app.config, "CREDIT_RECORD_TERM_YEARS", 2)
    make_hazard("rectifying", due_on=DUE)
    deadlines.escalate_overdue(DAY_AFTER)
    assert _records(session)[0].ends_on == date(2028, 3, 2)


def _post(client, headers, **body):
    payload = {
        "enterprise_id": body.pop("enterprise_id"),
        "trigger": "enforcement_refused",
        "description": "拒不执行停产整改指令",
        "evidence": {"text": "2026年3月5日复查发现仍在生产，现场笔录编号 2026-015。"},
    }
    payload.update(body)
    return client.post("/api/v1/credit-records", json=payload, headers=headers)


def test_a_supervisor_records_a_bad_record_with_evidence(client, world, session):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]
    response = _post(
        client,
        headers["supervisor"],
        enterprise_id=ent.id,
        evidence={"text": "现场检查笔录 2026-015", "photos": [SHA_A, SHA_B]},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["trigger"], body["source"], body["status"], body["active"]) == (
        "enforcement_refused",
        "supervisor",
        "active",
        True,
    )
    assert body["evidence"] == {"text": "现场检查笔录 2026-015", "photos": [SHA_A, SHA_B]}
    assert body["created_by_id"] == world["users"]["supervisor"].id
    assert body["trigger_label"].startswith("拒不执行安全监管监察指令")
    photos = session.scalars(select(Photo).where(Photo.owner_id == body["id"])).all()
    assert {p.owner_table for p in photos} == {"bad_credit_records"}
    # The enterprise sees its own record, with the evidence; others do not see it at all.
    own = client.get(f"/api/v1/credit-records/{body['id']}", headers=headers["manager"])
    assert own.status_code == 200 and own.json["evidence"]["photos"] == [SHA_A, SHA_B]
    for who in ("other_manager", "manager2", "other_supervisor"):
        hidden = client.get(f"/api/v1/credit-records/{body['id']}", headers=headers[who])
        assert hidden.status_code == 404, who
        assert hidden.mimetype == PROBLEM_MIME
        listed = client.get("/api/v1/credit-records", headers=headers[who])
        assert listed.json == [], who


@pytest.mark.parametrize(
    ("who", "trigger", "evidence", "status", "field"),
    [
        ("inspector", "enforcement_refused", "笔录", 403, None),
        ("manager", "enforcement_refused", "笔录", 403, None),
        ("admin", "enforcement_refused", "笔录", 403, None),
        ("other_supervisor", "enforcement_refused", "笔录", 404, "enterprise_id"),
        ("supervisor", "hazard_overdue", "笔录", 422, "trigger"),
        ("supervisor", "major_hazard_overdue", "笔录", 422, "trigger"),
        ("supervisor", "no_such_trigger", "笔录", 422, "trigger"),
        ("supervisor", "enforcement_refused", "   ", 422, "evidence.text"),
    ],
)
def test_who_may_record_and_what_is_refused(
    client, world, session, who, trigger, evidence, status, field
):
    response = _post(
        client,
        world["headers"][who],
        enterprise_id=world["enterprises"]["ent"].id,
        trigger=trigger,
        evidence={"text": evidence},
    )
    assert response.status_code == status, response.json
    assert response.mimetype == PROBLEM_MIME
    if field:
        assert field in {error["field"] for error in response.json["errors"]}
    assert _records(session) == []


def test_list_filters_by_enterprise_and_active(client, world, session, make_record):
    ent, ent2 = world["enterprises"]["ent"], world["enterprises"]["ent2"]
    long_ago = datetime(2024, 1, 10, 4, 0, tzinfo=UTC)
    old = make_record(ent, trigger="illegal_production", now=long_ago)
    current = make_record(ent, trigger="accident_not_reported")
    other = make_record(ent2)
    session.commit()
    headers = world["headers"]["supervisor"]

    def ids(query):
        response = client.get(f"/api/v1/credit-records{query}", headers=headers)
        assert response.status_code == 200, response.json
        return [record["id"] for record in response.json]

    assert set(ids("")) == {old.id, current.id, other.id}
    assert set(ids(f"?enterprise_id={ent.id}")) == {old.id, current.id}
    assert set(ids("?active=true")) == {current.id, other.id}  # the 2024 term is over
    assert ids(f"?active=false&enterprise_id={ent.id}") == [old.id]
    assert ids("?trigger=other_serious") == [other.id]
    assert set(ids("?source=supervisor")) == {old.id, current.id, other.id}
    viewer = client.get("/api/v1/credit-records", headers=world["headers"]["viewer"])
    assert {record["id"] for record in viewer.json} == {old.id, current.id}


def test_revoking_needs_a_supervisor_a_reason_and_an_active_record(
    client, world, session, make_record
):
    record = make_record(world["enterprises"]["ent"], trigger="illegal_production", evidence="笔录")
    session.commit()
    url = f"/api/v1/credit-records/{record.id}/revoke"
    headers = world["headers"]
    assert client.post(url, json={"reason": "x"}, headers=headers["manager"]).status_code == 403
    assert (
        client.post(url, json={"reason": "x"}, headers=headers["other_supervisor"]).status_code
        == 404
    )
    assert client.post(url, json={"reason": ""}, headers=headers["supervisor"]).status_code == 422
    done = client.post(url, json={"reason": "事实认定有误"}, headers=headers["supervisor"])
    assert done.status_code == 200
    assert (done.json["status"], done.json["active"], done.json["revoke_reason"]) == (
        "revoked",
        False,
        "事实认定有误",
    )
    again = client.post(url, json={"reason": "再次撤销"}, headers=headers["supervisor"])
    assert again.status_code == 409 and again.json["current_state"] == "revoked"


def test_the_expiry_job_expires_records_after_their_last_day(world, session, make_record):
    record = make_record(
        world["enterprises"]["ent"],
        trigger="illegal_production",
        now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        evidence="笔录",
    )
    assert record.ends_on == date(2027, 3, 2)
    last_minute = datetime(2027, 3, 2, 15, 59, tzinfo=UTC)  # 23:59 on the last day
    assert blacklist.credit_terms(last_minute)["bad_records_expired"] == 0
    assert record.status == "active"
    next_day = datetime(2027, 3, 2, 16, 0, tzinfo=UTC)
    assert blacklist.credit_terms(next_day)["bad_records_expired"] == 1
    assert (record.status, record.expired_at) == ("expired", next_day)
    assert blacklist.credit_terms(next_day + timedelta(hours=1))["bad_records_expired"] == 0


def test_the_colour_signal_yellow_for_a_record_red_for_a_published_entry(
    world, session, make_entry, make_record
):
    ent2, ent = world["enterprises"]["ent2"], world["enterprises"]["ent"]
    assert credit.credit_colour_signal(ent2) is None
    record = make_record(ent2)
    assert credit.credit_colour_signal(ent2) == "yellow"
    assert ent2.safety_code_color == "yellow"  # refreshed at once (safety_code/services.py)
    credit.revoke_bad_record(world["users"]["supervisor"], record, "撤销")
    assert credit.credit_colour_signal(ent2) is None
    assert ent2.safety_code_color == "green"
    make_entry("confirmed")
    assert credit.credit_colour_signal(ent) is None  # decided, not yet published
    make_entry("published", enterprise=ent2)
    assert credit.credit_colour_signal(ent2) == "red"
    assert ent2.safety_code_color == "red"


def test_the_signal_is_registered_with_the_safety_code_module(app):
    from backend.safety_code import services as safety_code

    assert credit.credit_colour_signal in safety_code.COLOR_SIGNALS


def test_counts_used_by_the_classification(world, session, make_record):
    ent = world["enterprises"]["ent"]
    make_record(ent)
    today = datetime.now(UTC).date()
    assert credit.active_bad_record_counts(today + timedelta(days=1)) == {ent.id: 1}
    assert credit.active_bad_record_counts(today + timedelta(days=800)) == {}
    assert session.scalar(select(func.count()).select_from(BadCreditRecord)) == 1


def test_evidence_photos_are_seen_by_whoever_sees_the_record(client, world, session):
    from tests.backend.fixtures.media import jpeg, put_photo, sha256_of

    headers = world["headers"]
    record_photo, entry_photo = jpeg(), jpeg()
    for data in (record_photo, entry_photo):
        assert put_photo(client, headers["supervisor"], data).status_code == 201
    created = _post(
        client,
        headers["supervisor"],
        enterprise_id=world["enterprises"]["ent"].id,
        evidence={"text": "现场照片", "photos": [sha256_of(record_photo)]},
    )
    assert created.status_code == 201, created.json
    entry = blacklist.collect(
        world["users"]["supervisor"],
        enterprise_id=world["enterprises"]["ent"].id,
        trigger="serious_threat",
        reason="严重威胁安全生产",
        facts="现场照片",
        photos=[sha256_of(entry_photo)],
    )
    blacklist.apply_action(world["users"]["supervisor"], entry, "notify")
    for data in (record_photo, entry_photo):
        url = f"/api/v1/media/{sha256_of(data)}?variant=original"
        assert client.get(url, headers=headers["manager"]).status_code == 200
        assert client.get(url, headers=headers["street_supervisor"]).status_code == 200
        assert client.get(url, headers=headers["other_manager"]).status_code == 404
