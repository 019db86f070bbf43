"""Structured logs: JSON lines carrying the request id; no secret ever written."""

import io
import json
import logging

import pytest

from backend.core.logs import HIDDEN, make_handler, scrub
from tests.factories import TEST_PASSWORD


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = make_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_every_line_of_a_request_carries_its_id_and_no_secret(
    client, make_user, make_jurisdiction, log_lines
):
    make_user(role="inspector", jurisdiction=make_jurisdiction(), username="logged")
    failed = client.post("/api/v1/auth/token", json={"username": "logged", "password": "Wr0ng-pw!"})
    assert failed.status_code == 401
    login = client.post(
        "/api/v1/auth/token", json={"username": "logged", "password": TEST_PASSWORD}
    )
    token = login.json["access_token"]
    me = client.get(
        "/api/v1/users/me?token=" + token,
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "phone-1.req-42"},
    )
    assert me.status_code == 200
    assert me.headers["X-Request-ID"] == "phone-1.req-42"
    logging.getLogger("xuncha.test").info("Authorization: Bearer %s password=%s", token, "x1")

    lines = log_lines()
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in (token, TEST_PASSWORD, "Wr0ng-pw!"):
        assert secret not in text
    access = [line for line in lines if line["name"] == "xuncha.access"]
    assert [line["status"] for line in access] == [401, 201, 200]
    assert access[2]["request_id"] == "phone-1.req-42"
    assert access[2]["message"] == "GET /api/v1/users/me 200"
    assert access[0]["request_id"] != access[1]["request_id"]
    assert {"time", "level", "request_id", "message"} <= set(access[0])
    assert lines[-1]["request_id"] == "-"
    assert HIDDEN in lines[-1]["message"]


def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    generated = response.headers["X-Request-ID"]
    assert generated != "bad id <script>"
    assert len(generated) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != generated


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.DEF-123",
        '{"username": "a", "password": "abc.DEF-123"}',
        "token=abc.DEF-123&x=1",
        "new_password='abc.DEF-123'",
    ],
)
def test_scrub_hides_secrets(text):
    assert "abc.DEF-123" not in scrub(text)
    assert HIDDEN in scrub(text)
