"""Server-rendered pages (zh-CN, phone-first, no JavaScript but the signature pad of
`portal_commitments`): the public safety-code page
(/q/<token>), the enterprise portal (/portal/) and the supervisors' board (/board/).

Pages call the same services and authorisation as the API; they only render. Each page
blueprint shares the hooks below: the login session, CSRF checks on POST, security headers,
and errors rendered as Chinese pages instead of problem+json.
"""

import logging

from flask import Blueprint, g, redirect, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from media.errors import MediaError

from ..core.db import db
from ..core.errors import DomainError
from ..photos import services as photos
from . import security
from .messages import describe, status_of

log = logging.getLogger("xuncha.web")


def page_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.before_request(security.load_session_user)
    bp.before_request(security.check_csrf)
    bp.after_request(security.add_security_headers)

    @bp.context_processor
    def page_context():
        return {
            "csp_nonce": security.csp_nonce(),
            "csrf_token": security.csrf_token,
            "current_user": g.get("current_user"),
        }

    @bp.errorhandler(security.CsrfFailure)
    def csrf_failed(_error):
        return render_error(400, "页面已过期，请刷新页面后重新提交。")

    @bp.errorhandler(DomainError)
    @bp.errorhandler(MediaError)
    @bp.errorhandler(HTTPException)
    def known_error(error):
        return render_error(status_of(error), describe(error))

    @bp.errorhandler(Exception)
    def unexpected_error(error):
        if isinstance(error, HTTPException):
            return known_error(error)
        log.exception("page error on %s", bp.name)
        return render_error(500, describe(error))

    return bp


PHOTO_VARIANTS = ("thumb", "preview")


def send_photo(user, sha256: str):
    """A photo for a page, under the same rule as the API: the uploader and those who may see
    a record it is attached to. Small variants only (`?variant=thumb|preview`)."""
    variant = request.args.get("variant", "thumb")
    if variant not in PHOTO_VARIANTS:
        variant = "thumb"
    served = photos.serve_media(user, sha256, variant)
    if served.url:
        response = redirect(served.url, 302)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response = send_file(
        served.path, mimetype=served.mime, etag=served.etag, conditional=True, max_age=3600
    )
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def page_number() -> int:
    """The `page` query parameter of a listing page; nonsense means the first page."""
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def render_error(status: int, message: str):
    db.session.rollback()
    response = render_template("error.html", status=status, message=message)
    return response, status


def init_web(app) -> None:
    from . import (  # noqa: F401 — they add routes to board and portal
        app_shell,
        board,
        board_blacklist,
        board_campaigns,
        board_credit,
        board_enforcement,
        board_enterprises,
        board_five_implementations,
        board_patrols,
        board_reports,
        portal,
        portal_commitments,
        portal_credit,
        portal_inspections,
        portal_registers,
        portal_reports,
        portal_risks,
        public,
    )

    security.configure_session(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(public.blacklist_bp)
    app.register_blueprint(public.gongshi_bp)
    app.register_blueprint(public.home_bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(app_shell.bp)
