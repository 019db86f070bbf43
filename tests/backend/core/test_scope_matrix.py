"""Every role × every endpoint × inside / outside its scope.

The world: district A (street A1 → grid A1g, street A2) and district B (street B1).
Enterprise `ea` (危险化学品) lies in grid A1g, `ea2` (烟花爆竹) in street A2, `eb` (危险化学品) in
district B. The department of district A governs 危险化学品: its official sees `ea` only (not
`ea2`, another industry, nor `eb`, outside its territory); the grid worker of A1g sees `ea`.
Outside a caller's scope the answer is 404, never 403.
"""

import pytest

from backend.core.problems import PROBLEM_MIME
from backend.demo import demo_uscc
from backend.models import Department

ROLES = [
    "global_admin",
    "admin_a",
    "supervisor_a",
    "inspector_a1",
    "manager_ea",
    "viewer_ea",
    "official_a",
    "grid_worker_a1g",
]


@pytest.fixture
def world(session, make_jurisdiction, make_enterprise, make_user, auth_header):
    a = make_jurisdiction("district", name="A区")
    a1 = make_jurisdiction("street", a, name="A1街道")
    a1g = make_jurisdiction("grid", a1, name="A1网格")
    a2 = make_jurisdiction("street", a, name="A2街道")
    b = make_jurisdiction("district", name="B区")
    b1 = make_jurisdiction("street", b, name="B1街道")
    ea = make_enterprise(a1g, name="甲企业")
    ea2 = make_enterprise(a2, name="乙企业", industry="fireworks")
    eb = make_enterprise(b1, name="丙企业")
    department = Department(
        name="A区危化监管科", industries=["hazardous_chemicals"], jurisdiction=a
    )
    session.add(department)
    session.commit()
    users = {
        "global_admin": make_user("admin"),
        "admin_a": make_user("admin", jurisdiction=a),
        "supervisor_a": make_user("supervisor", jurisdiction=a),
        "inspector_a1": make_user("inspector", jurisdiction=a1),
        "manager_ea": make_user("enterprise_manager", enterprise=ea),
        "viewer_ea": make_user("enterprise_viewer", enterprise=ea),
        "manager_eb": make_user("enterprise_manager", enterprise=eb),
        "inspector_b1": make_user("inspector", jurisdiction=b1),
        "official_a": make_user("department_official", department_id=department.id),
        "grid_worker_a1g": make_user("grid_worker", jurisdiction=a1g),
    }
    nodes = {"a": a, "a1": a1, "a1g": a1g, "a2": a2, "b": b, "b1": b1}
    enterprises = {"ea": ea, "ea2": ea2, "eb": eb}
    headers = {name: auth_header(user) for name, user in users.items()}
    return {"nodes": nodes, "enterprises": enterprises, "users": users, "headers": headers}


# Which enterprises each role sees in the list, and so may GET by id.
VISIBLE_ENTERPRISES = {
    "global_admin": {"ea", "ea2", "eb"},
    "admin_a": {"ea", "ea2"},
    "supervisor_a": {"ea", "ea2"},
    "inspector_a1": {"ea"},
    "manager_ea": {"ea"},
    "viewer_ea": {"ea"},
    "official_a": {"ea"},
    "grid_worker_a1g": {"ea"},
}
VISIBLE_JURISDICTIONS = {
    "global_admin": {"a", "a1", "a1g", "a2", "b", "b1"},
    "admin_a": {"a", "a1", "a1g", "a2"},
    "supervisor_a": {"a", "a1", "a1g", "a2"},
    "inspector_a1": {"a1", "a1g"},
    "manager_ea": {"a1g"},
    "viewer_ea": {"a1g"},
    "official_a": {"a", "a1", "a1g", "a2"},
    "grid_worker_a1g": {"a1g"},
}
VISIBLE_USERS = {
    "global_admin": {
        "global_admin",
        "admin_a",
        "supervisor_a",
        "inspector_a1",
        "manager_ea",
        "viewer_ea",
        "manager_eb",
        "inspector_b1",
        "official_a",
        "grid_worker_a1g",
    },
    "admin_a": {
        "admin_a",
        "supervisor_a",
        "inspector_a1",
        "manager_ea",
        "viewer_ea",
        "official_a",
        "grid_worker_a1g",
    },
    "supervisor_a": {
        "admin_a",
        "supervisor_a",
        "inspector_a1",
        "manager_ea",
        "viewer_ea",
        "official_a",
        "grid_worker_a1g",
    },
    "inspector_a1": {"inspector_a1"},
    "manager_ea": {"manager_ea"},
    "viewer_ea": {"viewer_ea"},
    "official_a": {"official_a"},
    "grid_worker_a1g": {"grid_worker_a1g"},
}


