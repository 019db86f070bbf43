"""Schemathesis over the whole OpenAPI document: no 5xx, every error is problem+json, and
responses match their documented schemas. New endpoints are covered as soon as they exist."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from backend.core.problems import PROBLEM_MIME

schema = schemathesis.pytest.from_fixture("api_schema")
# tus PATCH bodies are raw bytes under their own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@pytest.fixture
def api_schema(app, session, make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    make_enterprise(make_jurisdiction("street", district))
    app.config["FUZZ_HEADERS"] = auth_header(make_user("admin"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, app):
    # Uncompressed: schemathesis's WSGI transport reads the body without undoing a gzip the
    # server applies when asked (its requests-style default asks); gzip has its own test
    # (tests/backend/sync_adapter/test_sync_for_the_app.py).
    headers = {**app.config["FUZZ_HEADERS"], "Accept-Encoding": "identity"}
    if case.path == "/api/v1/auth/token" and case.method == "DELETE":
        return  # revoking the fuzzer's own token would turn every later case into a 401
    # Schema-valid bodies may still break domain rules the schema cannot express (a USCC check
    # character, the jurisdiction tree's levels, references to rows that must exist). And the
    # negative-data check misfires here: it counts a case whose Authorization header it dropped
    # as invalid although the fixed header below puts it back (schemathesis #3730). Unknown
    # query parameters and missing bodies have their own tests in test_app.py.
    response = case.call_and_validate(
        headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection]
    )
    if response.status_code >= 400:
        content_type = {key.lower(): value for key, value in response.headers.items()}
        assert content_type["content-type"][0].startswith(PROBLEM_MIME), (
            f"{case.method} {case.path} answered {response.status_code} without problem+json"
        )
