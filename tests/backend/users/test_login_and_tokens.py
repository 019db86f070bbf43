from datetime import timedelta

from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME
from backend.models import AccessToken, LoginFailure, utcnow
from backend.users.auth import digest_token
from tests.factories import TEST_PASSWORD


def login(client, username, password=TEST_PASSWORD, **extra):
    return client.post(
        "/api/v1/auth/token", json={"username": username, "password": password, **extra}
    )


def test_login_returns_bearer_token_stored_only_hashed(
    client, session, make_user, make_jurisdiction
):
    district = make_jurisdiction()
    user = make_user(role="inspector", jurisdiction=district, username="alice")
    response = login(client, "alice", device_id="phone-1")
    assert response.status_code == 201
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["user"]["username"] == "alice"
    assert "password" not in body["user"]
    stored = session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    assert stored.token_hash == digest_token(body["access_token"])
    assert body["access_token"] not in stored.token_hash
    assert stored.device_id == "phone-1"
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json["id"] == user.id


def test_password_hash_is_argon2(make_user):
    user = make_user(role="admin")
    assert user.password_hash.startswith("$argon2id$")


def test_wrong_password_is_401_problem(client, make_user):
    make_user(role="admin", username="bob")
    response = login(client, "bob", "wrong password")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM_MIME
    unknown = login(client, "nobody", "wrong password")
    assert unknown.status_code == 401
    assert unknown.json["detail"] == response.json["detail"]


def test_inactive_user_cannot_log_in(client, make_user):
    make_user(role="admin", username="gone", is_active=False)
    assert login(client, "gone").status_code == 401


def test_logout_revokes_the_token(client, make_user, auth_header):
    headers = auth_header(make_user(role="admin"))
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_expired_token_is_refused(client, session, make_user, auth_header):
    user = make_user(role="admin")
    headers = auth_header(user)
    record = session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    record.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_malformed_authorization_header_is_401(client):
    for value in ("Bearer", "Basic abc", "Bearer not-a-token", "xc_abc"):
        response = client.get("/api/v1/users/me", headers={"Authorization": value})
        assert response.status_code == 401


def test_failed_logins_are_throttled_per_account(app, client, make_user):
    make_user(role="admin", username="carol")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert login(client, "carol", "bad").status_code == 401
    blocked = login(client, "carol")  # even the right password waits out the window
    assert blocked.status_code == 429
    assert blocked.mimetype == PROBLEM_MIME
    assert int(blocked.headers["Retry-After"]) > 0


def test_strangers_cannot_lock_an_account_with_a_few_failures(app, client, make_user):
    make_user(role="admin", username="erin")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        failed = client.post(
            "/api/v1/auth/token",
            json={"username": "erin", "password": "wrong guess"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        assert failed.status_code == 401
    own_address = client.post(
        "/api/v1/auth/token",
        json={"username": "erin", "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert own_address.status_code == 201


def test_an_account_is_throttled_from_anywhere_at_the_slower_limit(app, client, session, make_user):
    make_user(role="admin", username="frank")
    for number in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE"]):
        session.add(LoginFailure(username="frank", address=f"198.51.100.{number % 250}"))
    session.commit()
    assert login(client, "frank").status_code == 429


def test_failed_logins_are_throttled_per_address(app, client, session, make_user):
    make_user(role="admin", username="dave")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for number in range(limit):
        session.add(LoginFailure(username=f"guess{number}", address="127.0.0.1"))
    session.commit()
    assert login(client, "dave").status_code == 429
    other_address = client.post(
        "/api/v1/auth/token",
        json={"username": "dave", "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert other_address.status_code == 201


def test_success_clears_account_failures(client, session, make_user):
    make_user(role="admin", username="erin")
    login(client, "erin", "bad")
    assert login(client, "erin").status_code == 201
    failures = session.scalars(select(LoginFailure).where(LoginFailure.username == "erin"))
    assert failures.all() == []


def test_password_change_revokes_existing_tokens(client, make_user, auth_header):
    admin_headers = auth_header(make_user(role="admin"))
    target = make_user(role="admin", username="frank")
    target_headers = auth_header(target)
    response = client.patch(
        f"/api/v1/users/{target.id}",
        json={"password": "a new long password"},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert client.get("/api/v1/users/me", headers=target_headers).status_code == 401
    assert login(client, "frank", "a new long password").status_code == 201


def test_tokens_and_passwords_never_logged(client, make_user, caplog):
    make_user(role="admin", username="grace")
    response = login(client, "grace")
    token = response.json["access_token"]
    client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged
    assert TEST_PASSWORD not in logged
