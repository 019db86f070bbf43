"""What every web page shares: security headers with a per-request CSP nonce, the login
session (Flask's signed cookie: HttpOnly, SameSite=Lax), and CSRF tokens for POST forms."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, g, request, session

from ..core.db import db
from ..models import User

SESSION_USER = "uid"
SESSION_VERSION = "pwv"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"


class CsrfFailure(Exception):
    """A POST form without the session's CSRF token."""


def configure_session(app) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="xuncha_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure whenever the site is served over HTTPS (as it is in production).
        SESSION_COOKIE_SECURE=app.config.get("PUBLIC_BASE_URL", "").startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )


# --- headers --------------------------------------------------------------------------------


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _image_sources() -> str:
    """Photos come from this origin, or (S3 storage) from the signed URLs' origin."""
    config = current_app.config
    if config.get("MEDIA_STORAGE") != "s3":
        return "'self' data:"
    endpoint = urlsplit(config.get("S3_ENDPOINT_URL") or "")
    origin = f"{endpoint.scheme}://{endpoint.netloc}" if endpoint.netloc else "https:"
    return f"'self' data: {origin}"


def add_security_headers(response):
    """No scripts at all, styles only from the page's own nonce'd <style>, nothing framed."""
    policy = (
        "default-src 'self'; "
        f"style-src 'nonce-{csp_nonce()}'; "
        f"img-src {_image_sources()}; "
        "script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # Page URLs carry capability tokens (/q/<token>): never hand them to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- the login session ----------------------------------------------------------------------


def _password_version(user: User) -> str:
    """Changes with the password: a password change ends every session of the account."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:24]


def log_in(user: User) -> None:
    session.clear()  # a fresh session at each login (no fixation)
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_VERSION] = _password_version(user)
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def session_user() -> User | None:
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(str(session.get(SESSION_VERSION, "")), _password_version(user)):
        return None
    return user


def load_session_user() -> None:
    """Pages use the same g.current_user as the API, so authz and services work unchanged."""
    g.current_user = session_user()


# --- CSRF -----------------------------------------------------------------------------------


def csrf_token() -> str:
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every POST of a page blueprint carries the session's token in its form."""
    if request.method != "POST":
        return
    expected = session.get(SESSION_CSRF)
    given = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise CsrfFailure()
