"""HTTP helpers every domain's api module uses: the one Blueprint class (strict request parsing),
`@public`, pagination of a select, and the schemas shared by several resources."""

import json
import math
import re
from datetime import UTC, date, datetime
from urllib.parse import quote

import flask_smorest
import marshmallow as ma
from flask import Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import func, select
from webargs.flaskparser import FlaskParser

from media.storage import SHA256_PATTERN

from .db import db


def client_address() -> str:
    """The caller's address; X-Forwarded-For is honoured only behind configured proxies."""
    hops = current_app.config["TRUSTED_PROXY_COUNT"]
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    if hops and len(forwarded) >= hops and forwarded[-hops]:
        return forwarded[-hops][:64]
    return (request.remote_addr or "unknown")[:64]


PUBLIC_ENDPOINTS: set[str] = set()


def public(view):
    """Mark a view function as reachable without a bearer token."""
    PUBLIC_ENDPOINTS.add(f"{view.__module__}.{view.__qualname__}")
    return view


PASSWORD_CHANGE_ENDPOINTS: set[str] = set()


def reachable_before_password_change(view):
    """Mark a view function as reachable by an account whose reset password must be changed
    first (the change itself, the caller's own account, logging out)."""
    PASSWORD_CHANGE_ENDPOINTS.add(f"{view.__module__}.{view.__qualname__}")
    return view


def paginate_select(stmt, pagination_parameters):
    """One page of a select, with the total count for the X-Pagination header."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    # Past the last row every page is empty; capping keeps absurd page numbers within int64.
    offset = min(pagination_parameters.first_item, total)
    page = stmt.limit(pagination_parameters.page_size).offset(offset)
    return db.session.scalars(page).all()


PAGINATION_PARAMETERS = ("page", "page_size")


def nul_character_path(data, path: str = "") -> str | None:
    """The path of the first string holding a NUL character, which no database text column
    accepts (PostgreSQL refuses it outright); None when there is none."""
    return _first_path(data, lambda value: isinstance(value, str) and "\x00" in value, path)


def non_finite_path(data, path: str = "") -> str | None:
    """The path of the first NaN or infinite number (which JSON cannot carry back out)."""
    return _first_path(
        data, lambda value: isinstance(value, float) and not math.isfinite(value), path
    )


def _first_path(data, bad, path: str = "") -> str | None:
    if bad(data):
        return path or "body"
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        key_path = f"{path}.{key}" if path else str(key)
        if bad(key):
            return key_path
        found = _first_path(value, bad, key_path)
        if found:
            return found
    return None


def refuse_unsafe_values(data) -> None:
    path = nul_character_path(data)
    if path:
        raise ma.ValidationError({path: ["Text must not contain NUL characters."]})
    path = non_finite_path(data)
    if path:
        raise ma.ValidationError({path: ["NaN and infinite numbers are not allowed."]})


class StrictParser(FlaskParser):
    """Refuses what the documented contract does not allow instead of silently ignoring it:
    a missing JSON body where one is required, and unknown query parameters."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise ma.ValidationError("A JSON request body is required.")
        if req.is_json:
            try:
                strict_json_loads(req.get_data(cache=True))
            except ValueError as error:
                raise ma.ValidationError(f"The body is not valid JSON: {error}.") from None
        data = super().load_json(req, schema)
        refuse_unsafe_values(data)
        return data

    def load_querystring(self, req, schema):
        # page and page_size belong to the pagination parser, which reads them on its own.
        args = req.args.copy()
        for name in PAGINATION_PARAMETERS:
            if name not in schema.fields:
                args.poplist(name)
        refuse_unsafe_values(args.to_dict(flat=False))
        return self._makeproxy(args, schema)


def _view_is_paginated(req) -> bool:
    view = current_app.view_functions.get(req.endpoint)
    view_class = getattr(view, "view_class", None)
    target = getattr(view_class, req.method.lower(), None) if view_class else view
    return "pagination" in getattr(target, "_apidoc", {})


