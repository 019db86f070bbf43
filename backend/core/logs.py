"""Structured logs (issue 20): one JSON object a line, each carrying its request's id.

A request takes the id its caller sent in `X-Request-ID` when it is well formed (a proxy's or
a device's, so one id follows the request across systems), else a new one; the response
returns it. Every line is scrubbed of bearer tokens, passwords and tokens before it is written:
a log is read by more people than the database.
"""

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
HIDDEN = "[hidden]"
SECRETS = (
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)([\"']?(?:password|new_password|old_password|token|secret|authorization)[\"']?"
        r"\s*[:=]\s*)([\"']?)[^\s\"',&}]+"
    ),
)
access_log = logging.getLogger("xuncha.access")
_handler_marker = "xuncha_handler"


def scrub(text: str) -> str:
    text = SECRETS[0].sub(lambda m: f"{m.group(1)} {HIDDEN}", text)
    return SECRETS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)


class RequestContextFilter(logging.Filter):
    """Gives every record its request's id ("-" outside a request) and scrubs its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (stderr), JSON unless LOG_FORMAT is text."""
    root = logging.getLogger()
    kind = app.config.get("LOG_FORMAT", "json")
    ours = [handler for handler in root.handlers if getattr(handler, _handler_marker, False)]
    for handler in ours:
        handler.setFormatter(_formatter(kind))
    if not ours:
        root.addHandler(make_handler(sys.stderr, kind))
    logging.getLogger("xuncha").setLevel(logging.INFO)
    app.before_request(_take_request_id)
    app.after_request(_log_and_return_request_id)


def make_handler(stream, kind: str = "json") -> logging.Handler:
    handler = logging.StreamHandler(stream)
    setattr(handler, _handler_marker, True)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(_formatter(kind))
    return handler


def _formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})


def _take_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if WELL_FORMED_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_and_return_request_id(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    # The path without its query string: signed URLs and tokens travel in query strings.
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response
