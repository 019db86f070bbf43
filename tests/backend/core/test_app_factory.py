from datetime import date

from backend.core.problems import PROBLEM_MIME


def test_healthz_reports_database_reachable(client, monkeypatch):
    monkeypatch.setattr("backend.core.periods.official_working_day", lambda day: True)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "reachable",
        "calendar_missing_years": [],
    }


def test_healthz_names_the_years_the_working_day_calendar_lacks(client, monkeypatch):
    monkeypatch.setattr("backend.core.periods.official_working_day", lambda day: None)
    monkeypatch.setattr("backend.health.today_in_shanghai", lambda: date(2030, 6, 1))
    response = client.get("/healthz")
    assert response.status_code == 200  # alive: the admin must configure, not restart
    assert response.json["calendar_missing_years"] == [2030, 2031]


def test_healthz_reports_unreachable_database(client, monkeypatch):
    from backend.core.db import db

    def broken(*_args, **_kwargs):
        raise ConnectionError("no database")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM_MIME
    assert response.json["database"] == "unreachable"


def test_openapi_document_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/enterprises" in spec.json["paths"]
    assert spec.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MIME
    assert response.json["status"] == 404
    assert response.json["type"] == "about:blank"


def test_missing_token_is_401_problem_with_challenge(client):
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM_MIME
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unexpected_error_is_logged_with_request_id_and_hides_internals(
    app, client, make_user, auth_header, monkeypatch, caplog
):
    import backend.users.api as users_api

    def explode():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(users_api, "current_user", explode)
    headers = {**auth_header(make_user(role="admin")), "X-Request-ID": "req-12345678"}
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_MIME
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.json["request_id"] == "req-12345678"
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert any("req-12345678" in record.getMessage() for record in caplog.records)


def test_validation_error_names_field_paths(client, make_user, auth_header):
    headers = auth_header(make_user(role="admin"))
    response = client.post("/api/v1/jurisdictions", json={"name": ""}, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_MIME
    fields = {error["field"] for error in response.json["errors"]}
    assert fields == {"name", "level"}
    assert "level" in response.json["detail"]


def test_missing_body_and_unknown_query_parameters_are_refused(client, make_user, auth_header):
    admin = make_user(role="admin")
    headers = auth_header(admin)
    no_body = client.patch(f"/api/v1/users/{admin.id}", headers=headers)
    assert no_body.status_code == 422
    assert no_body.mimetype == PROBLEM_MIME
    unknown = client.get("/api/v1/enterprises?colour=red", headers=headers)
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "colour"
    paged = client.get("/api/v1/enterprises?page=1&page_size=5", headers=headers)
    assert paged.status_code == 200


def test_huge_ids_are_not_found_rather_than_server_errors(client, make_user, auth_header):
    headers = auth_header(make_user(role="admin"))
    assert (
        client.get("/api/v1/enterprises/99999999999999999999", headers=headers).status_code == 404
    )
    response = client.get(
        "/api/v1/enterprises?jurisdiction_id=99999999999999999999", headers=headers
    )
    assert response.status_code == 422


def test_absurd_page_number_is_an_empty_page(client, make_enterprise, make_user, auth_header):
    make_enterprise()
    headers = auth_header(make_user(role="admin"))
    response = client.get("/api/v1/enterprises?page=1507938909030907904", headers=headers)
    assert response.status_code == 200
    assert response.json == []


def test_nul_characters_are_refused_naming_the_field(client, make_user, auth_header):
    headers = auth_header(make_user(role="admin"))
    response = client.post(
        "/api/v1/jurisdictions", json={"name": "a\x00b", "level": "district"}, headers=headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "name"
    query = client.get("/api/v1/enterprises?q=%00", headers=headers)
    assert query.status_code == 422
