"""Bad input refused where it arrives: NaN, Infinity and out-of-range coordinates (stored,
they would be served back as invalid JSON and break every device that pulls them), ids with a
trailing newline, a guessable SECRET_KEY; and answers that browsers must not sniff."""

import json

import pytest

from tests.backend.fixtures.sync import offline_inspection, pull, wuluoshi


def test_a_push_with_a_non_finite_number_is_refused_whole_with_the_field(
    client, sync_world, device
):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes[:1])
    body = json.dumps(changes).replace('"latitude": 22.8', '"latitude": Infinity')
    assert "Infinity" in body
    response = client.post(
        f"/api/v1/sync?last_pulled_at={first['timestamp']}",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["field"] == "changes"
    assert "Infinity" in response.json["detail"]


@pytest.mark.parametrize(("key", "value"), [("latitude", 1000), ("longitude", -180.5)])
def test_a_pushed_coordinate_out_of_range_refuses_its_record(
    client, sync_world, device, key, value
):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes[:1], finished=False)
    changes["inspections"]["created"][0][key] = value
    response = client.post(
        f"/api/v1/sync?last_pulled_at={first['timestamp']}", json=changes, headers=headers
    )
    assert response.status_code == 200
    assert response.json["experimentalRejectedIds"]["inspections"] == ["i1"]
    rejections = pull(client, headers, first["timestamp"])["changes"]["sync_rejections"]
    assert any(key in r["reason"] and "between" in r["reason"] for r in rejections["created"])


def test_rest_bodies_refuse_non_finite_numbers(client, auth_header, make_user):
    user = make_user("admin")
    response = client.post(
        "/api/v1/jurisdictions",
        data='{"name": "新区", "level": "district", "code": NaN}',
        content_type="application/json",
        headers=auth_header(user),
    )
    assert response.status_code == 422
    assert "NaN" in json.dumps(response.json, ensure_ascii=False)


def test_json_answers_never_carry_nan(app):
    with pytest.raises(ValueError):
        app.json.dumps({"latitude": float("nan")})


def test_ids_with_a_trailing_newline_are_refused(client, sync_world, device):
    """`$` matches before a final newline: every id pattern must match the whole value."""
    from sync.protocol import record_id_problem

    assert record_id_problem("i1\n") is not None
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes[:1], prefix="i9\n")
    response = client.post(
        f"/api/v1/sync?last_pulled_at={first['timestamp']}", json=changes, headers=headers
    )
    assert response.status_code == 200
    assert "i9\n" in response.json["experimentalRejectedIds"]["inspections"]


def test_rest_id_fields_match_the_whole_value():
    import marshmallow as ma

    from backend.core.http import SyncId

    field = SyncId()
    assert field.deserialize("abc") == "abc"
    with pytest.raises(ma.ValidationError):
        field.deserialize("abc\n")


def test_a_short_secret_key_is_refused_outside_tests(monkeypatch):
    from backend.config import ConfigError, load_config

    monkeypatch.setenv("SECRET_KEY", "x")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"DATABASE_URL": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert load_config({"DATABASE_URL": "sqlite://"})["SECRET_KEY"] == "k" * 40


def test_every_answer_forbids_content_sniffing(client):
    for path in ("/healthz", "/api/v1/openapi.json", "/api/v1/nothing-here"):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_load_nothing_from_elsewhere(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/docs-assets/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "https://" not in page.split("<body")[0]
    asset = client.get("/docs-assets/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and "javascript" in asset.mimetype
