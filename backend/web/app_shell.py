"""The inspector's offline app (issue 15) at /app/: its shell and built files, made from
app/ by esbuild into static/app/ and committed, so serving it needs no Node. The app speaks
only the public API (/api/v1); its data lives on the phone (WatermelonDB), so these routes
hand out files and nothing else."""

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory

APP_FILES = Path(__file__).parent / "static" / "app"

bp = Blueprint("app_shell", __name__, url_prefix="/app")

# Scripts and styles from this origin only; photos as blob: URLs made on the phone; the
# camera's stream needs no source. No inline code at all.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    # The service worker keeps the offline copy; the browser revalidates so a build arrives.
    response.headers["Cache-Control"] = "no-cache"
    return response


# The deployment's settings the app reads (no inline script: a meta tag each).
SETTINGS_MARK = "<!-- settings -->"


@bp.get("/")
def shell():
    megabytes = int(current_app.config.get("APP_AFTER_PHOTO_CACHE_MB", 30))
    meta = f'<meta name="xuncha-after-photo-cache-mb" content="{megabytes}">'
    page = (APP_FILES / "index.html").read_text(encoding="utf-8").replace(SETTINGS_MARK, meta)
    return Response(page, mimetype="text/html")


@bp.get("/<path:filename>")
def app_file(filename):
    response = send_from_directory(APP_FILES, filename)
    if filename == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/app/"
    if filename.endswith(".webmanifest"):
        response.mimetype = "application/manifest+json"
    return response
