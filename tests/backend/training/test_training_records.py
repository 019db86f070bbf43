"""Training records (seed 004 item 10) and the hours per person per year (《生产经营单位安全培训
规定》 art. 9, 13), and who may keep and read the registers."""

import pytest

from backend.core.problems import PROBLEM_MIME


@pytest.fixture
def people(client, session, world):
    headers = world["headers"]["manager"]
    ent = world["enterprises"]["ent"]
    made = {}
    for key, role in (("principal", "principal"), ("worker", "other"), ("gone", "other")):
        response = client.post(
            "/api/v1/people",
            json={"enterprise_id": ent.id, "name": key, "role": role},
            headers=headers,
        )
        assert response.status_code == 201, response.json
        made[key] = response.json["id"]
    return made


def _train(client, world, participants, held_at="2026-03-02T09:00:00+08:00", hours=8):
    return client.post(
        "/api/v1/training-sessions",
        json={
            "enterprise_id": world["enterprises"]["ent"].id,
            "held_at": held_at,
            "content": "危险化学品安全管理再培训",
            "hours": hours,
            "participants": participants,
        },
        headers=world["headers"]["manager"],
    )


def test_a_training_records_time_content_hours_participants_and_results(client, world, people):
    response = _train(
        client,
        world,
        [
            {"person_id": people["principal"], "assessment": "passed"},
            {"person_id": people["worker"], "assessment": "failed"},
        ],
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["hours"] == 8 and body["content"] == "危险化学品安全管理再培训"
    assert [(p["name"], p["assessment_label"]) for p in body["participants"]] == [
        ("principal", "合格"),
        ("worker", "不合格"),
    ]
    listed = client.get(
        "/api/v1/training-sessions?year=2026", headers=world["headers"]["inspector"]
    )
    assert [item["id"] for item in listed.json] == [body["id"]]


def test_yearly_hours_beside_the_minimum_of_a_high_risk_enterprise(client, world, people):
    """`ent` is a 危险化学品 enterprise: 16 h for its principal (art. 9), 20 for others (art. 13).
    The year is Shanghai's: 31 December 23:00 there is still the old year."""
    _train(client, world, [{"person_id": people["principal"]}], hours=10)
    _train(client, world, [{"person_id": people["principal"]}], "2026-12-31T23:00:00+08:00", 6)
    _train(client, world, [{"person_id": people["worker"]}], "2027-01-01T00:00:00+08:00", 20)
    rows = client.get(
        f"/api/v1/enterprises/{world['enterprises']['ent'].id}/training-hours?year=2026",
        headers=world["headers"]["supervisor"],
    ).json
    hours = {
        row["name"]: (row["hours"], row["required_hours"], row["meets_requirement"]) for row in rows
    }
    assert hours["principal"] == (16.0, 16, True)
    assert hours["worker"] == (0.0, 20, False)


def test_elsewhere_workers_hours_are_only_reported(session, world):
    from backend.training.services import required_yearly_hours

    ent2 = world["enterprises"]["ent2"]  # machinery: not a high-risk industry
    assert required_yearly_hours(ent2, "principal") == 12
    assert required_yearly_hours(ent2, "safety_manager") == 12
    assert required_yearly_hours(ent2, "other") is None
    ent2.risk_features = ["metal_smelting"]
    assert required_yearly_hours(ent2, "other") == 20


def test_participants_are_people_of_the_enterprise_named_once(client, world, people):
    stranger = client.post(
        "/api/v1/people",
        json={"enterprise_id": world["enterprises"]["ent2"].id, "name": "外人", "role": "other"},
        headers=world["headers"]["manager2"],
    ).json["id"]
    response = _train(client, world, [{"person_id": stranger}])
    assert response.status_code == 404 and response.mimetype == PROBLEM_MIME
    assert "participants.0.person_id" in str(response.json)
    twice = _train(client, world, [{"person_id": people["worker"]}] * 2)
    assert twice.status_code == 422 and "participants.1" in str(twice.json)
    assert _train(client, world, []).status_code == 422
    assert _train(client, world, [{"person_id": people["worker"]}], hours=0).status_code == 422


# Reading `ent`'s register, and writing to it.
ACCESS = {
    "manager": (200, 201),
    "viewer": (200, 403),
    "inspector": (200, 403),
    "supervisor": (200, 403),
    "admin": (200, 403),
    "manager2": (404, 404),
    "other_manager": (404, 404),
    "other_supervisor": (404, 404),
}


@pytest.mark.parametrize("role", ACCESS)
def test_who_reads_and_who_keeps_the_register(client, world, people, role):
    read, write = ACCESS[role]
    headers = world["headers"][role]
    assert client.get(f"/api/v1/people/{people['principal']}", headers=headers).status_code == read
    listed = client.get("/api/v1/people", headers=headers).json
    assert (people["principal"] in {p["id"] for p in listed}) == (read == 200)
    response = client.post(
        "/api/v1/people",
        json={"enterprise_id": world["enterprises"]["ent"].id, "name": "新人", "role": "other"},
        headers=headers,
    )
    assert response.status_code == write
    certificate = client.post(
        "/api/v1/certificates",
        json={
            "person_id": people["principal"],
            "cert_type": "safety_qualification",
            "number": "A-1",
            "issuer": "市应急管理局",
            "issued_on": "2025-01-01",
            "valid_until": "2028-01-01",
        },
        headers=headers,
    )
    assert certificate.status_code == write


@pytest.mark.parametrize("role", ACCESS)
def test_a_certificate_number_only_for_the_enterprise_and_officials_in_scope(
    client, world, people, role
):
    client.post(
        "/api/v1/certificates",
        json={
            "person_id": people["principal"],
            "cert_type": "safety_qualification",
            "number": "A-0",
            "issuer": "市应急管理局",
            "issued_on": "2025-01-01",
            "valid_until": "2028-01-01",
        },
        headers=world["headers"]["manager"],
    )
    headers = world["headers"][role]
    numbers = {c["number"] for c in client.get("/api/v1/certificates", headers=headers).json}
    assert ("A-0" in numbers) == (ACCESS[role][0] == 200)


def test_no_identity_number_is_taken(client, world):
    response = client.post(
        "/api/v1/people",
        json={
            "enterprise_id": world["enterprises"]["ent"].id,
            "name": "张三",
            "role": "other",
            "id_number": "110101199001011234",
        },
        headers=world["headers"]["manager"],
    )
    assert response.status_code == 422 and "id_number" in str(response.json)


def test_a_bad_role_is_named(client, world):
    response = client.post(
        "/api/v1/people",
        json={"enterprise_id": world["enterprises"]["ent"].id, "name": "张三", "role": "boss"},
        headers=world["headers"]["manager"],
    )
    assert response.status_code == 422 and "role" in str(response.json["errors"])


def test_held_at_needs_its_offset(client, world, people):
    response = _train(client, world, [{"person_id": people["worker"]}], "2026-03-02T09:00:00")
    assert response.status_code == 422 and "held_at" in str(response.json)


def test_a_training_is_corrected_and_its_results_entered_later(client, world, people):
    made = _train(
        client, world, [{"person_id": people["principal"]}, {"person_id": people["gone"]}]
    )
    training_id = made.json["id"]
    first_row = {p["person_id"]: p for p in made.json["participants"]}[people["principal"]]
    assert first_row["assessment"] == "not_assessed"
    headers = world["headers"]["manager"]
    response = client.patch(
        f"/api/v1/training-sessions/{training_id}",
        json={
            "hours": 6,
            "participants": [
                {"person_id": people["principal"], "assessment": "passed"},
                {"person_id": people["worker"], "assessment": "failed"},
            ],
        },
        headers=headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["hours"] == 6 and body["content"] == "危险化学品安全管理再培训"
    assert {(p["name"], p["assessment"]) for p in body["participants"]} == {
        ("principal", "passed"),
        ("worker", "failed"),
    }
    hours = client.get(
        f"/api/v1/enterprises/{world['enterprises']['ent'].id}/training-hours?year=2026",
        headers=headers,
    ).json
    assert {row["name"]: row["hours"] for row in hours} == {
        "principal": 6.0,
        "worker": 6.0,
        "gone": 0.0,
    }


def test_a_training_correction_is_checked_and_kept_to_its_keepers(client, world, people):
    training_id = _train(client, world, [{"person_id": people["worker"]}]).json["id"]
    url = f"/api/v1/training-sessions/{training_id}"
    for role, status in (("viewer", 403), ("supervisor", 403), ("manager2", 404)):
        refused = client.patch(url, json={"hours": 2}, headers=world["headers"][role])
        assert refused.status_code == status and refused.mimetype == PROBLEM_MIME
        assert client.delete(url, headers=world["headers"][role]).status_code == status
    headers = world["headers"]["manager"]
    moved = client.patch(url, json={"enterprise_id": 1}, headers=headers)
    assert moved.status_code == 422 and "enterprise_id" in str(moved.json)
    nobody = client.patch(url, json={"participants": []}, headers=headers)
    assert nobody.status_code == 422 and "participants" in str(nobody.json)
    naive = client.patch(url, json={"held_at": "2026-03-02T09:00:00"}, headers=headers)
    assert naive.status_code == 422 and "held_at" in str(naive.json)
    assert client.get(url, headers=headers).json["hours"] == 8
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
