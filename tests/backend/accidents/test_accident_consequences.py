"""An accident entered by a supervisor: its level, reporting data and investigating level come
from the facts; a responsible fatal accident proposes the seeds' credit candidate (once) and a
blacklist entry with the term its level gives — never an entry by itself."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from backend.core.problems import PROBLEM_MIME
from backend.models import BadCreditRecord, BlacklistEntry, Notification

OCCURRED_AT = "2026-03-02T09:30:00+08:00"


def _accident(**fields):
    return {
        "enterprise_id": fields.pop("enterprise_id"),
        "occurred_at": OCCURRED_AT,
        "place": "储罐区",
        "accident_type": "fire",
        **fields,
    }


@pytest.fixture
def record(client, world):
    def post(user="supervisor", enterprise="ent", **fields):
        enterprise_id = world["enterprises"][enterprise].id
        return client.post(
            "/api/v1/accidents",
            json=_accident(enterprise_id=enterprise_id, **fields),
            headers=world["headers"][user],
        )

    return post


def _candidates(session, accident_id):
    return session.scalars(
        select(BadCreditRecord).where(BadCreditRecord.accident_id == accident_id)
    ).all()


def test_ten_deaths_make_a_major_accident_with_its_candidate_and_a_two_year_proposal(
    client, world, session, record
):
    response = record(deaths=10, responsible=True)
    assert response.status_code == 201, response.json
    accident = response.json
    assert accident["level"] == "major" and accident["level_label"] == "重大事故"
    assert accident["report_due_at"] == "2026-03-02T02:30:00+00:00"  # + 1 hour (第九条)
    assert accident["reported_up_to"] == "state_council"  # 第十条
    assert accident["handled_by_level"] == "provincial"  # 第十九条
    assert accident["blacklist_proposal"] == {
        "trigger": "fatal_accident",
        "trigger_label": "一年内发生死亡的生产安全责任事故",
        "list_level": "county",
        "list_level_label": "县级",
        "term_years": 2,
    }
    # The candidate goes through the procedure: proposed, for a supervisor to review.
    records = client.get(
        "/api/v1/credit-records?trigger=fatal_accident", headers=world["headers"]["supervisor"]
    ).json
    assert len(records) == 1
    (candidate,) = records
    assert candidate["status"] == "proposed" and candidate["source"] == "system"
    assert candidate["accident_id"] == accident["id"]
    assert candidate["management_level"] == "national"  # 较大(含)以上 (方案5 L178)
    assert candidate["management_level_label"] == "国家级"
    # Nothing on the blacklist by itself; the supervisors over the enterprise are told.
    assert session.scalar(select(func.count()).select_from(BlacklistEntry)) == 0
    kinds = set(
        session.scalars(
            select(Notification.kind).where(
                Notification.recipient_id == world["users"]["supervisor"].id
            )
        )
    )
    assert {"credit_candidate", "blacklist_proposal"} <= kinds


def test_three_deaths_make_a_larger_accident_with_a_one_year_proposal(record):
    accident = record(deaths=3, responsible=True).json
    assert accident["level"] == "larger"
    assert accident["reported_up_to"] == "provincial"
    assert accident["handled_by_level"] == "city"
    assert accident["blacklist_proposal"]["term_years"] == 1


def test_editing_a_responsible_accident_proposes_its_candidate_once(client, world, session, record):
    accident = record(deaths=10, responsible=True).json
    url = f"/api/v1/accidents/{accident['id']}"
    headers = world["headers"]["supervisor"]
    for change in (
        {"investigation_status": "investigating"},
        {"investigation_report": "调查报告：储罐区动火作业未办理审批。"},
        {"deaths": 11},
    ):
        assert client.patch(url, json=change, headers=headers).status_code == 200
    assert len(_candidates(session, accident["id"])) == 1


def test_a_finding_made_later_proposes_the_candidate_then(client, world, session, record):
    accident = record(deaths=1).json  # responsibility not yet found
    assert accident["responsible"] is None and accident["blacklist_proposal"] is None
    assert _candidates(session, accident["id"]) == []
    url = f"/api/v1/accidents/{accident['id']}"
    headers = world["headers"]["supervisor"]
    found = client.patch(url, json={"responsible": True}, headers=headers)
    assert found.status_code == 200
    assert found.json["blacklist_proposal"]["term_years"] == 1
    (candidate,) = _candidates(session, accident["id"])
    assert candidate.management_level == "city"  # 一般责任事故 (方案5 L178)
    client.patch(url, json={"responsible": True, "deaths": 2}, headers=headers)
    (candidate,) = _candidates(session, accident["id"])
    assert candidate.management_level == "province"  # 死亡2人(含)以上, while undecided


@pytest.mark.parametrize("responsible", [False, None])
def test_an_accident_not_found_responsible_proposes_nothing(session, record, responsible):
    accident = record(deaths=12, responsible=responsible).json
    assert accident["level"] == "major"
    assert accident["blacklist_proposal"] is None
    assert _candidates(session, accident["id"]) == []


def test_a_responsible_accident_without_deaths_proposes_nothing(session, record):
    accident = record(serious_injuries=60, responsible=True).json
    assert accident["level"] == "major"
    assert accident["blacklist_proposal"] is None
    assert _candidates(session, accident["id"]) == []


def test_the_city_list_needs_two_deaths_in_one_accident_or_in_the_year(app, monkeypatch, record):
    monkeypatch.setitem(app.config, "BLACKLIST_LIST_LEVEL", "city")
    one = record(deaths=1, responsible=True).json
    assert one["blacklist_proposal"] is None  # the city list's 死亡2人(含)以上 (S000:L187)
    two = record(deaths=2, responsible=True, enterprise="ent2").json
    assert two["blacklist_proposal"]["list_level"] == "city"
    assert two["blacklist_proposal"]["trigger_label"].startswith("一年内发生死亡2人(含)以上")
    # 累计: a second fatal responsible accident of `ent` within the year reaches two deaths.
    again = record(deaths=1, responsible=True, occurred_at="2026-09-01T10:00:00+08:00").json
    assert again["blacklist_proposal"]["list_level"] == "city"


def test_a_supervisor_collects_the_entry_with_the_accident_level_and_term_from_the_accident(
    client, world, record
):
    accident = record(deaths=10, responsible=True).json
    headers = world["headers"]["supervisor"]
    body = {
        "enterprise_id": world["enterprises"]["ent"].id,
        "trigger": "fatal_accident",
        "reason": "发生重大生产安全责任事故",
        "facts": "事故调查报告认定为责任事故。",
        "accident_id": accident["id"],
    }
    retyped = client.post(
        "/api/v1/blacklist-entries", json={**body, "accident_level": "none"}, headers=headers
    )
    assert retyped.status_code == 422
    assert retyped.json["errors"][0]["field"] == "accident_level"
    other = client.post(
        "/api/v1/blacklist-entries",
        json={**body, "enterprise_id": world["enterprises"]["ent2"].id},
        headers=headers,
    )
    assert other.status_code == 422 and other.json["errors"][0]["field"] == "accident_id"
    entry = client.post("/api/v1/blacklist-entries", json=body, headers=headers)
    assert entry.status_code == 201, entry.json
    assert entry.json["accident_id"] == accident["id"]
    assert entry.json["accident_level"] == "major" and entry.json["term_years"] == 2
    assert entry.json["state"] == "collected"


def test_an_accident_out_of_scope_cannot_back_an_entry(client, world, record):
    accident = record(deaths=3, responsible=True).json
    response = client.post(
        "/api/v1/blacklist-entries",
        json={
            "enterprise_id": world["enterprises"]["far"].id,
            "trigger": "fatal_accident",
            "reason": "发生较大生产安全责任事故",
            "facts": "事故调查报告。",
            "accident_id": accident["id"],
        },
        headers=world["headers"]["other_supervisor"],
    )
    assert response.status_code == 404 and response.json["errors"][0]["field"] == "accident_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deaths": -1}, "deaths"),
        ({"serious_injuries": "3"}, "serious_injuries"),
        ({"direct_economic_loss_fen": 12.5}, "direct_economic_loss_fen"),
        ({"direct_economic_loss_fen": "1000.00"}, "direct_economic_loss_fen"),
        ({"occurred_at": "2026-03-02T09:30:00"}, "occurred_at"),
        ({"accident_type": "meteor"}, "accident_type"),
        ({"investigation_status": "done"}, "investigation_status"),
        ({"place": ""}, "place"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, world, record, change, field):
    created = record(**change)
    assert created.status_code == 422
    assert created.mimetype == PROBLEM_MIME
    assert field in str(created.json["errors"])
    accident = record().json
    patched = client.patch(
        f"/api/v1/accidents/{accident['id']}", json=change, headers=world["headers"]["supervisor"]
    )
    assert patched.status_code == 422 and field in str(patched.json["errors"])


def test_the_enterprise_never_changes_and_the_loss_shows_in_yuan(client, world, record):
    accident = record(direct_economic_loss_fen=123456).json
    assert accident["direct_economic_loss_yuan"] == "1234.56"
    moved = client.patch(
        f"/api/v1/accidents/{accident['id']}",
        json={"enterprise_id": world["enterprises"]["ent2"].id},
        headers=world["headers"]["supervisor"],
    )
    assert moved.status_code == 422


def test_the_service_refuses_what_the_schema_would(session, world):
    from backend.accidents import services
    from backend.core.errors import Invalid

    with pytest.raises(Invalid) as error:
        services.record_accident(
            world["users"]["supervisor"],
            enterprise_id=world["enterprises"]["ent"].id,
            occurred_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            place="车间",
            accident_type="machinery",
            deaths=True,
        )
    assert error.value.field == "deaths"
