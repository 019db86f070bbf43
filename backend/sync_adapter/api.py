"""`GET` and `POST /api/v1/sync`: the WatermelonDB sync protocol (docs/sync.md, wire contracts)."""

import marshmallow as ma
from flask import current_app, g, request
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync import idempotency
from sync.engine import PushConflict
from sync.protocol import ProtocolError, check_changes_shape, parse_last_pulled_at

from ..core.db import db, keep_despite_error
from ..core.errors import Invalid, PayloadTooLarge
from ..core.http import Blueprint, nul_character_path, strict_json_loads
from ..core.problems import problem_response
from ..core.scope import current_user
from ..models import IdempotencyKey
from . import services as service

blp = Blueprint("sync", __name__, url_prefix="/api/v1", description="离线同步 (WatermelonDB)")

# v2 adds columns and pushable hazards, v3 the enterprises' coordinates; older clients still
# work (docs/sync.md).
SCHEMA_VERSION = 3


class PullQuery(ma.Schema):
    last_pulled_at = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The timestamp of the last pull; null, empty or 0 = first sync"},
    )
    schema_version = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=SCHEMA_VERSION),
        metadata={"description": "The client's schema version (1 to 3)"},
    )
    migration = ma.fields.String(
        allow_none=True,
        metadata={"description": "WatermelonDB migration info (JSON): the whole scope again"},
    )


class PushQuery(ma.Schema):
    last_pulled_at = ma.fields.String(load_default=None, allow_none=True)


class PullSchema(ma.Schema):
    changes = ma.fields.Dict(required=True)
    timestamp = ma.fields.Integer(required=True)
    experimentalStrategy = ma.fields.String()  # noqa: N815 (the protocol's name): "replacement"


class PushResultSchema(ma.Schema):
    experimentalRejectedIds = ma.fields.Dict(  # noqa: N815 (the protocol's name)
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True
    )


CHANGES_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "WatermelonDB changes: {table: {created: [], updated: [], "
                "deleted: [ids]}}",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "created": {"type": "array", "items": {"type": "object"}},
                        "updated": {"type": "array", "items": {"type": "object"}},
                        "deleted": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        }
    },
}


def _last_pulled_at(query) -> int | None:
    try:
        return parse_last_pulled_at(query.get("last_pulled_at"))
    except ProtocolError as error:
        raise Invalid(error.detail, field=error.field) from None


def _device_id() -> str | None:
    token = g.current_token
    return token.device_id if token is not None else None


@blp.route("/sync")
class Sync(MethodView):
    @blp.arguments(PullQuery, location="query")
    @blp.response(200, PullSchema)
    def get(self, query):
        """Pull: every change in the caller's scope since `last_pulled_at`"""
        return service.pull(
            current_user(), _last_pulled_at(query), _device_id(), query.get("migration")
        )

    @blp.arguments(PushQuery, location="query")
    @blp.doc(
        requestBody=CHANGES_BODY,
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
            }
        ],
    )
    @blp.response(200, PushResultSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, query):
        """Push: apply the device's changes in one transaction"""
        last_pulled_at = _last_pulled_at(query)
        changes = _changes_body()
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return _push(changes, last_pulled_at)
        return _push_once(key, changes, last_pulled_at)


def _changes_body():
    limit = current_app.config.get("SYNC_MAX_BODY_BYTES", 16 * 1024 * 1024)
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"A push is at most {limit} bytes; push the rest in another.")
    if not request.get_data(cache=True):
        raise Invalid("A changes object is required.", field="changes")
    try:
        changes = strict_json_loads(request.get_data(cache=True))
    except ValueError as error:
        raise Invalid(f"The body is not JSON: {error}.", field="changes") from None
    nul_path = nul_character_path(changes)
    if nul_path:
        raise Invalid("Text must not contain NUL characters.", field=f"changes.{nul_path}")
    problems = check_changes_shape(
        changes, max_records=current_app.config.get("SYNC_MAX_RECORDS_PER_PUSH", 10_000)
    )
    if problems:
        path, reason = problems[0]
        raise Invalid(f"{path}: {reason}", field=f"changes.{path}")
    return changes


def _push(changes, last_pulled_at):
    """(status, body) of one push; the push's own writes roll back on a conflict."""
    try:
        with db.session.begin_nested():
            outcome = service.apply_push(current_user(), changes, last_pulled_at, _device_id())
    except PushConflict as conflict:
        return problem_response(
            409,
            "Conflict",
            f"{conflict.table} {conflict.record_id} changed on the server since your last pull;"
            " pull, then push again.",
            table=conflict.table,
            record_id=conflict.record_id,
        )
    return {"experimentalRejectedIds": outcome.rejected_ids()}


def _push_once(key: str, changes, last_pulled_at):
    """A push under an Idempotency-Key. The key is recorded in the push's own transaction,
    with its answer: a crash before the commit takes both back, so a retry is processed
    afresh, never blocked. A concurrent duplicate waits for the first to end (on the key's
    unique index on PostgreSQL, on the write lock on SQLite), then replays its answer."""
    problem = idempotency.key_problem(key)
    if problem:
        raise Invalid(problem, field="Idempotency-Key")
    user = current_user()
    fingerprint = idempotency.fingerprint(
        request.method, request.path, request.query_string.decode(), request.get_data(cache=True)
    )
    claim = _claim_key(user.id, key, fingerprint)
    if not isinstance(claim, IdempotencyKey):
        return claim  # the stored answer, or the problem with reusing the key
    response = current_app.make_response(_push(changes, last_pulled_at))
    claim.completed = True
    claim.response_status = response.status_code
    claim.response_body = response.get_data(as_text=True)
    keep_despite_error(db.session)  # a 409 answer is kept too (the push itself was rolled back)
    return response


def _claim_key(user_id: int, key: str, fingerprint: str):
    """The new key row (not yet committed), or the answer to give instead of processing."""
    for _ in range(2):
        stored = _stored_key(user_id, key)
        if stored is not None:
            return _answer_from(stored, fingerprint)
        claim = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint)
        try:
            with db.session.begin_nested():
                db.session.add(claim)
        except IntegrityError:
            continue  # a concurrent request with this key committed first: answer from it
        return claim
    return problem_response(
        409, "Request in progress", "A request with this Idempotency-Key is being processed."
    )


def _answer_from(stored: IdempotencyKey, fingerprint: str):
    decision = idempotency.decide(
        idempotency.StoredKey(stored.fingerprint, stored.completed), fingerprint
    )
    if decision is idempotency.Decision.MISMATCH:
        return problem_response(
            422, "Idempotency key reused", "This Idempotency-Key was used for another request."
        )
    return current_app.response_class(
        stored.response_body, status=stored.response_status, mimetype=_mimetype(stored)
    )


def _mimetype(stored: IdempotencyKey) -> str:
    return "application/problem+json" if stored.response_status >= 400 else "application/json"


def _stored_key(user_id: int, key: str) -> IdempotencyKey | None:
    stored = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if stored is not None and not stored.completed:
        # Left by a version that committed keys before their answer; its request is gone.
        db.session.delete(stored)
        db.session.flush()
        return None
    return stored
