"""Photo uploads and downloads: tus 1.0 at /api/v1/uploads, one-request PUT, HEAD and GET by
SHA-256 at /api/v1/media/{sha256} (docs/sync.md, wire contracts). Bodies are streamed from
``request.stream`` in small reads, never loaded whole; the rules live in photos/services.py.
"""

import hashlib
import re
from email.utils import format_datetime

import marshmallow as ma
from flask import Response, redirect, request, send_file, url_for
from flask.views import MethodView

from media.errors import MediaError, UnsupportedMediaType
from media.tus import TUS_EXTENSIONS, TUS_VERSION, format_upload_metadata, parse_upload_metadata

from ..core.errors import NotFound
from ..core.http import Blueprint, public
from ..core.scope import current_user
from . import services as service

blp = Blueprint(
    "media",
    __name__,
    url_prefix="/api/v1",
    description="照片: resumable (tus 1.0) and one-request uploads, downloads by SHA-256",
)

SHA256 = "<string(length=64):sha256>"
UPLOAD_ID = "<string(minlength=16, maxlength=64):upload_id>"
TUS_ENDPOINTS = {"media.Uploads", "media.UploadById"}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
VARIANTS = ("thumb", "preview", "original")
DIGITS = re.compile(r"[0-9]{1,18}")
BINARY = {"type": "string", "format": "binary"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")


class TusVersionUnsupported(MediaError):
    code = "tus_version_unsupported"
    http_status = 412


class InvalidTusHeader(MediaError):
    code = "invalid_header"
    http_status = 400


class MediaObjectSchema(ma.Schema):
    sha256 = ma.fields.String(dump_only=True)
    size = ma.fields.Integer(dump_only=True, metadata={"description": "Bytes of the original"})
    mime = ma.fields.String(dump_only=True)
    width = ma.fields.Integer(dump_only=True, metadata={"description": "As displayed (EXIF)"})
    height = ma.fields.Integer(dump_only=True)
    taken_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    latitude = ma.fields.Float(dump_only=True, allow_none=True)
    longitude = ma.fields.Float(dump_only=True, allow_none=True)
    device_make = ma.fields.String(dump_only=True, allow_none=True)
    device_model = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class VariantQuery(ma.Schema):
    variant = ma.fields.String(
        load_default="original",
        validate=ma.validate.OneOf(VARIANTS),
        metadata={"description": "original (byte-exact), preview (1600 px, stamped) or thumb"},
    )


# --- OpenAPI fragments ----------------------------------------------------------------------


def _header(description: str, schema_type: str = "string", **schema) -> dict:
    return {"description": description, "schema": {"type": schema_type, **schema}}


def _header_parameter(name: str, description: str, schema: dict, required: bool = False) -> dict:
    schema = dict(schema)
    example = schema.pop("example", None)
    parameter = {"in": "header", "name": name, "required": required, "description": description}
    parameter["schema"] = schema
    if example is not None:
        parameter["example"] = example
    return parameter


# Required by tus on every request but OPTIONS; answered 412 when missing or not 1.0.0. Declared
# optional so that a schema-driven client or fuzzer expects that 412 (tus fixes the status).
TUS_RESUMABLE = _header_parameter(
    "Tus-Resumable",
    "tus protocol version: must be 1.0.0 (otherwise 412 with Tus-Version)",
    {"type": "string", "example": TUS_VERSION},
)
TUS_RESUMABLE_HEADER = _header("tus protocol version of the server", example=TUS_VERSION)
UPLOAD_EXPIRES_HEADER = _header("When an unfinished upload is discarded (RFC 9110 date)")
UPLOAD_OFFSET_HEADER = _header("Bytes received so far", "integer", minimum=0)
EXAMPLE_METADATA = format_upload_metadata(
    {"sha256": hashlib.sha256(b"").hexdigest(), "filename": "隐患.jpg"}
)


# --- tus helpers ----------------------------------------------------------------------------


# The tus version is checked after everything else that can refuse a request, right before
# anything is changed: a request wrong in several ways then gets the more specific error.
def _require_tus_resumable() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusVersionUnsupported(f"Tus-Resumable must be {TUS_VERSION}", field="Tus-Resumable")


def _int_header(name: str, minimum: int) -> int:
    text = request.headers.get(name, "").strip()
    if not DIGITS.fullmatch(text) or int(text) < minimum:
        raise InvalidTusHeader(f"{name} must be an integer of at least {minimum}", field=name)
    return int(text)


def _tus_response(status: int, state: service.UploadState | None = None) -> Response:
    response = Response(status=status)
    if state is not None:
        response.headers["Upload-Offset"] = str(state.offset)
        response.headers["Upload-Expires"] = format_datetime(state.expires_at, usegmt=True)
    return response


@blp.after_request
def add_tus_headers(response: Response) -> Response:
    """Every tus response says which protocol it speaks, errors included."""
    if request.endpoint in TUS_ENDPOINTS:
        response.headers["Tus-Resumable"] = TUS_VERSION
        if response.status_code == 412:
            response.headers["Tus-Version"] = TUS_VERSION
    return response


# --- tus endpoints --------------------------------------------------------------------------


@blp.route("/uploads", tags=["uploads"])
class Uploads(MethodView):
    @public
    @blp.doc(security=[])
    @blp.response(
        204,
        description="The server's tus capabilities",
        headers={
            "Tus-Version": _header("Supported protocol versions", example=TUS_VERSION),
            "Tus-Extension": _header("Supported extensions"),
            "Tus-Max-Size": _header("Largest accepted upload in bytes", "integer"),
            "Tus-Resumable": TUS_RESUMABLE_HEADER,
        },
    )
    def options(self):
        """tus discovery: version, extensions, maximum size"""
        response = Response(status=204)
        response.headers["Tus-Version"] = TUS_VERSION
        response.headers["Tus-Extension"] = ",".join(TUS_EXTENSIONS)
        response.headers["Tus-Max-Size"] = str(service.max_upload_bytes())
        return response

    @blp.doc(
        parameters=[
            TUS_RESUMABLE,
            _header_parameter(
                "Upload-Length",
                "Size of the whole file in bytes (at most Tus-Max-Size, else 413)",
                {"type": "integer", "minimum": 1, "example": 68},
                required=True,
            ),
            _header_parameter(
                "Upload-Metadata",
                "tus metadata: comma-separated `key base64(value)` pairs. `sha256` (hex) is "
                "required, `filename` and `filetype` are optional; other keys are ignored.",
                {"type": "string", "example": EXAMPLE_METADATA},
                required=True,
            ),
        ],
    )
    @blp.response(
        201,
        description="Upload created; PATCH its bytes to Location",
        headers={
            "Location": {**_header("The upload's URL"), "required": True},
            "Upload-Expires": UPLOAD_EXPIRES_HEADER,
            "Tus-Resumable": TUS_RESUMABLE_HEADER,
        },
    )
    def post(self):
        """Create a resumable upload (tus creation)"""
        length = _int_header("Upload-Length", minimum=1)
        header = parse_upload_metadata(request.headers.get("Upload-Metadata"))
        metadata = service.upload_metadata(header)
        _require_tus_resumable()
        state = service.create_upload(current_user(), length, metadata)
        response = _tus_response(201, state)
        response.headers["Location"] = url_for("media.UploadById", upload_id=state.upload_id)
        return response


@blp.route(f"/uploads/{UPLOAD_ID}", tags=["uploads"])
class UploadById(MethodView):
    @blp.doc(parameters=[TUS_RESUMABLE])
    @blp.response(
        200,
        description="How much of the upload the server holds (resume from Upload-Offset)",
        headers={
            "Upload-Offset": UPLOAD_OFFSET_HEADER,
            "Upload-Length": _header("Size of the whole file", "integer", minimum=0),
            "Upload-Metadata": _header("The metadata given at creation"),
            "Cache-Control": _header("no-store"),
            "Tus-Resumable": TUS_RESUMABLE_HEADER,
        },
    )
    def head(self, upload_id):
        """Offset of a resumable upload"""
        state = service.upload_state(current_user(), upload_id)
        _require_tus_resumable()
        response = _tus_response(200, state)
        response.headers["Upload-Length"] = str(state.length)
        if state.metadata:
            response.headers["Upload-Metadata"] = format_upload_metadata(state.metadata)
        response.headers["Cache-Control"] = "no-store"
        return response

    @blp.doc(
        parameters=[
            TUS_RESUMABLE,
            _header_parameter(
                "Upload-Offset",
                "Where these bytes go: the offset the server reported (else 409)",
                {"type": "integer", "minimum": 0, "example": 0},
                required=True,
            ),
        ],
        requestBody={
            "required": True,
            "content": {OFFSET_CONTENT_TYPE: {"schema": BINARY}},
        },
    )
    @blp.response(
        204,
        description="Bytes appended; when the last byte arrived the photo was checked and stored",
        headers={
            "Upload-Offset": UPLOAD_OFFSET_HEADER,
            "Upload-Expires": UPLOAD_EXPIRES_HEADER,
            "Tus-Resumable": TUS_RESUMABLE_HEADER,
        },
    )
    def patch(self, upload_id):
        """Append bytes to a resumable upload (streamed; an interrupted body keeps what arrived)"""
        offset = _int_header("Upload-Offset", minimum=0)
        if request.mimetype != OFFSET_CONTENT_TYPE:
            raise UnsupportedMediaType(
                f"Content-Type must be {OFFSET_CONTENT_TYPE}", field="Content-Type"
            )
        service.upload_state(current_user(), upload_id)
        _require_tus_resumable()
        state = service.append_to_upload(current_user(), upload_id, offset, request.stream)
        return _tus_response(204, state)

    @blp.doc(parameters=[TUS_RESUMABLE])
    @blp.response(
        204, description="Upload discarded", headers={"Tus-Resumable": TUS_RESUMABLE_HEADER}
    )
    def delete(self, upload_id):
        """Discard a resumable upload (tus termination)"""
        service.upload_state(current_user(), upload_id)
        _require_tus_resumable()
        service.terminate_upload(current_user(), upload_id)
        return Response(status=204)


# --- media by sha256 ------------------------------------------------------------------------


def _image_responses(decorate):
    """Document a binary 200 in each image type the original may have."""
    decorate = blp.response(200, BINARY, content_type="image/jpeg", description="The bytes")(
        decorate
    )
    for mime in IMAGE_TYPES[1:]:
        decorate = blp.alt_response(
            200, schema=BINARY, content_type=mime, description="The bytes", success=True
        )(decorate)
    return decorate


@blp.route(f"/media/{SHA256}", tags=["media"])
class MediaBySha256(MethodView):
    @blp.arguments(VariantQuery, location="query")
    @_image_responses
    @blp.alt_response(
        302,
        description="S3 storage: a short-lived signed URL to fetch the bytes from",
        headers={"Location": {**_header("Signed URL"), "required": True}},
        success=True,
    )
    @blp.alt_response(304, description="Not modified (If-None-Match)", success=True)
    def get(self, query, sha256):
        """Download a photo: the original, its preview or its thumb

        Allowed to the uploader and to whoever may see a record the photo is attached to;
        anyone else gets 404. Derivatives not made yet are made on the spot.
        """
        served = service.serve_media(current_user(), sha256, query["variant"])
        if served.url:
            response = redirect(served.url, 302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        response = send_file(
            served.path,
            mimetype=served.mime,
            etag=served.etag,
            conditional=True,
            max_age=served.max_age,
        )
        response.cache_control.public = False
        response.cache_control.private = True
        if served.max_age >= service.ONE_YEAR:
            response.cache_control.immutable = True
        return response

    @blp.response(200, description="The server holds these bytes (404: send them)")
    def head(self, sha256):
        """Whether the server already holds a photo, so a client never sends it twice"""
        if not service.holds(sha256):
            raise NotFound(f"media {sha256} not held")
        return Response(status=200, headers={"Cache-Control": "no-store"})

    @blp.doc(
        requestBody={
            "required": True,
            "description": "The photo's bytes, unchanged (JPEG, PNG, WebP or HEIC)",
            "content": {
                mime: {"schema": BINARY} for mime in ("application/octet-stream", "image/jpeg")
            },
        }
    )
    @blp.response(201, MediaObjectSchema, description="Stored")
    @blp.alt_response(
        200, schema=MediaObjectSchema, description="Already held: stored once", success=True
    )
    def put(self, sha256):
        """Upload a photo in one request; the path names the SHA-256 of the body"""
        media, created = service.receive_upload(current_user(), request.stream, sha256)
        return media if created else (media, 200)
