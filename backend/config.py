"""All configuration in one place, read from environment variables.

Every setting has a safe default for local work; `.env.example` documents
them. `APP_ENV=production` switches the defaults to their production values
and refuses to start without an explicit `JWT_SECRET_KEY`.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_CORS_ORIGINS = "http://localhost:8000,http://127.0.0.1:8000"
MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its 256-bit hash
MIN_DISTINCT_SECRET_CHARS = 8  # even a hex key of 32 bytes has about 16
# A "recent" password older than a day protects nothing a login does not.
MAX_REAUTH_AGE = 24 * 3600
# Storage schemes of the `limits` library that a deployment would use.
STORAGE_SCHEMES = {
    "memory",
    "redis",
    "rediss",
    "redis+sentinel",
    "redis+cluster",
    "memcached",
    "mongodb",
    "mongodb+srv",
}


class ConfigError(RuntimeError):
    """Raised when the environment asks for something unsafe or impossible."""


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
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


APP_ENVS = {"development", "production"}


def env_app_env() -> str:
    """APP_ENV, case-insensitively. Anything else stops start-up: a typo such
    as "prod" must never quietly run production with development defaults
    (no Secure cookies, no HSTS, a generated key)."""
    raw = os.environ.get("APP_ENV", "").strip().lower()
    if not raw:
        return "development"
    if raw not in APP_ENVS:
        raise ConfigError(f"APP_ENV must be development or production, got {raw!r}")
    return raw


def env_rate_limit(name: str, default: str) -> str:
    """A Flask-Limiter limit such as "10 per minute"; a value it cannot read
    would otherwise switch brute-force protection off without a word."""
    from limits import parse_many

    raw = os.environ.get(name, "").strip() or default
    try:
        if not parse_many(raw):
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a limit such as '10 per minute', got {raw!r}") from None
    return raw


def env_origins(name: str, default: str) -> list[str]:
    """Comma-separated origins: scheme://host[:port], no path, no wildcard."""
    raw = os.environ.get(name, "").strip() or default
    origins = [origin.strip() for origin in raw.split(",") if origin.strip()]
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ConfigError(
                f"{name}: {origin!r} is not an origin such as https://app.example.com"
            )
    return origins


def env_storage_uri(name: str, default: str) -> str:
    """Where the login limiter keeps its counters: a URI limits understands."""
    raw = os.environ.get(name, "").strip() or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in STORAGE_SCHEMES:
        raise ConfigError(
            f"{name} must be one of {', '.join(sorted(STORAGE_SCHEMES))}://..., got {raw!r}"
        )
    return raw


