import pytest

PASSPHRASE = "long passphrase for 巡查"  # passes the password policy


def test_role_scope_rules(client, make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    enterprise = make_enterprise(district)
    headers = auth_header(make_user("admin"))

    def create(**body):
        payload = {"username": f"u{len(body)}x{body.get('role')}", "password": PASSPHRASE}
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
        json={"username": "taken", "password": PASSPHRASE, "role": "admin"},
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


@pytest.mark.parametrize(
    "password", ["12345678", "short pass", "password1234", "1qaz2wsx3edc", "policyuser"]
)
def test_one_password_policy_for_the_api_and_the_cli(client, make_user, auth_header, password):
    from backend.core.errors import Invalid
    from backend.users.services import check_password

    response = client.post(
        "/api/v1/users",
        headers=auth_header(make_user("admin")),
        json={"username": "policyuser", "password": password, "role": "admin"},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "password"
    with pytest.raises(Invalid):
        check_password(password, "policyuser")  # what `xuncha create-user` calls too
