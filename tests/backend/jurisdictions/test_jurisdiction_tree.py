from sqlalchemy import select

from backend.models import Jurisdiction


def test_tree_levels_are_enforced(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    headers = auth_header(make_user("admin"))
    url = "/api/v1/jurisdictions"
    grid_under_district = {"name": "x", "level": "grid", "parent_id": district.id}
    response = client.post(url, json=grid_under_district, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "parent_id"
    street = client.post(
        url, json={"name": "街道", "level": "street", "parent_id": district.id}, headers=headers
    )
    assert street.status_code == 201
    assert street.json["path"] == f"{district.path}{street.json['id']}/"
    orphan_street = client.post(url, json={"name": "y", "level": "street"}, headers=headers)
    assert orphan_street.status_code == 422


def test_moving_a_street_moves_its_subtree(
    client, session, make_jurisdiction, make_enterprise, make_user, auth_header
):
    a = make_jurisdiction()
    b = make_jurisdiction()
    street = make_jurisdiction("street", a)
    grid = make_jurisdiction("grid", street)
    enterprise = make_enterprise(grid)
    supervisor_b = make_user("supervisor", jurisdiction=b)
    headers_b = auth_header(supervisor_b)
    assert client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers_b).status_code == 404

    admin = auth_header(make_user("admin"))
    response = client.patch(
        f"/api/v1/jurisdictions/{street.id}", json={"parent_id": b.id}, headers=admin
    )
    assert response.status_code == 200
    session.expire_all()
    moved_grid = session.scalar(select(Jurisdiction).where(Jurisdiction.id == grid.id))
    assert moved_grid.path == f"{b.path}{street.id}/{grid.id}/"
    assert client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers_b).status_code == 200


def test_cannot_move_under_itself(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    other = make_jurisdiction("district")
    headers = auth_header(make_user("admin"))
    grid = make_jurisdiction("grid", street)
    response = client.patch(
        f"/api/v1/jurisdictions/{grid.id}", json={"parent_id": other.id}, headers=headers
    )
    assert response.status_code == 422  # a grid cannot sit under a district


def test_children_and_subtree_filters(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    grid = make_jurisdiction("grid", street)
    headers = auth_header(make_user("admin"))
    children = client.get(f"/api/v1/jurisdictions?parent_id={district.id}", headers=headers)
    assert [node["id"] for node in children.json] == [street.id]
    subtree = client.get(f"/api/v1/jurisdictions?within={district.id}", headers=headers)
    assert [node["id"] for node in subtree.json] == [district.id, street.id, grid.id]
    grids = client.get(f"/api/v1/jurisdictions?within={district.id}&level=grid", headers=headers)
    assert [node["id"] for node in grids.json] == [grid.id]


def test_empty_jurisdiction_can_be_deleted(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    headers = auth_header(make_user("admin"))
    assert client.delete(f"/api/v1/jurisdictions/{district.id}", headers=headers).status_code == 409
    assert client.delete(f"/api/v1/jurisdictions/{street.id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/jurisdictions/{street.id}", headers=headers).status_code == 404


def test_duplicate_code_is_409(client, make_jurisdiction, make_user, auth_header):
    make_jurisdiction(code="450103")
    headers = auth_header(make_user("admin"))
    response = client.post(
        "/api/v1/jurisdictions",
        json={"name": "重复", "level": "district", "code": "450103"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "code"
