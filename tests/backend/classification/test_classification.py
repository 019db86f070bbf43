"""Enterprise classification (分级分类): the rule, overrides with reasons, and the history."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.classification.services import (
    CreditFacts,
    classify,
    parse_weights,
    policy_from,
    reclassify,
)
from backend.models import ChecklistVersion, ClassificationChange, Enterprise, Inspection

# Neutral on self-reporting: a self-inspection in the window that found nothing.
SELF = CreditFacts(self_inspections=1)
NONE = CreditFacts()  # not one self-inspection in the window
RECORD = replace(SELF, active_bad_records=1)
MAJOR = replace(SELF, open_major_hazards=2)
BOTH = replace(SELF, active_bad_records=1, open_major_hazards=1)
BLACKLISTED = replace(SELF, blacklisted=True)
LOW_SCORE = replace(SELF, last_supervision_score=59.9)
FAIR_SCORE = replace(SELF, last_supervision_score=60.0)
SELF_REPORTED = CreditFacts(self_inspections=2, self_reported_hazards=3)


@pytest.fixture
def policy(app):
    return policy_from(app.config)


def _enterprise(
    industry, grade="grade3", risk_class="low", features=(), scale="below_scale", employees=0
):
    return Enterprise(
        industry=industry,
        standardisation_grade=grade,
        risk_class=risk_class,
        risk_features=list(features),
        scale=scale,
        employee_count=employees,
    )


@pytest.mark.parametrize(
    ("enterprise", "facts", "expected"),
    [
        # Nature and hazards (方案4 L137; seed 001's 高危行业).
        (_enterprise("hazardous_chemicals"), SELF, "key"),
        (_enterprise("fireworks", "grade2"), SELF, "elevated"),
        (_enterprise("hazardous_chemicals", "grade1"), SELF, "elevated"),  # never below 较高
        (_enterprise("non_coal_mining", "grade1"), RECORD, "elevated"),
        (_enterprise("construction"), SELF, "elevated"),
        (_enterprise("construction"), MAJOR, "key"),
        (_enterprise("industry_trade.machinery"), SELF, "general"),
        (_enterprise("industry_trade.machinery", features=["dust_explosion"]), SELF, "elevated"),
        (_enterprise("industry_trade.commerce"), SELF, "low"),
        (_enterprise("industry_trade.commerce", risk_class="general"), SELF, "general"),
        (_enterprise("other", risk_class="major"), SELF, "key"),
        # Standardisation: 一级 and 二级 lower it; 三级 is a grade; none counts against
        # (seed 003 L19: 对未开展达标创建的企业加大检查频率).
        (_enterprise("industry_trade.machinery", "grade1"), SELF, "low"),
        (_enterprise("industry_trade.machinery", "grade2"), BOTH, "elevated"),
        (_enterprise("industry_trade.machinery", "none"), SELF, "elevated"),
        # Size (方案4 L137; seed 001 L85: 规上企业, 从业人员20人以上).
        (_enterprise("other", scale="above_scale"), SELF, "general"),
        (_enterprise("other", employees=20), SELF, "general"),
        (_enterprise("other", employees=19), SELF, "low"),
        # Management level: the last supervision inspection's score.
        (_enterprise("other"), LOW_SCORE, "general"),
        (_enterprise("other"), FAIR_SCORE, "low"),
        # Self-reporting (方案4 L143: 未按规定及时自查自报隐患的企业要从严开展执法检查).
        (_enterprise("other"), NONE, "general"),
        (_enterprise("industry_trade.machinery"), SELF_REPORTED, "low"),
        # Credit.
        (_enterprise("other"), RECORD, "general"),
        (_enterprise("other"), BOTH, "elevated"),
        (_enterprise("other", "grade1"), BLACKLISTED, "key"),  # the blacklist comes first
    ],
)
def test_the_rule(policy, enterprise, facts, expected):
    assert classify(enterprise, facts, policy)[0] == expected


def test_the_rule_keeps_every_factor_and_its_points(policy):
    enterprise = _enterprise(
        "industry_trade.metallurgy", "none", features=["metal_smelting"], employees=35
    )
    facts = CreditFacts(active_bad_records=1, last_supervision_score=52.5)
    class_code, factors = classify(enterprise, facts, policy)
    assert class_code == "key"
    assert factors == {
        "industry": "industry_trade.metallurgy",
        "industry_level": 2,
        "risk_features": ["metal_smelting"],
        "risk_class": "low",
        "scale": "below_scale",
        "employee_count": 35,
        "standardisation_grade": "none",
        "last_supervision_score": 52.5,
        "self_inspections": 0,
        "self_reported_hazards": 0,
        "self_report_days": 365,
        "active_bad_records": 1,
        "open_major_hazards": 0,
        "major_risk_points": 0,
        "blacklisted": False,
        "points": {
            "risk_features": 1,
            "size": 1,
            "standardisation": 1,
            "management": 1,
            "self_reporting": 1,
            "bad_credit": 1,
            "major_hazards": 0,
            "major_risk_points": 0,
        },
        "floor": 0,
        "level": 3,
    }


def test_the_weights_are_configuration(app, monkeypatch):
    machinery = _enterprise("industry_trade.machinery", "none")
    assert classify(machinery, SELF, policy_from(app.config))[0] == "elevated"
    weights = app.config["CLASSIFICATION_WEIGHTS"].replace("no_grade:1", "no_grade:0")
    monkeypatch.setitem(app.config, "CLASSIFICATION_WEIGHTS", weights)
    monkeypatch.setitem(app.config, "CLASSIFICATION_LOW_SCORE", 50)
    policy = policy_from(app.config)
    assert classify(machinery, SELF, policy)[0] == "general"
    assert classify(_enterprise("other"), LOW_SCORE, policy)[0] == "low"  # 59.9 ≥ 50
    with pytest.raises(ValueError, match="CLASSIFICATION_WEIGHTS"):
        parse_weights("above_scale:1")
    with pytest.raises(ValueError, match="CLASSIFICATION_WEIGHTS"):
        parse_weights(weights.replace("grade1:-2", "grade1:lots"))


def _inspection(enterprise, user, kind, *, score, at):
    return Inspection(
        id=f"{kind}-{at.timestamp():.0f}-{enterprise.id}",
        enterprise_id=enterprise.id,
        checklist_version_id=_duty31_version_id(),
        kind=kind,
        inspector_id=user.id,
        status="finished",
        score=score,
        finished_received_at=at,
    )


def _duty31_version_id():
    from backend.core.db import db

    return db.session.scalars(
        select(ChecklistVersion.id).where(
            ChecklistVersion.code == "duty31", ChecklistVersion.is_current
        )
    ).one()


def test_inspections_and_self_reports_are_read_from_the_records(world, session, make_hazard):
    ent2 = world["enterprises"]["ent2"]  # 规上 machinery, 一级, no self-inspection: 一般
    now = datetime.now(UTC)
    row = reclassify(ent2, now=now)
    assert (row.computed_class, row.factors["points"]["self_reporting"]) == ("general", 1)
    inspector, manager = world["users"]["inspector"], world["users"]["manager2"]
    # The latest supervision inspection counts, not an older good one.
    session.add(_inspection(ent2, inspector, "supervision", score=95.0, at=now - timedelta(2)))
    session.add(_inspection(ent2, inspector, "supervision", score=48.4, at=now - timedelta(1)))
    # A self-inspection that reported a hazard (方案4 L143: 自查自报).
    self_check = _inspection(ent2, manager, "self_inspection", score=90.0, at=now)
    session.add(self_check)
    session.flush()
    hazard = make_hazard("reported", enterprise=ent2)
    hazard.inspection_id = self_check.id
    session.flush()
    row = reclassify(ent2, now=now)
    assert row.factors["last_supervision_score"] == 48.4
    assert (row.factors["self_inspections"], row.factors["self_reported_hazards"]) == (1, 1)
    assert row.factors["points"]["management"] == 1
    assert row.factors["points"]["self_reporting"] == -1
    # machinery 1, 规上 +1, 一级 −2, the score +1, the self-report −1 (no longer +1): 低.
    assert row.computed_class == "low"
    # Out of the window, the self-inspection no longer counts.
    later = now + timedelta(days=366)
    assert reclassify(ent2, now=later).factors["points"]["self_reporting"] == 1


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
