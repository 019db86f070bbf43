"""The app's shell tells the app the deployment's settings it needs, in meta tags (the page's
CSP forbids inline scripts)."""


def test_the_shell_tells_the_app_how_many_mb_of_after_photos_to_keep(app, client):
    shell = client.get("/app/")
    assert shell.status_code == 200
    page = shell.get_data(as_text=True)
    assert '<meta name="xuncha-after-photo-cache-mb" content="30">' in page
    assert "<!-- settings -->" not in page
    assert "script-src 'self'" in shell.headers["Content-Security-Policy"]
    app.config["APP_AFTER_PHOTO_CACHE_MB"] = 5
    try:
        page = client.get("/app/").get_data(as_text=True)
    finally:
        app.config["APP_AFTER_PHOTO_CACHE_MB"] = 30
    assert '<meta name="xuncha-after-photo-cache-mb" content="5">' in page
