def test_role_scope_rules(client, make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    enterprise = make_enterprise(district)
    headers = auth_header(make_user("admin"))

    def create(**body):
        payload = {"username": f"u{len(body)}x{body.get('role')}", "password": "long password"}
        return client.post("/api/v1/users", json={**payload, **body}, headers=headers)

    manager_without_enterprise = create(role="enterprise_manager")
    assert manager_without_enterprise.status_code == 422
    assert manager_without_enterprise.json["errors"][0]["field"] == "enterprise_id"
    inspector_without_area = create(role="inspector")
    assert inspector_without_area.json["errors"][0]["field"] == "jurisdiction_id"
    both = create(role="inspector", jurisdiction_id=district.id, enterprise_id=enterprise.id)
    assert both.status_code == 422
    ok = create(role="enterprise_viewer", enterprise_id=enterprise.id)
    assert ok.status_code == 201
    assert ok.json["enterprise_id"] == enterprise.id


def test_duplicate_username_is_409(client, make_user, auth_header):
    make_user("admin", username="taken")
    headers = auth_header(make_user("admin"))
    response = client.post(
        "/api/v1/users",
        json={"username": "taken", "password": "long password", "role": "admin"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "username"


def test_short_password_is_refused(client, make_user, auth_header):
    headers = auth_header(make_user("admin"))
    response = client.post(
        "/api/v1/users",
        json={"username": "shorty", "password": "short", "role": "admin"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "password"


def test_deactivating_a_user_revokes_their_tokens(client, make_user, auth_header):
    admin = auth_header(make_user("admin"))
    target = make_user("admin")
    target_headers = auth_header(target)
    response = client.patch(f"/api/v1/users/{target.id}", json={"is_active": False}, headers=admin)
    assert response.status_code == 200
    assert client.get("/api/v1/users/me", headers=target_headers).status_code == 401
