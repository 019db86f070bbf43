"""持证上岗 (seed 001 L27): the rate per enterprise and per jurisdiction, the roles counted by the
enterprise's size, a certificate's validity at its boundaries, and the REST answers."""

from datetime import date, timedelta

import pytest

from backend.core.problems import PROBLEM_MIME

TODAY = date(2026, 6, 15)


@pytest.fixture
def register(session, world):
    """People of `ent` through the service, with certificates valid until `valid_until`."""
    from backend.training import services

    manager = world["users"]["manager"]
    ent = world["enterprises"]["ent"]

    def person(role, cert_type=None, valid_until=TODAY + timedelta(days=365), enterprise=ent):
        user = manager if enterprise is ent else world["users"]["manager2"]
        made = services.add_person(
            user, enterprise_id=enterprise.id, name=f"{role}-人员", role=role
        )
        if cert_type:
            services.add_certificate(
                user,
                person_id=made.id,
                cert_type=cert_type,
                operation_category="electrical" if cert_type == "special_operation" else None,
                number="T123",
                issuer="市应急管理局",
                issued_on=date(2024, 1, 1),
                valid_until=valid_until,
            )
        session.commit()
        return made

    return person


def _rate(enterprise, today=TODAY):
    from backend.training.services import certification_rates

    return certification_rates([enterprise], today)[enterprise.id]


def test_a_firm_of_20_or_more_counts_principal_safety_managers_and_special_operators(
    session, world, register
):
    ent = world["enterprises"]["ent"]
    ent.employee_count = 20  # 从业人员20人以上: "以上" includes 20
    register("principal", "safety_qualification")
    register("safety_manager", "safety_qualification", valid_until=TODAY - timedelta(days=1))
    register("special_operator", "special_operation")
    register("other")  # needs no certificate
    rate = _rate(ent)
    assert (rate["required"], rate["certified"]) == (3, 2)
    assert rate["rate"] == pytest.approx(2 / 3)
    assert rate["employees_20_plus"] and not rate["meets_target"]


def test_a_firm_under_20_counts_principal_and_special_operators_only(session, world, register):
    ent = world["enterprises"]["ent"]
    ent.employee_count = 19
    register("principal", "safety_qualification")
    register("safety_manager")  # seed 001: not in the 20人以下 target
    register("special_operator", "special_operation")
    rate = _rate(ent)
    assert (rate["required"], rate["certified"], rate["meets_target"]) == (2, 2, True)
    assert rate["roles"] == ["principal", "special_operator"]


def test_only_the_certificate_the_role_needs_counts(session, world, register):
    ent = world["enterprises"]["ent"]
    register("special_operator", "safety_qualification")  # not a 特种作业操作证
    assert _rate(ent)["certified"] == 0


def test_a_certificate_counts_on_its_last_day_and_not_after(session, world, register):
    ent = world["enterprises"]["ent"]
    register("principal", "safety_qualification", valid_until=TODAY)
    assert _rate(ent, TODAY)["certified"] == 1
    assert _rate(ent, TODAY + timedelta(days=1))["certified"] == 0


def test_nobody_registered_does_not_meet_the_target(session, world):
    rate = _rate(world["enterprises"]["ent"])
    assert rate["rate"] is None and rate["required"] == 0 and not rate["meets_target"]


def test_people_who_left_no_longer_count(session, world, register):
    from backend.training.services import update_person

    ent = world["enterprises"]["ent"]
    gone = register("principal")
    update_person(world["users"]["manager"], gone.id, {"active": False})
    assert _rate(ent)["required"] == 0


def test_the_jurisdiction_rate_sums_its_enterprises_and_lists_those_below(
    client, session, world, register
):
    ent, ent2 = world["enterprises"]["ent"], world["enterprises"]["ent2"]
    register("principal", "safety_qualification")
    register("special_operator")
    register("principal", "safety_qualification", enterprise=ent2)
    district = world["nodes"]["d"]
    response = client.get(
        f"/api/v1/jurisdictions/{district.id}/certification",
        headers=world["headers"]["supervisor"],
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["required"], body["certified"], body["enterprises"]) == (3, 2, 2)
    assert [row["enterprise_id"] for row in body["below_target"]] == [ent.id]
    street = world["nodes"]["s2"]
    assert (
        client.get(
            f"/api/v1/jurisdictions/{street.id}/certification",
            headers=world["headers"]["street_supervisor"],
        ).status_code
        == 404
    )


def test_the_enterprise_rate_over_rest(client, session, world, register):
    ent = world["enterprises"]["ent"]
    register("principal", "safety_qualification")
    for role, status in (("viewer", 200), ("inspector", 200), ("manager2", 404)):
        response = client.get(
            f"/api/v1/enterprises/{ent.id}/certification", headers=world["headers"][role]
        )
        assert response.status_code == status
    body = client.get(
        f"/api/v1/enterprises/{ent.id}/certification", headers=world["headers"]["manager"]
    ).json
    assert body["rate"] == 1.0 and body["meets_target"]


def test_a_special_operation_certificate_names_its_category(client, session, world, register):
    person = register("special_operator")
    body = {
        "person_id": person.id,
        "cert_type": "special_operation",
        "number": "T1",
        "issuer": "市应急管理局",
        "issued_on": "2024-01-01",
        "valid_until": "2030-01-01",
    }
    headers = world["headers"]["manager"]
    missing = client.post("/api/v1/certificates", json=body, headers=headers)
    assert missing.status_code == 422 and missing.mimetype == PROBLEM_MIME
    assert "operation_category" in str(missing.json)
    made = client.post(
        "/api/v1/certificates",
        json={**body, "operation_category": "welding_cutting"},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    assert made.json["operation_category_label"] == "焊接与热切割作业"
    assert made.json["cert_type_label"] == "特种作业操作证"
    backwards = client.post(
        "/api/v1/certificates",
        json={**body, "operation_category": "electrical", "valid_until": "2023-01-01"},
        headers=headers,
    )
    assert backwards.status_code == 422 and "valid_until" in str(backwards.json)
    bad_date = client.post(
        "/api/v1/certificates", json={**body, "issued_on": "soon"}, headers=headers
    )
    assert bad_date.status_code == 422 and "issued_on" in str(bad_date.json)
