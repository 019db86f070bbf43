"""What every web page shares: security headers with a per-request CSP nonce, the login
session (Flask's signed cookie: HttpOnly, SameSite=Lax), and CSRF tokens for POST forms."""

import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, g, request, session

from ..models import User
from ..users.auth import issue_token, revoke, user_for_token

SESSION_TOKEN = "token"
WEB_SESSION = "web-session"  # the device id of the tokens behind page sessions
SESSION_LIFETIME = timedelta(hours=12)
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
PAGE_SCRIPT = "xuncha.page_script"


class CsrfFailure(Exception):
    """A POST form without the session's CSRF token."""


def configure_session(app) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="xuncha_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure whenever the site is served over HTTPS (as it is in production).
        SESSION_COOKIE_SECURE=app.config.get("PUBLIC_BASE_URL", "").startswith("https://"),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
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


def allow_page_script() -> None:
    """This page runs its own nonce'd <script> (the signature pad); every other page none.
    Kept on the request itself: an app context (and its `g`) may outlive one request."""
    request.environ[PAGE_SCRIPT] = True


def add_security_headers(response):
    """No scripts (but a page's own nonce'd one where it asked), styles only from the page's
    own nonce'd <style>, nothing framed."""
    scripts = f"'nonce-{csp_nonce()}'" if request.environ.get(PAGE_SCRIPT) else "'none'"
    policy = (
        "default-src 'self'; "
        f"style-src 'nonce-{csp_nonce()}'; "
        f"img-src {_image_sources()}; "
        f"script-src {scripts}; object-src 'none'; base-uri 'none'; "
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


def log_in(user: User) -> None:
    """A fresh session at each login (no fixation), held by a server-side token: logging out
    revokes it, so a copy of the cookie taken before is worth nothing after."""
    session.clear()
    session.permanent = True
    token, _record = issue_token(user, ttl=SESSION_LIFETIME, device_id=WEB_SESSION)
    session[SESSION_TOKEN] = token
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def log_out() -> None:
    found = _session_token()
    if found is not None:
        revoke(found[1])
    session.clear()


def _session_token():
    token = session.get(SESSION_TOKEN)
    return user_for_token(token) if isinstance(token, str) else None


def session_user() -> User | None:
    """The session's user while its token is live (not revoked by a logout or a password
    change, not expired, the account active)."""
    found = _session_token()
    return found[0] if found else None


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
