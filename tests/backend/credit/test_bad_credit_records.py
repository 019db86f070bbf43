"""Bad credit records (不良信用记录): supervisors' records with evidence, terms and expiry,
revocation, scopes, and the safety-code colour signal. The procedure and the system's
candidates: test_credit_procedure.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core.problems import PROBLEM_MIME
from backend.credit import blacklist
from backend.credit import records as credit
from backend.models import BadCreditRecord, Photo

DUE = date(2026, 3, 1)
DAY_AFTER = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 2026-03-02 01:00 in Shanghai
SHA_A, SHA_B = "a" * 64, "b" * 64


def _records(session, *where):
    return session.scalars(select(BadCreditRecord).where(*where)).all()


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
        "proposed",  # 采集: in force only after review, notice, objection and decision
        False,
    )
    assert body["starts_on"] is None and body["ends_on"] is None
    assert body["evidence"] == {"text": "现场检查笔录 2026-015", "photos": [SHA_A, SHA_B]}
    assert body["created_by_id"] == world["users"]["supervisor"].id
    assert body["trigger_label"].startswith("拒不执行安全监管监察指令")
    photos = session.scalars(select(Photo).where(Photo.owner_id == body["id"])).all()
    assert {p.owner_table for p in photos} == {"bad_credit_records"}
    # The enterprise sees its own record once told (告知), with the evidence; others never.
    hidden = client.get(f"/api/v1/credit-records/{body['id']}", headers=headers["manager"])
    assert hidden.status_code == 404
    reviewed = client.post(
        f"/api/v1/credit-records/{body['id']}/actions",
        json={"action": "review"},
        headers=headers["street_supervisor"],
    )
    assert reviewed.status_code == 200, reviewed.json
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


# Labels that are not one passage of a seed, and why.
NOT_ONE_PASSAGE = {
    # 方案5 二(二)五 / seed 002 is one item the system splits by what it can see.
    "hazard_overdue": "期限内未完成治理整改",
    "major_hazard_overdue": "期限内未完成治理整改",
    # 方案5 L185's "超载超限超时运输?shù)确欠ㄟ`法行为" is encoding damage of 等非法违法行为.
    "unlicensed": "超载超限超时运输",
}


def test_every_trigger_label_keeps_the_seeds_wording():
    """The labels quote the seeds (re-cleaned text, 「(含)」 and all): 方案5 二(二)/(三)
    (S000:L168–L187) and 蓝山县 三(二)/(三) (seed 002 L12, L14)."""
    from pathlib import Path

    from backend.models import BAD_RECORD_TRIGGERS, BLACKLIST_TRIGGERS, FATAL_ACCIDENT_WORDING

    seeds = Path(__file__).resolve().parents[4] / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("../shared/seeds not beside the checkout")
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt")))
    text = text.replace(",", "，").replace(";", "；")
    labels = {
        **{f"record:{code}": label for code, label in BAD_RECORD_TRIGGERS.items()},
        **{f"blacklist:{code}": label for code, label in BLACKLIST_TRIGGERS.items()},
        **{f"fatal:{level}": label for level, label in FATAL_ACCIDENT_WORDING.items()},
    }
    for key, label in labels.items():
        code = key.split(":")[1]
        expected = NOT_ONE_PASSAGE.get(code, label)
        assert expected in text, (key, label)
