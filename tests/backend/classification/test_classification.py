"""Enterprise classification (分级分类): the rule, overrides with reasons, and the history."""

import pytest
from sqlalchemy import select

from backend.classification.services import CreditFacts, classify
from backend.models import ClassificationChange, Enterprise

NONE = CreditFacts()
RECORD = CreditFacts(active_bad_records=1)
MAJOR = CreditFacts(open_major_hazards=2)
BOTH = CreditFacts(active_bad_records=1, open_major_hazards=1)
BLACKLISTED = CreditFacts(blacklisted=True)


def _enterprise(industry, grade="none", risk_class="low", features=()):
    return Enterprise(
        industry=industry,
        standardisation_grade=grade,
        risk_class=risk_class,
        risk_features=list(features),
    )


@pytest.mark.parametrize(
    ("enterprise", "facts", "expected"),
    [
        (_enterprise("hazardous_chemicals"), NONE, "key"),
        (_enterprise("fireworks", "grade2"), NONE, "elevated"),
        (_enterprise("hazardous_chemicals", "grade1"), NONE, "elevated"),  # never below 较高
        (_enterprise("non_coal_mining", "grade1"), RECORD, "elevated"),
        (_enterprise("construction"), NONE, "elevated"),
        (_enterprise("construction", "grade3"), MAJOR, "key"),
        (_enterprise("industry_trade.machinery"), NONE, "general"),
        (_enterprise("industry_trade.machinery", features=["dust_explosion"]), NONE, "elevated"),
        (_enterprise("industry_trade.machinery", "grade1"), NONE, "low"),
        (_enterprise("industry_trade.machinery", "grade2"), BOTH, "elevated"),
        (_enterprise("industry_trade.commerce"), NONE, "low"),
        (_enterprise("industry_trade.commerce", risk_class="general"), NONE, "general"),
        (_enterprise("other", risk_class="major"), NONE, "key"),
        (_enterprise("other"), RECORD, "general"),
        (_enterprise("other"), BOTH, "elevated"),
        (_enterprise("other", "grade1"), BLACKLISTED, "key"),  # the blacklist comes first
    ],
)
def test_the_rule(enterprise, facts, expected):
    assert classify(enterprise, facts)[0] == expected


def test_the_rule_keeps_its_factors():
    enterprise = _enterprise("industry_trade.metallurgy", "grade2", features=["metal_smelting"])
    class_code, factors = classify(enterprise, RECORD)
    assert class_code == "key"
    assert factors == {
        "industry": "industry_trade.metallurgy",
        "industry_level": 2,
        "risk_features": ["metal_smelting"],
        "risk_class": "low",
        "standardisation_grade": "grade2",
        "grade_adjustment": -1,
        "active_bad_records": 1,
        "open_major_hazards": 0,
        "blacklisted": False,
        "floor": 0,
        "level": 3,
    }


def _url(enterprise, suffix=""):
    return f"/api/v1/enterprises/{enterprise.id}/classification{suffix}"


def test_the_class_as_of_now_for_whoever_sees_the_enterprise(client, world, make_hazard):
    ent2 = world["enterprises"]["ent2"]  # machinery, risk class general, no grade: 一般
    headers = world["headers"]
    response = client.get(_url(ent2), headers=headers["manager2"])
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["class_code"], body["class_label"], body["computed_class"]) == (
        "general",
        "一般",
        "general",
    )
    assert body["override_class"] is None
    # The interval gives the next (unannounced) visit away: officials only.
    assert body["inspection_interval_months"] is None
    official = client.get(_url(ent2), headers=headers["supervisor"]).json
    assert official["inspection_interval_months"] == 6
    assert client.get(_url(ent2), headers=headers["manager"]).status_code == 404
    assert client.get(_url(ent2), headers=headers["other_supervisor"]).status_code == 404
    # An open major hazard counts at once.
    make_hazard("reported", enterprise=ent2, grade="major")
    again = client.get(_url(ent2), headers=headers["supervisor"]).json
    assert again["class_code"] == "elevated" and again["factors"]["open_major_hazards"] == 1


def test_overrides_need_a_supervisor_in_scope_and_a_reason(client, world, session, make_record):
    ent2 = world["enterprises"]["ent2"]
    headers = world["headers"]
    url = _url(ent2, "/override")
    body = {"class_code": "key", "reason": "辖区专项整治重点对象"}
    for who, status in (
        ("inspector", 404),  # S2 lies outside the inspector's street
        ("manager2", 403),
        ("admin", 403),
        ("other_supervisor", 404),
    ):
        assert client.post(url, json=body, headers=headers[who]).status_code == status, who
    assert (
        client.post(url, json={**body, "reason": ""}, headers=headers["supervisor"]).status_code
        == 422
    )
    assert (
        client.post(
            url, json={**body, "class_code": "A"}, headers=headers["supervisor"]
        ).status_code
        == 422
    )
    outside = client.post(url, json=body, headers=headers["street_supervisor"])
    assert outside.status_code == 404  # S2 is not under S
    set_ = client.post(url, json=body, headers=headers["supervisor"])
    assert set_.status_code == 200, set_.json
    assert (set_.json["class_code"], set_.json["computed_class"], set_.json["override_class"]) == (
        "key",
        "general",
        "key",
    )
    assert set_.json["override_reason"] == "辖区专项整治重点对象"
    assert set_.json["overridden_by_id"] == world["users"]["supervisor"].id
    # A credit change moves the computed class; the override still holds.
    make_record(ent2)
    session.commit()
    held = client.get(_url(ent2), headers=headers["supervisor"]).json
    assert (held["class_code"], held["computed_class"]) == ("key", "elevated")
    cleared = client.post(
        url, json={"class_code": None, "reason": "专项整治结束"}, headers=headers["supervisor"]
    )
    assert cleared.status_code == 200
    assert (cleared.json["class_code"], cleared.json["override_class"]) == ("elevated", None)
    history = client.get(_url(ent2, "/history"), headers=headers["supervisor"]).json
    assert [(h["kind"], h["from_class"], h["to_class"]) for h in history] == [
        ("computed", None, "general"),
        ("override", "general", "key"),
        ("computed", "key", "key"),
        ("override_cleared", "key", "elevated"),
    ]
    assert history[1]["reason"] == "辖区专项整治重点对象"
    assert history[1]["actor_id"] == world["users"]["supervisor"].id
    assert history[2]["computed_class"] == "elevated" and history[2]["actor_id"] is None
    stored = session.scalars(
        select(ClassificationChange).where(ClassificationChange.enterprise_id == ent2.id)
    ).all()
    assert len(stored) == 4


def test_the_classes_list_filters(client, world):
    headers = world["headers"]["supervisor"]
    for key in ("ent", "ent2"):
        client.get(_url(world["enterprises"][key]), headers=headers)
    response = client.get("/api/v1/classifications?class_code=key", headers=headers)
    assert response.status_code == 200
    assert [row["enterprise_id"] for row in response.json] == [world["enterprises"]["ent"].id]
    everything = client.get("/api/v1/classifications", headers=headers).json
    assert {row["enterprise_id"] for row in everything} == {
        world["enterprises"]["ent"].id,
        world["enterprises"]["ent2"].id,
    }
    subtree = client.get(
        f"/api/v1/classifications?jurisdiction_id={world['nodes']['s2'].id}", headers=headers
    ).json
    assert [row["enterprise_id"] for row in subtree] == [world["enterprises"]["ent2"].id]
