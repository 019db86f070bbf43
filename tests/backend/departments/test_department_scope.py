"""A department official (行业主管部门) sees and acts on exactly the enterprises of its
industries inside its territory, plus those assigned to it by name: through the enterprise
list, a hazard, a sync pull and the statistics cut by department (core/scope.py)."""

from datetime import date, timedelta

from tests.backend.fixtures.sync import ids, pull


def _enterprise_ids(client, headers):
    response = client.get("/api/v1/enterprises?page_size=100", headers=headers)
    assert response.status_code == 200, response.json
    return {row["id"] for row in response.json}


def test_an_official_sees_their_industries_in_their_territory_only(
    client, grids_world, auth_header
):
    w = grids_world
    headers = auth_header(w["official"])

    # Not the fireworks plant (another industry), not the chemical plants of the other town
    # (outside the subtree) or of the other district; 工贸 covers its sub-industries.
    assert _enterprise_ids(client, headers) == {w["chem"].id, w["trade"].id}
    assert (
        client.get(f"/api/v1/enterprises/{w['fireworks'].id}", headers=headers).status_code == 404
    )
    assert (
        client.get(f"/api/v1/enterprises/{w['chem_west'].id}", headers=headers).status_code == 404
    )


def test_an_officials_hazards_are_those_of_their_enterprises(
    client, grids_world, auth_header, report
):
    w = grids_world
    mine = report(w["supervisor"], w["chem"])
    other_industry = report(w["supervisor"], w["fireworks"])
    outside = report(w["supervisor"], w["chem_west"])
    headers = auth_header(w["official"])

    assert client.get(f"/api/v1/hazards/{mine.id}", headers=headers).status_code == 200
    for hazard in (other_industry, outside):
        assert client.get(f"/api/v1/hazards/{hazard.id}", headers=headers).status_code == 404
    listed = client.get("/api/v1/hazards?page_size=100", headers=headers).json
    assert {row["id"] for row in listed} == {mine.id}


def test_an_official_reports_hazards_at_their_enterprises_only(client, grids_world, auth_header):
    w = grids_world
    headers = auth_header(w["official"])
    due_on = (date.today() + timedelta(days=10)).isoformat()

    def post(enterprise):
        body = {"enterprise_id": enterprise.id, "title": "储罐区静电接地损坏", "due_on": due_on}
        return client.post("/api/v1/hazards", json=body, headers=headers)

    assert post(w["chem"]).status_code == 201
    refused = post(w["fireworks"])
    assert refused.status_code == 404
    assert refused.json["errors"][0]["field"] == "enterprise_id"


def test_a_sync_pull_brings_exactly_the_departments_enterprises(
    client, grids_world, device, report
):
    w = grids_world
    mine = report(w["supervisor"], w["trade"])
    report(w["supervisor"], w["fireworks"])
    report(w["away_inspector"], w["chem_away"])
    headers = device(w["official"], "dept-phone")

    changes = pull(client, headers)["changes"]

    assert ids(changes, "enterprises") == {str(w["chem"].id), str(w["trade"].id)}
    assert ids(changes, "hazards") == {mine.id}


def test_an_enterprise_assigned_by_name_joins_whatever_its_industry(
    client, grids_world, auth_header
):
    w = grids_world
    admin = auth_header(w["admin"])
    url = f"/api/v1/departments/{w['department'].id}/enterprises"

    assert client.put(f"{url}/{w['fireworks'].id}", headers=admin).status_code == 204
    assert _enterprise_ids(client, auth_header(w["official"])) == {
        w["chem"].id,
        w["trade"].id,
        w["fireworks"].id,
    }
    listed = client.get(f"{url}?page_size=100", headers=admin).json
    assert {row["id"] for row in listed} == {w["chem"].id, w["trade"].id, w["fireworks"].id}

    # Outside the territory: refused, naming the field.
    response = client.put(f"{url}/{w['chem_away'].id}", headers=admin)
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "enterprise_id"


def test_statistics_cut_by_department(client, grids_world, auth_header, report):
    w = grids_world
    report(w["supervisor"], w["chem"])
    report(w["supervisor"], w["trade"])
    report(w["supervisor"], w["fireworks"])
    report(w["supervisor"], w["chem_west"])
    headers = auth_header(w["supervisor"])

    everything = client.get("/api/v1/hazards/stats", headers=headers).json
    cut = client.get(
        f"/api/v1/hazards/stats?department_id={w['department'].id}", headers=headers
    ).json

    assert everything["totals"]["total"] == 4
    assert cut["totals"]["total"] == 2
    listed = client.get(
        f"/api/v1/hazards?department_id={w['department'].id}&page_size=100", headers=headers
    ).json
    assert {row["enterprise_id"] for row in listed} == {w["chem"].id, w["trade"].id}


def test_a_department_out_of_scope_is_not_found_naming_the_field(client, grids_world, auth_header):
    w = grids_world
    response = client.get(
        f"/api/v1/hazards/stats?department_id={w['department'].id}",
        headers=auth_header(w["away_inspector"]),
    )
    # The inspector of the other district may not read statistics at all; the list filter
    # answers 404 for a department they cannot see.
    assert response.status_code in (403, 404)
    listed = client.get(
        f"/api/v1/hazards?department_id={w['department'].id}",
        headers=auth_header(w["away_inspector"]),
    )
    assert listed.status_code == 404
    assert listed.json["errors"][0]["field"] == "department_id"


def test_an_official_verifies_a_rectified_hazard_of_their_enterprises(
    client, session, grids_world, auth_header, report
):
    w = grids_world
    mine = report(w["supervisor"], w["chem"])
    other_industry = report(w["supervisor"], w["fireworks"])
    for hazard in (mine, other_industry):
        hazard.status = "submitted"  # rectified and submitted by the enterprise
    session.commit()
    headers = auth_header(w["official"])

    def verify(hazard):
        return client.post(
            f"/api/v1/hazards/{hazard.id}/actions",
            json={"action": "verify", "note": "现场核验合格"},
            headers=headers,
        )

    done = verify(mine)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "closed"
    assert verify(other_industry).status_code == 404
