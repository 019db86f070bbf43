"""Configuration from the environment, with embedded defaults for `make run`."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    path = Path(os.environ.get("XUNCHA_VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = var_dir() / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    env = os.environ
    config = {
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'xuncha.db'}",
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(var_dir() / "media"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        "TOKEN_TTL_HOURS": int(env.get("TOKEN_TTL_HOURS", "720")),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(env.get("LOGIN_FAILURE_WINDOW_MINUTES", "15")),
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT", "0")),
    }
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key()
    return config
