"""All configuration in one place, read from environment variables.

Every setting has a safe default for local work; `.env.example` documents
them. `APP_ENV=production` switches the defaults to their production values
and refuses to start without an explicit `JWT_SECRET_KEY`.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULT_CORS_ORIGINS = "http://localhost:8000,http://127.0.0.1:8000"
MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its 256-bit hash


class ConfigError(RuntimeError):
    """Raised when the environment asks for something unsafe or impossible."""


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def load_secret_key(instance_path: str, production: bool) -> str:
    """Return the JWT signing key.

    Locally a key is generated once and kept in the instance folder, so a
    restart does not log everybody out. In production a generated key would
    differ between servers and silently break every session, so we refuse.
    """
    explicit = os.environ.get("JWT_SECRET_KEY", "")
    if explicit:
        if len(explicit.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"JWT_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes "
                "(try: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return explicit
    if production:
        raise ConfigError(
            "APP_ENV=production needs an explicit JWT_SECRET_KEY of at least "
            f"{MIN_SECRET_BYTES} bytes; refusing to start with a generated one"
        )
    key_file = Path(instance_path) / "jwt-secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: if two processes race here, only one writes the key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(MIN_SECRET_BYTES))
    return key_file.read_text().strip()


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    production = os.environ.get("APP_ENV", "development").strip() == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "silent_refresh.sqlite")
    return {
        "APP_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "CORS_ORIGINS": [
            origin.strip()
            for origin in os.environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS).split(",")
            if origin.strip()
        ],
        "REFRESH_DELAY_MS": env_int("REFRESH_DELAY_MS", 0),
        # Seconds during which a just-rotated refresh token may be presented
        # again (a lost response) without counting as reuse. 0 = off.
        "REFRESH_REUSE_GRACE_S": env_int("REFRESH_REUSE_GRACE_S", 0),
        "SESSION_MAX_AGE": timedelta(seconds=env_int("SESSION_MAX_AGE", 30 * 24 * 3600, minimum=1)),
        # Failed logins allowed per username and per client address.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Stated explicitly because the `limiter` object is shared by every app
        # in the process and otherwise keeps the last value it saw: one app
        # created with RATELIMIT_ENABLED=False (in a test, say) would leave
        # login rate limiting off for every app created after it.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Number of reverse proxies in front of the app whose X-Forwarded-*
        # headers we trust (0 = none: never trust a client-supplied header).
        "TRUSTED_PROXY_COUNT": env_int("TRUSTED_PROXY_COUNT", 0),
        # One JSON line per request on stderr (on by default in production).
        "REQUEST_LOG": env_bool("REQUEST_LOG", production),
        # Login bodies are tiny; anything bigger is refused with 413.
        "MAX_CONTENT_LENGTH": 16 * 1024,
        # --- flask-jwt-extended ---
        "JWT_SECRET_KEY": load_secret_key(instance_path, production),
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],  # never "none", never RS256 confusion
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=env_int("ACCESS_TOKEN_TTL", 900, minimum=1)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(seconds=env_int("REFRESH_TOKEN_TTL", 604800, minimum=1)),
        # Access tokens travel in the Authorization header, refresh tokens in
        # a cookie; each route says which one it accepts.
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],
        "JWT_REFRESH_COOKIE_PATH": "/auth",  # the browser sends it to /auth/* only
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/",  # readable by the page's JavaScript
        "JWT_COOKIE_SAMESITE": "Strict",
        "JWT_COOKIE_SECURE": env_bool("COOKIE_SECURE", production),
        # Host-only cookies by default; a parent domain when the page and the
        # API live on sibling hosts (the page must read csrf_refresh_token).
        "JWT_COOKIE_DOMAIN": os.environ.get("COOKIE_DOMAIN", "").strip() or None,
        "JWT_COOKIE_CSRF_PROTECT": True,
        "JWT_SESSION_COOKIE": False,  # survive a browser restart, until max_age
    }
