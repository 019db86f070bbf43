"""行政处罚决定书: recorded by a supervisor in scope, numbered per district and year; the party
is the enterprise (name, USCC, legal representative); penalty kinds of 行政处罚法 第九条; the
amount exact in fen."""

from datetime import date

import pytest
from sqlalchemy.exc import OperationalError

from backend.core.problems import PROBLEM_MIME

from .conftest import OFFICIALS

DECIDED_ON = "2026-03-02"


def body(enterprise, **fields):
    values = {
        "enterprise_id": enterprise.id,
        "facts": "未按规定对重大危险源进行监测监控",
        "legal_basis": "《中华人民共和国安全生产法》第一百零一条第三项",
        "penalty_types": ["fine", "warning"],
        "amount_yuan": "20000.50",
        "decided_on": DECIDED_ON,
        "official_names": OFFICIALS,
    }
    values.update(fields)
    return values


def test_a_supervisor_records_a_numbered_decision(client, world):
    ent = world["enterprises"]["ent"]
    response = client.post(
        "/api/v1/enforcement/penalty-decisions",
        json=body(ent),
        headers=world["headers"]["supervisor"],
    )
    assert response.status_code == 201, response.json
    decision = response.json
    assert decision["number"] == "（D应急）罚〔2026〕1号"
    assert (decision["party_name"], decision["party_uscc"]) == (ent.name, ent.uscc)
    assert decision["party_legal_representative"] == "李四"  # the principal, by default
    assert decision["penalty_types"] == ["warning", "fine"]  # the law's order
    assert decision["penalty_labels"] == ["警告", "罚款"]
    assert (decision["amount_yuan"], decision["amount_fen"]) == ("20000.50", 2000050)
    assert decision["published_at"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"penalty_types": ["fine"], "amount_yuan": None}, "amount_yuan"),
        ({"penalty_types": ["warning"], "amount_yuan": "100.00"}, "amount_yuan"),
        ({"amount_yuan": "10.001"}, "amount_yuan"),
        ({"amount_yuan": 10.5}, "amount_yuan"),
        ({"penalty_types": ["administrative_detention"], "amount_yuan": None}, "penalty_types"),
        ({"penalty_types": ["beheading"]}, "penalty_types"),
        ({"penalty_types": []}, "penalty_types"),
        ({"decided_on": "2999-01-01"}, "decided_on"),
        ({"facts": "   "}, "facts"),
        ({"official_names": ["王执法"]}, "official_names"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, world, fields, field):
    response = client.post(
        "/api/v1/enforcement/penalty-decisions",
        json=body(world["enterprises"]["ent"], **fields),
        headers=world["headers"]["supervisor"],
    )
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM_MIME
    assert field in str(response.json["errors"])


def test_only_supervisors_in_scope_record(client, world):
    for role, status in {
        "inspector": 403,
        "admin": 403,
        "manager": 403,
        "other_supervisor": 404,
        "manager2": 404,
    }.items():
        response = client.post(
            "/api/v1/enforcement/penalty-decisions",
            json=body(world["enterprises"]["ent"]),
            headers=world["headers"][role],
        )
        assert response.status_code == status, role


def test_enterprises_never_see_anothers_decisions(client, world, make_decision):
    mine = make_decision("ent")
    theirs = make_decision("far", user="other_supervisor")
    for role, expected in {
        "manager": {mine.id},
        "manager2": set(),
        "other_manager": {theirs.id},
        "supervisor": {mine.id},
        "global_admin": {mine.id, theirs.id},
    }.items():
        headers = world["headers"][role]
        listed = client.get("/api/v1/enforcement/penalty-decisions", headers=headers).json
        assert {d["id"] for d in listed} == expected, role
        for decision in (mine, theirs):
            one = client.get(
                f"/api/v1/enforcement/penalty-decisions/{decision.id}", headers=headers
            )
            assert one.status_code == (200 if decision.id in expected else 404), role


def test_each_district_numbers_its_own(make_decision):
    first = make_decision("ent")
    second = make_decision("ent2")
    far = make_decision("far", user="other_supervisor")
    assert (first.serial, second.serial) == (1, 2)
    assert far.serial == 1
    assert far.number.startswith("（X应急）罚〔2026〕")


def test_lock_contention_while_numbering_is_503_with_retry_after(client, world, monkeypatch):
    from backend.enforcement import numbering

    def locked(*_args, **_kwargs):
        raise OperationalError(
            "UPDATE enforcement_number_counters", {}, Exception("database is locked")
        )

    monkeypatch.setattr(numbering, "next_serial", locked)
    response = client.post(
        "/api/v1/enforcement/penalty-decisions",
        json=body(world["enterprises"]["ent"]),
        headers=world["headers"]["supervisor"],
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.mimetype == PROBLEM_MIME


def test_the_amount_is_exact(make_decision):
    assert make_decision(amount_yuan="0.10").amount_fen == 10
    assert make_decision(amount_yuan="123456789012.99").amount_fen == 12345678901299
    assert make_decision(penalty_types=["warning"], amount_yuan=None).amount_fen is None
    assert make_decision(decided_on=date(2026, 1, 5)).number_year == 2026
