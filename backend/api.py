"""The REST API: flask-smorest Api with problem+json errors and bearer authentication."""

import http

from flask import g, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response

from .accidents import api as accidents_api
from .campaigns import api as campaigns_api
from .checklists import api as checklists_api
from .classification import api as classification_api
from .core.errors import Unauthorized
from .core.http import PASSWORD_CHANGE_ENDPOINTS, PUBLIC_ENDPOINTS, ProblemSchema
from .core.problems import PROBLEM_MIME, http_exception_problem
from .credit import api as credit_api
from .credit import blacklist_api, commitments_api, public_blacklist_api
from .departments import api as departments_api
from .emergency import api as emergency_api
from .enforcement import api as enforcement_api
from .enforcement import licences_api
from .enforcement import public_api as public_penalties_api
from .enterprises import api as enterprises_api
from .hazards import api as hazards_api
from .hazards import statistics_api as hazard_statistics_api
from .inspections import api as inspections_api
from .jurisdictions import api as jurisdictions_api
from .notifications import api as notifications_api
from .patrols import api as patrols_api
from .photos import api as photos_api
from .plans import api as plans_api
from .reports import api as reports_api
from .risks import api as risks_api
from .safety_code import api as safety_code_api
from .sync_adapter import api as sync_api
from .training import api as training_api
from .users import api as users_api
from .users import auth_api
from .users.auth import user_for_token
from .users.services import require_no_forced_change


class XunchaApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_problem(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self):
        # The header carries JSON, which OpenAPI describes with `content`, not a styled `schema`.
        header = {
            "description": "Pagination metadata (JSON)",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }
        self.spec.components.header("PAGINATION", header, lazy=True)


api = XunchaApi()

# Every domain's resources, in the order of the OpenAPI document.
DOMAIN_APIS = (
    auth_api,
    jurisdictions_api,
    enterprises_api,
    users_api,
    departments_api,
    patrols_api,
    campaigns_api,
    checklists_api,
    inspections_api,
    hazards_api,
    hazard_statistics_api,
    notifications_api,
    sync_api,
    photos_api,
    safety_code_api,
    accidents_api,
    enforcement_api,
    licences_api,
    public_penalties_api,
    credit_api,
    blacklist_api,
    public_blacklist_api,
    commitments_api,
    classification_api,
    plans_api,
    reports_api,
    training_api,
    emergency_api,
    risks_api,
)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate_request() -> None:
    """Every /api/v1 endpoint needs a valid bearer token unless marked @public."""
    g.current_user = g.current_token = None
    if not request.path.startswith("/api/v1/") or request.endpoint is None:
        return
    if _view_key(request.endpoint) in PUBLIC_ENDPOINTS or request.endpoint.startswith("api-docs."):
        return
    token = _bearer_token()
    found = user_for_token(token) if token else None
    if found is None:
        raise Unauthorized("A valid bearer token is required.")
    g.current_user, g.current_token = found
    if _view_key(request.endpoint) not in PASSWORD_CHANGE_ENDPOINTS:
        require_no_forced_change(g.current_user)


def _view_key(endpoint: str) -> str | None:
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = getattr(view_class, request.method.lower(), None)
        target = method or view_class
        return f"{target.__module__}.{target.__qualname__}"
    return f"{view.__module__}.{view.__qualname__}" if view else None


def register_api(app) -> None:
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Opaque access token"}
    )
    for module in DOMAIN_APIS:
        api.register_blueprint(module.blp)
    app.before_request(authenticate_request)
