"""A password reset by someone else forces a change at next login and is audited (issue #13,
row 10): until the holder changes it, their tokens reach only the change itself, their own
account and logging out; every other endpoint answers 403 `password_change_required`."""

import re

import pytest
from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME
from backend.models import AccountEvent, User
from tests.factories import TEST_PASSWORD

RESET = "temporary passphrase 临时口令"
CHOSEN = "a passphrase only I know 自选"


@pytest.fixture
def people(make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    other = make_jurisdiction()
    enterprise = make_enterprise(street)
    users = {
        "admin": make_user("admin", jurisdiction=district),
        "other_admin": make_user("admin", jurisdiction=other),
        "supervisor": make_user("supervisor", jurisdiction=district),
        "inspector": make_user("inspector", jurisdiction=street),
        "manager": make_user("enterprise_manager", enterprise=enterprise),
    }
    return {"users": users, "headers": {name: auth_header(u) for name, u in users.items()}}


def reset(client, people, who, whom, password=RESET):
    user = people["users"][whom]
    return client.patch(
        f"/api/v1/users/{user.id}", json={"password": password}, headers=people["headers"][who]
    )


def login(client, user, password):
    return client.post("/api/v1/auth/token", json={"username": user.username, "password": password})


def bearer(response) -> dict:
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def change(client, headers, current, new):
    return client.post(
        "/api/v1/auth/password",
        json={"current_password": current, "new_password": new},
        headers=headers,
    )


def test_after_a_reset_the_account_must_change_its_password_before_anything_else(client, people):
    inspector = people["users"]["inspector"]
    assert reset(client, people, "admin", "inspector").status_code == 200
    assert client.get("/api/v1/users/me", headers=people["headers"]["inspector"]).status_code == 401

    logged_in = login(client, inspector, RESET)
    assert logged_in.status_code == 201
    assert logged_in.json["password_change_required"] is True
    assert logged_in.json["user"]["must_change_password"] is True
    headers = bearer(logged_in)
    for path in ("/api/v1/enterprises", "/api/v1/sync?schema_version=1", "/api/v1/hazards"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403, path
        assert refused.mimetype == PROBLEM_MIME
        assert refused.json["code"] == "password_change_required"
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200

    assert change(client, headers, RESET, CHOSEN).status_code == 204
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    again = login(client, inspector, CHOSEN)
    assert again.json["password_change_required"] is False


def test_changing_needs_the_current_password_a_new_one_and_the_policy(client, people):
    reset(client, people, "admin", "inspector")
    headers = bearer(login(client, people["users"]["inspector"], RESET))
    cases = [
        ((RESET + "x", CHOSEN), "current_password"),
        ((RESET, RESET), "new_password"),
        ((RESET, "password1234"), "new_password"),
    ]
    for (current, new), field in cases:
        refused = change(client, headers, current, new)
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"][0]["field"] == field
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 403


def test_a_wrong_current_password_counts_as_a_failed_login(client, app, people):
    headers = people["headers"]["inspector"]
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert change(client, headers, "not my password", CHOSEN).status_code == 422
    throttled = change(client, headers, TEST_PASSWORD, CHOSEN)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers


def test_a_change_ends_the_accounts_other_sessions_but_not_this_one(client, people):
    inspector = people["users"]["inspector"]
    elsewhere = bearer(login(client, inspector, TEST_PASSWORD))
    here = people["headers"]["inspector"]
    assert change(client, here, TEST_PASSWORD, CHOSEN).status_code == 204
    assert client.get("/api/v1/users/me", headers=here).status_code == 200
    assert client.get("/api/v1/users/me", headers=elsewhere).status_code == 401


def test_resets_and_changes_are_audited_for_admins_without_the_password(client, session, people):
    users = people["users"]
    assert reset(client, people, "supervisor", "manager").status_code == 200
    headers = bearer(login(client, users["manager"], RESET))
    assert change(client, headers, RESET, CHOSEN).status_code == 204

    events = session.scalars(
        select(AccountEvent).where(AccountEvent.user_id == users["manager"].id)
    ).all()
    assert [(e.event, e.actor_id, e.source) for e in events] == [
        ("password_reset", users["supervisor"].id, "api"),
        ("password_changed", users["manager"].id, "api"),
    ]
    seen = client.get("/api/v1/users/account-events", headers=people["headers"]["admin"])
    assert seen.status_code == 200
    assert [(e["event"], e["user_id"], e["actor_id"]) for e in seen.json] == [
        ("password_changed", users["manager"].id, users["manager"].id),
        ("password_reset", users["manager"].id, users["supervisor"].id),
    ]
    assert seen.json[0]["created_at"]
    body = seen.get_data(as_text=True)
    assert RESET not in body and CHOSEN not in body and "password_hash" not in body
    # Admins see the accounts of their scope only; nobody else sees the trail.
    other = client.get("/api/v1/users/account-events", headers=people["headers"]["other_admin"])
    assert other.json == []
    for role in ("supervisor", "inspector"):
        refused = client.get("/api/v1/users/account-events", headers=people["headers"][role])
        assert refused.status_code == 403


def test_an_admin_setting_their_own_password_is_a_change_not_a_reset(client, session, people):
    admin = people["users"]["admin"]
    assert reset(client, people, "admin", "admin").status_code == 200
    session.expire_all()
    assert session.get(User, admin.id).must_change_password is False
    event = session.scalar(select(AccountEvent).where(AccountEvent.user_id == admin.id))
    assert (event.event, event.actor_id) == ("password_changed", admin.id)


def test_the_forced_change_is_local_policy_that_can_be_turned_off(client, app, session, people):
    app.config["PASSWORD_RESET_FORCES_CHANGE"] = False
    try:
        assert reset(client, people, "admin", "inspector").status_code == 200
    finally:
        app.config["PASSWORD_RESET_FORCES_CHANGE"] = True
    assert (
        login(client, people["users"]["inspector"], RESET).json["password_change_required"] is False
    )
    event = session.scalar(
        select(AccountEvent).where(AccountEvent.user_id == people["users"]["inspector"].id)
    )
    assert event.event == "password_reset"  # audited all the same


def test_the_portal_refuses_a_reset_account_until_it_is_changed(client, people):
    reset(client, people, "admin", "manager")
    form = client.get("/portal/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    fields = {"username": people["users"]["manager"].username, "password": RESET}
    page = client.post("/portal/login", data={**fields, "csrf_token": csrf})
    assert page.status_code == 403
    assert "修改密码" in page.get_data(as_text=True)