def _ids(response):
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json}


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_list_and_get(client, world, role):
    headers = world["headers"][role]
    expected = {world["enterprises"][key].id for key in VISIBLE_ENTERPRISES[role]}
    assert _ids(client.get("/api/v1/enterprises?page_size=100", headers=headers)) == expected
    for key, enterprise in world["enterprises"].items():
        response = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)
        if key in VISIBLE_ENTERPRISES[role]:
            assert response.status_code == 200
        else:
            assert response.status_code == 404
            assert response.mimetype == PROBLEM_MIME


@pytest.mark.parametrize("role", ROLES)
def test_jurisdiction_list_and_get(client, world, role):
    headers = world["headers"][role]
    nodes = world["nodes"]
    expected = {nodes[key].id for key in VISIBLE_JURISDICTIONS[role]}
    assert _ids(client.get("/api/v1/jurisdictions?page_size=100", headers=headers)) == expected
    for key, node in nodes.items():
        response = client.get(f"/api/v1/jurisdictions/{node.id}", headers=headers)
        assert response.status_code == (200 if key in VISIBLE_JURISDICTIONS[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_user_list_and_get(client, world, role):
    headers = world["headers"][role]
    users = world["users"]
    expected = {users[key].id for key in VISIBLE_USERS[role]}
    assert _ids(client.get("/api/v1/users?page_size=100", headers=headers)) == expected
    for key, user in users.items():
        response = client.get(f"/api/v1/users/{user.id}", headers=headers)
        assert response.status_code == (200 if key in VISIBLE_USERS[role] else 404)


def _new_enterprise(jurisdiction_id, number):
    return {
        "name": f"新企业{number}",
        "uscc": demo_uscc(700000 + number),
        "industry": "construction",
        "jurisdiction_id": jurisdiction_id,
    }


# Expected status for creating an enterprise in A1 (inside A) and in B1.
CREATE_ENTERPRISE = {
    "global_admin": (201, 201),
    "admin_a": (201, 404),
    "supervisor_a": (201, 404),
    "inspector_a1": (403, 403),
    "manager_ea": (403, 403),
    "viewer_ea": (403, 403),
    "official_a": (403, 403),
    "grid_worker_a1g": (403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_create(client, world, role):
    headers = world["headers"][role]
    inside, outside = CREATE_ENTERPRISE[role]
    number = ROLES.index(role) * 10
    a1, b1 = world["nodes"]["a1"], world["nodes"]["b1"]
    response = client.post(
        "/api/v1/enterprises", json=_new_enterprise(a1.id, number), headers=headers
    )
    assert response.status_code == inside
    response = client.post(
        "/api/v1/enterprises", json=_new_enterprise(b1.id, number + 1), headers=headers
    )
    assert response.status_code == outside


# Expected status for PATCH of ea (inside A), of eb (outside), and moving ea to district B.
PATCH_ENTERPRISE = {
    "global_admin": (200, 200, 200),
    "admin_a": (200, 404, 404),
    "supervisor_a": (200, 404, 404),
    "inspector_a1": (403, 404, 403),
    "manager_ea": (403, 404, 403),
    "viewer_ea": (403, 404, 403),
    "official_a": (403, 404, 403),
    "grid_worker_a1g": (403, 404, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_update(client, world, role):
    headers = world["headers"][role]
    ea, eb = world["enterprises"]["ea"], world["enterprises"]["eb"]
    inside, outside, move_out = PATCH_ENTERPRISE[role]
    url = "/api/v1/enterprises/{}"
    assert (
        client.patch(url.format(ea.id), json={"address": "新地址"}, headers=headers).status_code
        == inside
    )
    assert (
        client.patch(url.format(eb.id), json={"address": "新地址"}, headers=headers).status_code
        == outside
    )
    move = {"jurisdiction_id": world["nodes"]["b"].id}
    assert client.patch(url.format(ea.id), json=move, headers=headers).status_code == move_out


# Creating a grid under A1, under B1; deleting empty street A2's grid-less sibling B... (admin only)
CREATE_JURISDICTION = {
    "global_admin": (201, 201),
    "admin_a": (201, 404),
    "supervisor_a": (403, 403),
    "inspector_a1": (403, 403),
    "manager_ea": (403, 403),
    "viewer_ea": (403, 403),
    "official_a": (403, 403),
    "grid_worker_a1g": (403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_jurisdiction_create(client, world, role):
    headers = world["headers"][role]
    inside, outside = CREATE_JURISDICTION[role]
    for parent, status in ((world["nodes"]["a1"], inside), (world["nodes"]["b1"], outside)):
        response = client.post(
            "/api/v1/jurisdictions",
            json={"name": "新网格", "level": "grid", "parent_id": parent.id},
            headers=headers,
        )
        assert response.status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_jurisdiction_update_and_delete(client, world, role):
    headers = world["headers"][role]
    a2, b1 = world["nodes"]["a2"], world["nodes"]["b1"]
    visible = VISIBLE_JURISDICTIONS[role]
    may_write = role in ("global_admin", "admin_a")
    rename_a2 = client.patch(
        f"/api/v1/jurisdictions/{a2.id}", json={"name": "改名"}, headers=headers
    )
    expected_a2 = (200 if may_write else 403) if "a2" in visible else 404
    assert rename_a2.status_code == expected_a2
    rename_b1 = client.patch(
        f"/api/v1/jurisdictions/{b1.id}", json={"name": "改名"}, headers=headers
    )
    expected_b1 = (200 if may_write else 403) if "b1" in visible else 404
    assert rename_b1.status_code == expected_b1
    # a2 still holds enterprise ea2: deleting it conflicts for writers.
    delete_a2 = client.delete(f"/api/v1/jurisdictions/{a2.id}", headers=headers)
    assert delete_a2.status_code == ((409 if may_write else 403) if "a2" in visible else 404)


# Creating an inspector in A1, an enterprise manager for ea, one for eb.
CREATE_USER = {
    "global_admin": (201, 201, 201),
    "admin_a": (201, 201, 404),
    "supervisor_a": (403, 201, 404),
    "inspector_a1": (403, 403, 403),
    "manager_ea": (403, 403, 403),
    "viewer_ea": (403, 403, 403),
    "official_a": (403, 403, 403),
    "grid_worker_a1g": (403, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_user_create(client, world, role):
    headers = world["headers"][role]
    a1 = world["nodes"]["a1"]
    ea, eb = world["enterprises"]["ea"], world["enterprises"]["eb"]
    bodies = [
        {"role": "inspector", "jurisdiction_id": a1.id},
        {"role": "enterprise_manager", "enterprise_id": ea.id},
        {"role": "enterprise_manager", "enterprise_id": eb.id},
    ]
    for number, (body, status) in enumerate(zip(bodies, CREATE_USER[role], strict=True)):
        response = client.post(
            "/api/v1/users",
            json={"username": f"new-{role}-{number}", "password": "long enough pw", **body},
            headers=headers,
        )
        assert response.status_code == status, response.json


# Deactivating the inspector of A1, the manager of ea, the manager of eb.
PATCH_USER = {
    "global_admin": (200, 200, 200),
    "admin_a": (200, 200, 404),
    "supervisor_a": (403, 200, 404),
    "inspector_a1": (403, 404, 404),
    "manager_ea": (404, 403, 404),
    "viewer_ea": (404, 404, 404),
    "official_a": (404, 404, 404),
    "grid_worker_a1g": (404, 404, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_user_update(client, world, role):
    headers = world["headers"][role]
    users = world["users"]
    targets = [users["inspector_a1"], users["manager_ea"], users["manager_eb"]]
    for target, status in zip(targets, PATCH_USER[role], strict=True):
        response = client.patch(
            f"/api/v1/users/{target.id}", json={"display_name": "改"}, headers=headers
        )
        assert response.status_code == status, (target.username, response.json)


def test_scoped_admin_cannot_create_global_admin(client, world):
    response = client.post(
        "/api/v1/users",
        json={"username": "root2", "password": "long enough pw", "role": "admin"},
        headers=world["headers"]["admin_a"],
    )
    assert response.status_code == 403


def test_enterprise_user_asking_for_another_enterprise_gets_404_problem(client, world):
    eb = world["enterprises"]["eb"]
    response = client.get(f"/api/v1/enterprises/{eb.id}", headers=world["headers"]["manager_ea"])
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MIME
    assert "丙企业" not in response.get_data(as_text=True)