class PaginationAwareParser(StrictParser):
    def load_querystring(self, req, schema):
        if not _view_is_paginated(req):
            unknown = [
                name
                for name in PAGINATION_PARAMETERS
                if name in req.args and name not in schema.fields
            ]
            if unknown:
                raise ma.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint refusing what the documented contract does not allow: unknown
    query parameters (page and page_size too, on views that are not paginated), a missing JSON
    body, NUL characters."""

    ARGUMENTS_PARSER = PaginationAwareParser()


MAX_ID = 2**31 - 1
ID_CONVERTER = f"int(min=1, max={MAX_ID})"  # for routes: f"/<{ID_CONVERTER}:enterprise_id>"


def IdField(*, strict: bool = True, **kwargs) -> ma.fields.Integer:  # noqa: N802
    """A reference to a row: a positive integer that fits every database's integer column.

    Query strings carry text, so query schemas pass strict=False.
    """
    return ma.fields.Integer(strict=strict, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class FullMatch(ma.validate.Regexp):
    """A pattern the whole value must match: `re.match` lets "$" match before a trailing
    newline, so "abc\n" would pass a pattern ending in "$"."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


SYNC_ID_PATTERN = r"^[a-zA-Z0-9_.-]{1,64}$"


def SyncId(**kwargs) -> ma.fields.String:  # noqa: N802
    """An id a device may choose for what it creates (docs/sync.md, sync schema v1)."""
    return ma.fields.String(validate=FullMatch(SYNC_ID_PATTERN), **kwargs)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Field errors: field (dotted path), in, message"},
    )


MAX_PHOTOS = 20


def PhotoList(**kwargs) -> ma.fields.List:  # noqa: N802
    """SHA-256 digests of photos to attach, uploaded first (PUT /api/v1/media)."""
    options = {
        "load_default": list,
        "validate": ma.validate.Length(max=MAX_PHOTOS),
        "metadata": {"description": "SHA-256 of photos (upload them with PUT /api/v1/media)"},
        **kwargs,
    }
    return ma.fields.List(ma.fields.String(validate=FullMatch(f"^{SHA256_PATTERN}$")), **options)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def strict_json_loads(text, **kwargs):
    """JSON as RFC 8259 has it: NaN, Infinity and -Infinity are refused, not read as floats
    (stored, they would be served as invalid JSON and break every device that pulls them);
    nesting too deep for the parser is refused too (ValueError either way)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, **kwargs)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing non-finite numbers both ways."""

    ensure_ascii = False

    def loads(self, s, **kwargs):
        return strict_json_loads(s, **kwargs)

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def download(content: bytes, mimetype: str, ascii_name: str, name: str):
    """A file to save (a ledger, a report): its name in both forms, never cached."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name, fallback=ascii_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def content_disposition(name: str, *, fallback: str | None = None, inline: bool = False) -> str:
    """A Content-Disposition value for any file name (RFC 6266): a printable ASCII fallback
    without quotes or line breaks, and the name itself in UTF-8."""
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback if fallback is not None else name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# Dates a query may filter on: outside these, date arithmetic (time zones) would overflow.
QUERY_DATES = ma.validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))
# Times a device reports (stored as reported, never used for ordering): within these bounds,
# so that converting them between time zones cannot overflow.
DEVICE_TIMES = ma.validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 12, 31, tzinfo=UTC)
)


def DeviceTime(**kwargs) -> ma.fields.AwareDateTime:  # noqa: N802
    return ma.fields.AwareDateTime(allow_none=True, validate=DEVICE_TIMES, **kwargs)


# Degrees either way: one rule for a position sent by REST or by sync.
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}


def Coordinate(kind: str) -> ma.fields.Float:  # noqa: N802
    limit = COORDINATE_LIMITS[kind]
    return ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-limit, max=limit))
