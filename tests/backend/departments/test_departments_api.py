"""Departments over REST: admins set them up within their scope; an enterprise may fall under
several, by industry or by name; bad input names its field."""


def test_an_enterprise_falls_under_several_departments(client, grids_world, auth_header):
    w = grids_world
    admin = auth_header(w["admin"])
    fire = client.post(
        "/api/v1/departments",
        json={
            "name": "区消防救援大队",
            "industries": ["hazardous_chemicals", "fireworks"],
            "jurisdiction_id": w["district"].id,
        },
        headers=admin,
    )
    assert fire.status_code == 201, fire.json

    def names(enterprise):
        url = f"/api/v1/departments?enterprise_id={enterprise.id}"
        return {row["name"] for row in client.get(url, headers=admin).json}

    assert names(w["chem"]) == {"东镇危化与工贸监管科", "区消防救援大队"}
    assert names(w["fireworks"]) == {"区消防救援大队"}
    assert names(w["chem_away"]) == set()


def test_bad_departments_are_refused_naming_the_field(client, grids_world, auth_header):
    w = grids_world
    admin = auth_header(w["admin"])
    cases = [
        ({"name": "x", "industries": ["steel"], "jurisdiction_id": w["town"].id}, "industries.0"),
        ({"name": "x", "industries": [], "jurisdiction_id": w["town"].id}, "industries"),
        ({"name": "x", "industries": ["fireworks"], "jurisdiction_id": 999999}, "jurisdiction_id"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/departments", json=body, headers=admin)
        assert response.status_code in (404, 422), response.json
        assert response.json["errors"][0]["field"] == field


def test_a_street_admin_reads_but_does_not_manage_a_district_department(
    client, grids_world, make_user, auth_header
):
    w = grids_world
    district_department = client.post(
        "/api/v1/departments",
        json={
            "name": "区住建局",
            "industries": ["construction"],
            "jurisdiction_id": w["district"].id,
        },
        headers=auth_header(w["admin"]),
    ).json
    town_admin = auth_header(make_user("admin", jurisdiction=w["town"]))
    url = f"/api/v1/departments/{district_department['id']}"

    assert client.get(url, headers=town_admin).status_code == 200
    assert client.patch(url, json={"name": "改名"}, headers=town_admin).status_code == 403
    official = client.post(
        "/api/v1/users",
        json={
            "username": "zjj-official",
            "password": "correct horse battery!x9",
            "role": "department_official",
            "department_id": district_department["id"],
        },
        headers=town_admin,
    )
    assert official.status_code == 404
    assert official.json["errors"][0]["field"] == "department_id"
    # Their own town's department they manage.
    own = f"/api/v1/departments/{w['department'].id}"
    assert client.patch(own, json={"name": "东镇监管科"}, headers=town_admin).status_code == 200
    # Another district's admin does not even see it.
    away = auth_header(make_user("admin", jurisdiction=w["other_district"]))
    assert client.get(url, headers=away).status_code == 404
