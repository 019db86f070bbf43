"""RFC 9457 problem details for every error under /api (and /healthz)."""

import http
import logging
import re
import uuid

from flask import Flask, g, json, request
from werkzeug.exceptions import HTTPException

from media.errors import MediaError

from .db import db, is_lock_contention, is_unique_violation
from .errors import DomainError, TooManyAttempts, Unauthorized

PROBLEM_MIME = "application/problem+json"
log = logging.getLogger("xuncha.errors")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def problem_response(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in extra.items() if value is not None})
    if getattr(g, "request_id", None):
        body.setdefault("request_id", g.request_id)
    response = Flask.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME
    )
    return response


def field_errors(messages, location: str | None = None, prefix: str = "") -> list[dict]:
    """Flatten marshmallow/webargs messages into [{field, in, message}] with dotted paths."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if prefix == "" and location is None and key in ("json", "query", "form", "headers"):
                flat += field_errors(value, str(key), "")
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            flat += field_errors(value, location, path)
    elif isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        flat += [{"field": prefix or None, "in": location, "message": m} for m in messages]
    elif isinstance(messages, list):
        for item in messages:
            flat += field_errors(item, location, prefix)
    else:
        flat.append({"field": prefix or None, "in": location, "message": str(messages)})
    return flat


def http_exception_problem(error: HTTPException):
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    headers = data.get("headers") or {}
    if messages:
        errors = field_errors(messages)
        fields = sorted({e["field"] for e in errors if e["field"]})
        detail = f"Invalid input: {', '.join(fields)}." if fields else error.description
        response = problem_response(error.code, "Validation failed", detail, errors=errors)
    else:
        response = problem_response(
            error.code, error.name, data.get("message") or error.description
        )
    for header, value in {**dict(error.get_headers()), **headers}.items():
        if header.lower() != "content-type":
            response.headers[header] = value
    return response


def domain_problem(error: DomainError):
    errors = None
    if error.field:
        errors = [{"field": error.field, "in": "json", "message": error.detail}]
    response = problem_response(
        error.status, error.title, error.detail, errors=errors, **error.extra
    )
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="xuncha"'
    return response


# Where a media error's field came from: the body, the path, or else a (tus) header.
_MEDIA_FIELD_LOCATIONS = {"file": "body", "body": "body", "sha256": "path", "upload_id": "path"}


def media_problem(error: MediaError):
    """Errors of the media library: their own status, a machine-readable code, the field."""
    errors = None
    if error.field:
        location = _MEDIA_FIELD_LOCATIONS.get(error.field, "header")
        errors = [{"field": error.field, "in": location, "message": error.detail}]
    title = http.HTTPStatus(error.http_status).phrase
    response = problem_response(
        error.http_status, title, error.detail, code=error.code, errors=errors
    )
    retry_after = getattr(error, "retry_after", None)  # the server was busy: when to retry
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


# How long a client should wait before retrying a request refused for lock contention.
RETRY_AFTER_CONTENTION_SECONDS = 2


def lock_contention_problem():
    log.warning("lock contention, request_id=%s path=%s", g.get("request_id"), request.path)
    response = problem_response(
        503,
        "Service busy",
        "The database is busy with other writers; nothing was saved. Retry shortly.",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_CONTENTION_SECONDS)
    return response


def unexpected_problem(error: Exception):
    original = getattr(error, "original_exception", None) or error
    if is_lock_contention(original):
        db.session.rollback()
        return lock_contention_problem()
    if is_unique_violation(original):
        db.session.rollback()
        log.warning(
            "concurrent write refused, request_id=%s path=%s", g.get("request_id"), request.path
        )
        return problem_response(
            409,
            "Conflict",
            "Another request wrote this record at the same moment; nothing of this one was "
            "saved. Reload it and try again.",
        )
    if isinstance(original, RecursionError):  # a body nested deeper than anything reads
        return problem_response(400, "Bad request", "The request is nested too deeply.")
    if isinstance(error, HTTPException):
        return http_exception_problem(error)
    log.exception("unhandled error, request_id=%s path=%s", g.get("request_id"), request.path)
    return problem_response(500, "Internal server error", "An unexpected error occurred.")


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def echo_request_id(response):
    if getattr(g, "request_id", None):
        response.headers["X-Request-ID"] = g.request_id
    return response


def register_error_handlers(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)
    app.register_error_handler(DomainError, domain_problem)
    app.register_error_handler(MediaError, media_problem)
    app.register_error_handler(Exception, unexpected_problem)
