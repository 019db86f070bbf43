"""Risk points: the LEC bands (each holds its upper bound: D = 320 is 较大) and the matrix's
(local policy), the four colours, who keeps and who reads them, a hazard naming its point, and
a red point raising the enterprise's class."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.errors import Invalid
from backend.core.timeutil import today_in_shanghai
from backend.risks.services import assess, lec_level, matrix_level


@pytest.mark.parametrize(
    ("d", "level"),
    [
        (320.01, "major"),
        (320, "larger"),
        (160.01, "larger"),
        (160, "general"),
        (70.01, "general"),
        (70, "low"),
        (20, "low"),
        (0.05, "low"),
    ],
)
def test_each_lec_boundary(d, level):
    assert lec_level(d) == level


@pytest.mark.parametrize(
    ("likelihood", "exposure", "consequence", "d", "level"),
    [
        (10, 6, 7, 420, "major"),
        (3, 6, 15, 270, "larger"),
        (3, 6, 7, 126, "general"),
        (1, 10, 7, 70, "low"),  # on the boundary: 20～70 is 一般危险, a 低 (blue) point
        (0.5, 6, 15, 45, "low"),
    ],
)
def test_lec_inputs_give_d_and_the_level(app, likelihood, exposure, consequence, d, level):
    found = assess({"method": "lec", "lec_l": likelihood, "lec_e": exposure, "lec_c": consequence})
    assert (found.score, found.level) == (d, level)


@pytest.mark.parametrize(
    ("likelihood", "severity", "level"),
    [
        (5, 4, "major"),
        (4, 5, "major"),
        (4, 4, "larger"),
        (3, 5, "larger"),
        (4, 3, "general"),
        (3, 3, "general"),
        (2, 4, "low"),
        (1, 1, "low"),
    ],
)
def test_matrix_bands(session, likelihood, severity, level):
    assert assess({"method": "matrix", "likelihood": likelihood, "severity": severity}).level == (
        level
    )


def test_matrix_bands_are_configuration(app, session, monkeypatch):
    assert matrix_level(16) == "larger"
    monkeypatch.setitem(app.config, "RISK_MATRIX_BANDS", "major:16,larger:12,general:6")
    assert matrix_level(16) == "major"


def test_lec_factors_outside_the_tables_are_refused(session):
    with pytest.raises(Invalid) as error:
        assess({"method": "lec", "lec_l": 4, "lec_e": 6, "lec_c": 7})
    assert error.value.field == "lec_l"


def point(enterprise, **fields):
    return {
        "enterprise_id": enterprise.id,
        "kind": "equipment",
        "name": "液氯储罐",
        "location": "罐区",
        "hazard_types": ["poisoning_asphyxiation", "vessel_explosion"],
        "method": "lec",
        "lec_l": 3,
        "lec_e": 6,
        "lec_c": 40,
        "control_measures": "泄漏报警联锁，每班巡检",
        "control_level": "company",
        "responsible_person": "王五",
        **fields,
    }


def test_the_enterprise_keeps_its_points_and_officials_in_scope_read_them(client, world):
    ent = world["enterprises"]["ent"]
    headers = world["headers"]
    answer = client.post("/api/v1/risk-points", json=point(ent), headers=headers["manager"])
    assert answer.status_code == 201, answer.json
    created = answer.json
    assert (created["score"], created["level"], created["colour"]) == (720, "major", "red")
    assert (created["level_label"], created["colour_label"]) == ("重大风险", "红")
    assert created["hazard_type_labels"] == ["中毒和窒息", "容器爆炸"]
    assert created["control_level_label"] == "公司"

    url = f"/api/v1/risk-points/{created['id']}"
    for role in ("viewer", "inspector", "supervisor"):
        assert client.get(url, headers=headers[role]).status_code == 200
        assert client.patch(url, json={"name": "x"}, headers=headers[role]).status_code == 403
        assert (
            client.post("/api/v1/risk-points", json=point(ent), headers=headers[role]).status_code
            == 403
        )
    for role in ("other_manager", "other_supervisor", "manager2"):
        assert client.get(url, headers=headers[role]).status_code == 404
        listed = client.get("/api/v1/risk-points", headers=headers[role]).json
        assert created["id"] not in {row["id"] for row in listed}
    far = world["enterprises"]["far"]
    assert (
        client.post("/api/v1/risk-points", json=point(far), headers=headers["manager"]).status_code
        == 404
    )

    changed = client.patch(
        url,
        json={"method": "matrix", "likelihood": 2, "severity": 3},
        headers=headers["manager"],
    )
    assert changed.status_code == 200
    assert (changed.json["level"], changed.json["colour"], changed.json["lec_l"]) == (
        "low",
        "blue",
        None,
    )
    assert client.delete(url, headers=headers["manager"]).status_code == 204


def test_bad_points_are_problems_naming_the_field(client, world):
    ent = world["enterprises"]["ent"]
    manager = world["headers"]["manager"]
    for fields, name in (
        ({"lec_c": 41}, "lec_c"),
        ({"method": "matrix", "likelihood": 6, "severity": 1}, "likelihood"),
        ({"hazard_types": ["nonsense"]}, "hazard_types"),
        ({"control_level": "group"}, "control_level"),
    ):
        answer = client.post("/api/v1/risk-points", json=point(ent, **fields), headers=manager)
        assert answer.status_code == 422, fields
        assert answer.content_type == "application/problem+json"
        assert name in str(answer.json)


def test_a_hazard_names_a_risk_point_of_its_own_enterprise_only(client, world):
    ent, far = world["enterprises"]["ent"], world["enterprises"]["far"]
    headers = world["headers"]
    own = client.post("/api/v1/risk-points", json=point(ent), headers=headers["manager"]).json
    other = client.post(
        "/api/v1/risk-points", json=point(far), headers=headers["other_manager"]
    ).json
    hazard = {
        "enterprise_id": ent.id,
        "title": "储罐区报警器失效",
        "due_on": str(today_in_shanghai() + timedelta(days=7)),
    }
    linked = client.post(
        "/api/v1/hazards", json={**hazard, "risk_point_id": own["id"]}, headers=headers["inspector"]
    )
    assert linked.status_code == 201, linked.json
    assert linked.json["risk_point_id"] == own["id"]
    refused = client.post(
        "/api/v1/hazards",
        json={**hazard, "risk_point_id": other["id"]},
        headers=headers["inspector"],
    )
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert "risk_point_id" in str(refused.json)
    # A point a hazard names is kept.
    kept = client.delete(f"/api/v1/risk-points/{own['id']}", headers=headers["manager"])
    assert kept.status_code == 409


def test_a_red_point_raises_the_class(app, client, world, monkeypatch):
    from backend.classification.services import reclassify

    ent2 = world["enterprises"]["ent2"]
    before = reclassify(ent2).factors
    assert before["points"]["major_risk_points"] == 0
    answer = client.post(
        "/api/v1/risk-points",
        json=point(ent2, lec_l=10, lec_e=6, lec_c=7),
        headers=world["headers"]["manager2"],
    )
    assert answer.json["level"] == "major"
    after = reclassify(ent2)
    assert after.factors["major_risk_points"] == 1
    assert after.factors["points"]["major_risk_points"] == 1
    assert after.factors["level"] == before["level"] + 1
    monkeypatch.setitem(app.config, "CLASSIFICATION_MAJOR_RISK_POINT_POINTS", 0)
    assert reclassify(ent2).factors["level"] == before["level"]


def stored_class(session, enterprise):
    from backend.models import EnterpriseClassification

    session.expire_all()
    return session.get(EnterpriseClassification, enterprise.id)


def test_a_red_point_moves_the_class_in_the_same_request_and_its_deletion_moves_it_back(
    session, client, world
):
    """Saving, changing or deleting a point reclassifies at once (RiskRegisterChanged), not at
    the next read or the hourly job: the stored class (what lists and plans read) follows."""
    from backend.classification.services import reclassify
    from backend.models import ClassificationChange

    ent2 = world["enterprises"]["ent2"]
    headers = world["headers"]["manager2"]
    before = reclassify(ent2).effective_class
    session.flush()
    created = client.post(
        "/api/v1/risk-points", json=point(ent2, lec_l=3, lec_e=6, lec_c=7), headers=headers
    ).json
    assert created["level"] == "general"
    assert stored_class(session, ent2).effective_class == before

    url = f"/api/v1/risk-points/{created['id']}"
    raised = client.patch(url, json={"lec_l": 10}, headers=headers)
    assert raised.json["level"] == "major"
    row = stored_class(session, ent2)
    row_raised = row.effective_class
    assert row_raised != before
    assert row.factors["major_risk_points"] == 1

    assert client.delete(url, headers=headers).status_code == 204
    row = stored_class(session, ent2)
    assert (row.effective_class, row.factors["major_risk_points"]) == (before, 0)
    history = session.scalars(
        select(ClassificationChange.to_class)
        .where(ClassificationChange.enterprise_id == ent2.id)
        .order_by(ClassificationChange.id)
    ).all()
    assert history[-2:] == [row_raised, before]


def test_adding_a_red_point_raises_the_stored_class_at_once(session, client, world):
    ent2 = world["enterprises"]["ent2"]
    from backend.classification.services import reclassify

    before = reclassify(ent2).effective_class
    session.flush()
    answer = client.post(
        "/api/v1/risk-points",
        json=point(ent2, lec_l=10, lec_e=6, lec_c=7),
        headers=world["headers"]["manager2"],
    )
    assert answer.json["level"] == "major"
    assert stored_class(session, ent2).effective_class != before