def env_cookie_domain(name: str) -> str | None:
    """A bare host name such as example.com, or None (host-only cookies)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not all(part and (part.isalnum() or "-" in part) for part in raw.lstrip(".").split(".")):
        raise ConfigError(f"{name} must be a domain such as example.com, got {raw!r}")
    return raw


def env_database_url(name: str, default: str) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{name} is not an SQLAlchemy URL such as postgresql+psycopg://user:pw@host/db"
        ) from None
    return raw


def check_secret(key: str, source: str) -> str:
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"{source} must be at least {MIN_SECRET_BYTES} bytes "
            "(try: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    # 40 spaces are 40 bytes, and no secret at all.
    if key != key.strip() or len(set(key)) < MIN_DISTINCT_SECRET_CHARS:
        raise ConfigError(
            f"{source} looks like a placeholder (surrounding spaces, or fewer than "
            f"{MIN_DISTINCT_SECRET_CHARS} different characters); generate a random one"
        )
    return key


def env_path_prefix(name: str) -> str:
    """A URL path prefix such as "/api" ("" = none): one leading slash, no
    trailing one, plain path characters only (it becomes a cookie's Path)."""
    raw = os.environ.get(name, "").strip()
    if raw and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", raw):
        raise ConfigError(
            f"{name} must be empty or a path such as /api (no trailing slash), got {raw!r}"
        )
    return raw


def load_secret_key(instance_path: str, production: bool) -> str:
    """Return the JWT signing key.

    Locally a key is generated once and kept in the instance folder, so a
    restart does not log everybody out. In production a generated key would
    differ between servers and silently break every session, so we refuse.
    """
    explicit = os.environ.get("JWT_SECRET_KEY", "")
    if explicit:
        return check_secret(explicit, "JWT_SECRET_KEY")
    if production:
        raise ConfigError(
            "APP_ENV=production needs an explicit JWT_SECRET_KEY of at least "
            f"{MIN_SECRET_BYTES} bytes; refusing to start with a generated one"
        )
    key_file = Path(instance_path) / "jwt-secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file, then linked into place in one step:
        # a crash can never leave an empty key file behind, and when two
        # processes race here, os.link lets only the first one win.
        temporary = key_file.with_name(f".jwt-secret.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(MIN_SECRET_BYTES))
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = key_file.read_text().strip()
    if len(key) < MIN_SECRET_BYTES:
        # Left behind by an older version that crashed between create and write.
        raise ConfigError(
            f"{key_file} (used when JWT_SECRET_KEY is unset) is empty or too short: "
            "delete it and start again, and a new key is generated"
        )
    return key


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    app_env = env_app_env()
    production = app_env == "production"
    api_prefix = env_path_prefix("API_PREFIX")
    default_db = "sqlite:///" + str(Path(instance_path) / "silent_refresh.sqlite")
    return {
        "APP_ENV": app_env,
        "SQLALCHEMY_DATABASE_URI": env_database_url("DATABASE_URL", default_db),
        "CORS_ORIGINS": env_origins("CORS_ORIGINS", DEFAULT_CORS_ORIGINS),
        "REFRESH_DELAY_MS": env_int("REFRESH_DELAY_MS", 0),
        # Every route lives under this path ("/api" behind a proxy that serves
        # the page on the same origin); the refresh cookie's path follows it.
        "API_PREFIX": api_prefix,
        # Seconds during which a just-spent refresh token, presented again
        # (its answer was lost), gets the successor already issued instead of
        # counting as reuse. 10 s covers a retry after a client's timeout;
        # 0 = strict reuse detection (tokens.successor_to_resend).
        "REFRESH_REUSE_GRACE_S": env_int("REFRESH_REUSE_GRACE_S", 10),
        "SESSION_MAX_AGE": timedelta(seconds=env_int("SESSION_MAX_AGE", 30 * 24 * 3600, minimum=1)),
        # How recent the user's password must be for a sensitive request
        # (ending other sessions): older gets 403 reauth_required.
        "REAUTH_MAX_AGE": timedelta(
            seconds=env_int("REAUTH_MAX_AGE", 900, minimum=1, maximum=MAX_REAUTH_AGE)
        ),
        # Failed logins allowed per username and per client address.
        "LOGIN_RATE_LIMIT": env_rate_limit("LOGIN_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": env_storage_uri("RATELIMIT_STORAGE_URI", "memory://"),
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
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(
            seconds=env_int("REFRESH_TOKEN_TTL", 604800, minimum=1)
        ),
        # Access tokens travel in the Authorization header, refresh tokens in
        # a cookie; each route says which one it accepts.
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],
        "JWT_REFRESH_COOKIE_PATH": api_prefix + "/auth",  # the browser sends it to /auth/* only
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/",  # readable by the page's JavaScript
        "JWT_COOKIE_SAMESITE": "Strict",
        "JWT_COOKIE_SECURE": env_bool("COOKIE_SECURE", production),
        # Host-only cookies by default; a parent domain when the page and the
        # API live on sibling hosts (the page must read csrf_refresh_token).
        "JWT_COOKIE_DOMAIN": env_cookie_domain("COOKIE_DOMAIN"),
        "JWT_COOKIE_CSRF_PROTECT": True,
        "JWT_SESSION_COOKIE": False,  # survive a browser restart, until max_age
    }
