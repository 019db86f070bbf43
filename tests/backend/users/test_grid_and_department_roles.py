"""A department official belongs to a department (and nothing else); a grid worker to a grid."""

import pytest

from tests.factories import TEST_PASSWORD


@pytest.fixture
def create(client, grids_world, auth_header):
    headers = auth_header(grids_world["admin"])

    def post(**body):
        body = {"username": f"u{len(str(body))}x", "password": TEST_PASSWORD + "!x9", **body}
        return client.post("/api/v1/users", json=body, headers=headers)

    return post


def test_a_department_official_needs_a_department(create, grids_world):
    w = grids_world
    made = create(role="department_official", department_id=w["department"].id)
    assert made.status_code == 201, made.json
    assert made.json["department_id"] == w["department"].id

    missing = create(role="department_official", username="dept2")
    assert missing.status_code == 422
    assert missing.json["errors"][0]["field"] == "department_id"
    both = create(
        role="department_official",
        username="dept3",
        department_id=w["department"].id,
        jurisdiction_id=w["town"].id,
    )
    assert both.status_code == 422
    assert both.json["errors"][0]["field"] == "jurisdiction_id"
    stray = create(
        role="inspector",
        username="insp9",
        jurisdiction_id=w["town"].id,
        department_id=w["department"].id,
    )
    assert stray.status_code == 422
    assert stray.json["errors"][0]["field"] == "department_id"


def test_a_grid_worker_works_a_grid(create, grids_world):
    w = grids_world
    assert (
        create(role="grid_worker", username="gw1", jurisdiction_id=w["grid"].id).status_code == 201
    )
    on_a_town = create(role="grid_worker", username="gw2", jurisdiction_id=w["town"].id)
    assert on_a_town.status_code == 422
    assert on_a_town.json["errors"][0]["field"] == "jurisdiction_id"


def test_a_supervisor_sees_the_department_officials_of_their_area(client, grids_world, auth_header):
    w = grids_world
    listed = client.get(
        "/api/v1/users?role=department_official", headers=auth_header(w["supervisor"])
    ).json
    assert [row["id"] for row in listed] == [w["official"].id]
    mine = client.get("/api/v1/users", headers=auth_header(w["official"])).json
    assert [row["id"] for row in mine] == [w["official"].id]
