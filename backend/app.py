"""Application factory."""

import swagger_ui_bundle
from flask import Flask, request, send_from_directory
from flask_compress import Compress
from sqlalchemy.exc import OperationalError

from . import wiring
from .config import load_config
from .core.db import db, is_lock_contention, kept_despite_error, set_write_intent
from .core.http import StrictJSONProvider
from .core.logs import configure_logging
from .core.metrics import init_metrics
from .core.problems import lock_contention_problem, register_error_handlers
from .health import bp as health_bp
from .sync_adapter import change_log  # noqa: F401  (registers change tracking for sync)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_config(config))
    app.config.update(
        API_TITLE="Xuncha 巡查 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served from this app: a CDN may be unreachable where users are, and would run
        # scripts of its own on the portal's origin.
        OPENAPI_SWAGGER_UI_URL=f"{SWAGGER_UI_ASSETS}/",
        API_SPEC_OPTIONS={"security": [{"bearerAuth": []}]},
        JSON_AS_ASCII=False,
    )
    app.json = StrictJSONProvider(app)
    configure_logging(app)
    db.init_app(app)
    wiring.connect()
    register_error_handlers(app)
    _register_commit(app)
    init_metrics(app)
    app.after_request(_no_sniffing)
    _compress(app)
    _serve_swagger_ui_assets(app)
    from .api import register_api

    register_api(app)
    app.register_blueprint(health_bp)
    from .web import init_web

    init_web(app)
    return app


def _compress(app: Flask) -> None:
    """JSON and pages go gzipped to clients that accept it: a phone's first sync pull is a
    fifth of its size (issue 15). Files sent as files (photos, the app's bundle) are not."""
    app.config.setdefault("COMPRESS_ALGORITHM", "gzip")
    app.config.setdefault("COMPRESS_MIMETYPES", [*COMPRESSED_TYPES])
    Compress(app)


COMPRESSED_TYPES = (
    "application/json",
    "application/problem+json",
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/manifest+json",
)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SWAGGER_UI_ASSETS = "/docs-assets/swagger-ui"


def _serve_swagger_ui_assets(app: Flask) -> None:
    @app.get(f"{SWAGGER_UI_ASSETS}/<path:filename>")
    def swagger_ui_asset(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)


def _no_sniffing(response):
    """Browsers must take every answer as the type it is served as: an uploaded photo that is
    also valid HTML must never run as a page."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _register_commit(app: Flask) -> None:
    """The one place a request's work is committed: success commits, an error rolls back."""

    @app.before_request
    def declare_write_intent():
        set_write_intent(request.method not in READ_ONLY_METHODS)

    @app.teardown_request
    def restore_write_intent(_exc=None):
        set_write_intent(True)

    @app.after_request
    def commit_or_rollback(response):
        if response.status_code >= 400 and not kept_despite_error(db.session):
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except OperationalError as error:
            db.session.rollback()
            if not is_lock_contention(error):
                raise
            return lock_contention_problem()
        return response
