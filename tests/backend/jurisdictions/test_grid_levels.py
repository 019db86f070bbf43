"""The tree runs 区县 → 镇/街道 → 片 → 村/网格 (seed 001 L55); a grid may sit under a 片 or,
where a town has none, directly under its street (the grids made before 片 existed)."""

import pytest


@pytest.fixture
def admin_headers(make_user, auth_header):
    return auth_header(make_user("admin"))


def _create(client, headers, level, parent_id=None, name=None):
    body = {"name": name or level, "level": level, "parent_id": parent_id}
    return client.post("/api/v1/jurisdictions", json=body, headers=headers)


def test_district_town_area_village(client, admin_headers):
    district = _create(client, admin_headers, "district").json
    town = _create(client, admin_headers, "street", district["id"]).json
    area = _create(client, admin_headers, "area", town["id"], name="东一片")
    assert area.status_code == 201
    village = _create(client, admin_headers, "grid", area.json["id"], name="东一村")
    assert village.status_code == 201
    assert (
        village.json["path"]
        == f"/{district['id']}/{town['id']}/{area.json['id']}/{village.json['id']}/"
    )
    # A grid straight under its town stays valid.
    assert _create(client, admin_headers, "grid", town["id"]).status_code == 201


@pytest.mark.parametrize(
    ("level", "parent_level"), [("area", "district"), ("area", "grid"), ("grid", "district")]
)
def test_a_level_out_of_place_is_refused_naming_the_field(
    client, admin_headers, level, parent_level
):
    district = _create(client, admin_headers, "district").json
    parents = {"district": district}
    parents["street"] = _create(client, admin_headers, "street", district["id"]).json
    parents["grid"] = _create(client, admin_headers, "grid", parents["street"]["id"]).json

    response = _create(client, admin_headers, level, parents[parent_level]["id"])

    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "parent_id"
