"""GB 18218-2018: whether a declared unit is a major hazard (S = Σ q/Q ≥ 1) and its grade from
R = α Σ β q/Q, against examples worked by hand from the standard's tables; 备案 and the
evaluation due three years after the last (危险化学品重大危险源监督管理暂行规定 第十一条)."""

from datetime import date

import pytest

from backend.core.errors import Invalid
from backend.risks.services import evaluation_due_on, identify, standard


def chlorine(q, people=120):
    # 氯: Q = 5 t (表1), β = 4 (表3); 120 people within 500 m: α = 2 (表5).
    return identify([{"substance": "chlorine", "quantity_t": q}], people)


@pytest.mark.parametrize(
    ("q", "r", "grade"),
    [
        (62.5, 100.0, 1),  # 2 × 4 × 62.5/5 = 100: 一级 (R ≥ 100)
        (62.4, 99.84, 2),
        (31.25, 50.0, 2),  # = 50: 二级 (100 > R ≥ 50)
        (31.2, 49.92, 3),
        (6.25, 10.0, 3),  # = 10: 三级 (50 > R ≥ 10)
        (6.2, 9.92, 4),  # 四级 (R < 10)
    ],
)
def test_each_boundary_of_r(app, q, r, grade):
    found = chlorine(q)
    assert found.is_major
    assert found.r_value == pytest.approx(r)
    assert found.grade == grade


def test_s_of_one_is_a_major_hazard_and_just_below_is_not(app):
    # 氨: Q = 10 t.
    at_one = identify([{"substance": "ammonia", "quantity_t": 10}], 0)
    below = identify([{"substance": "ammonia", "quantity_t": 9.99}], 0)
    assert (at_one.s_value, at_one.is_major) == (1.0, True)
    assert at_one.grade == 4  # R = 0.5 × 2 × 1 = 1
    assert below.is_major is False
    assert below.grade is None


def test_a_unit_of_several_chemicals(app):
    """甲醇 300 t (Q 500, category W5.3 → β 1), 氢 2 t (Q 5, W2 → β 1.5), 氨 3 t (Q 10, β 2 by
    表3), 40 people → α 1.2: S = 0.6 + 0.4 + 0.3 = 1.3; R = 1.2 × (0.6 + 0.6 + 0.6) = 2.16."""
    found = identify(
        [
            {"substance": "methanol", "category": "W5.3", "quantity_t": 300},
            {"substance": "hydrogen", "category": "W2", "quantity_t": 2},
            {"substance": "ammonia", "quantity_t": 3},
        ],
        40,
    )
    assert found.s_value == pytest.approx(1.3)
    assert found.alpha == 1.2
    assert found.r_value == pytest.approx(2.16)
    assert (found.is_major, found.grade) == (True, 4)


def test_a_chemical_declared_by_its_category_only(app):
    # 表2 J1 (acute toxicity 1, gas): Q = 5 t, β = 4 (表4); nobody around: α = 0.5.
    found = identify([{"category": "J1", "quantity_t": 25}], 0)
    assert (found.s_value, found.r_value, found.grade) == (5.0, 10.0, 3)


@pytest.mark.parametrize(
    ("people", "alpha"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0)],
)
def test_alpha_by_the_people_exposed(app, people, alpha):
    assert identify([{"substance": "ammonia", "quantity_t": 10}], people).alpha == alpha


def test_a_named_substance_outside_table_3_needs_its_category_for_beta(app):
    with pytest.raises(Invalid) as error:
        identify([{"substance": "methanol", "quantity_t": 600}], 0)
    assert error.value.field == "substances.0.category"
    with pytest.raises(Invalid) as error:
        identify([{"substance": "unobtainium", "quantity_t": 1}], 0)
    assert error.value.field == "substances.0.substance"
    with pytest.raises(Invalid) as error:
        identify([{"category": "J1", "quantity_t": 0}], 0)
    assert error.value.field == "substances.0.quantity_t"


def test_the_shipped_table_says_what_it_holds():
    data = standard()
    assert data["completeness"] in ("complete", "partial")
    assert "GB 18218-2018" in data["source"]
    if data["completeness"] == "complete":
        assert len(data["substances"]) == 85
    assert len(data["categories"]) == 24
    assert data["substances"]["chlorine"]["critical_t"] == 5
    assert data["substances"]["tnt"]["name"] == "2,4,6-三硝基甲苯"


def test_the_evaluation_is_due_three_years_after_the_last():
    assert evaluation_due_on(date(2024, 3, 15)) == date(2027, 3, 15)
    assert evaluation_due_on(date(2024, 2, 29)) == date(2027, 2, 28)
    assert evaluation_due_on(None) is None


def _unit(**fields):
    return {
        "name": "液氯储罐区",
        "unit_kind": "storage",
        "substances": [{"substance": "chlorine", "quantity_t": 62.5}],
        "exposed_people": 120,
        **fields,
    }


def test_an_enterprise_declares_and_files_a_unit_and_officials_read_it(client, world):
    ent, far = world["enterprises"]["ent"], world["enterprises"]["far"]
    headers = world["headers"]
    answer = client.post(
        "/api/v1/hazard-installations",
        json=_unit(
            enterprise_id=ent.id, registered_on="2025-01-10", last_evaluated_on="2025-01-05"
        ),
        headers=headers["manager"],
    )
    assert answer.status_code == 201, answer.json
    unit = answer.json
    assert (unit["is_major"], unit["grade"], unit["grade_label"]) == (True, 1, "一级")
    assert (unit["s_value"], unit["r_value"]) == (12.5, 100.0)
    assert unit["evaluation_due_on"] == "2028-01-05"
    assert unit["filing_status"] == "not_filed"

    url = f"/api/v1/hazard-installations/{unit['id']}"
    missing_date = client.patch(url, json={"filing_status": "filed"}, headers=headers["manager"])
    assert missing_date.status_code == 422
    assert "filed_on" in str(missing_date.json)
    filed = client.patch(
        url,
        json={
            "filing_status": "accepted",
            "filed_on": "2025-01-20",
            "accepted_on": "2025-01-25",
            "monitoring_notes": "液位、压力、泄漏报警在线监测",
        },
        headers=headers["manager"],
    )
    assert filed.status_code == 200, filed.json
    assert filed.json["filing_status_label"] == "备案已受理"

    assert client.get(url, headers=headers["inspector"]).status_code == 200
    assert client.patch(url, json={"name": "x"}, headers=headers["inspector"]).status_code == 403
    assert client.get(url, headers=headers["other_manager"]).status_code == 404
    listed = client.get("/api/v1/hazard-installations", headers=headers["other_supervisor"]).json
    assert unit["id"] not in {row["id"] for row in listed}
    refused = client.post(
        "/api/v1/hazard-installations",
        json=_unit(enterprise_id=far.id),
        headers=headers["manager"],
    )
    assert refused.status_code == 404


def test_bad_declarations_are_problems_naming_the_field(client, world):
    ent = world["enterprises"]["ent"]
    answer = client.post(
        "/api/v1/hazard-installations",
        json=_unit(enterprise_id=ent.id, substances=[{"substance": "methanol", "quantity_t": 9}]),
        headers=world["headers"]["manager"],
    )
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    assert "substances.0.category" in str(answer.json)
    tables = client.get(
        "/api/v1/hazard-installation-standard", headers=world["headers"]["inspector"]
    )
    assert tables.status_code == 200
    assert tables.json["categories"]["W2"] == {
        "name": "易燃气体 类别1和类别2",
        "critical_t": 10,
        "beta": 1.5,
    }
