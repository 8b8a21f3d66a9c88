"""All configuration in one place, read from environment variables.

Every setting has a safe default for local work; `.env.example` documents
them. `APP_ENV=production` switches the defaults to their production values
and refuses to start without an explicit `JWT_SECRET_KEY`.
"""

import ipaddress
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
# Words of the fill-in-here values people paste from examples. A generated
# key (hex or base64) practically never contains one.
PLACEHOLDER_WORDS = ("change", "replace", "placeholder", "example", "insecure", "default")
# Upper bounds. Each keeps a setting within what is sane for this app, and
# far below what a datetime (year 9999) or a JWT's `exp` can hold, so no
# value can pass start-up and then make every login a 500.
DAY = 24 * 3600
MAX_ACCESS_TOKEN_TTL = DAY  # an access token cannot be revoked: minutes, never days
MAX_REFRESH_TOKEN_TTL = 365 * DAY
MAX_SESSION_MAX_AGE = 365 * DAY
# The grace window re-opens a spent refresh token. A lost answer is retried
# within seconds (the client's refresh timeout plus one retry); a minute
# covers a slow mobile network, while a longer window would let a stolen
# spent token pass without tripping reuse detection.
MAX_REUSE_GRACE_S = 60
# The demo's artificial refresh delay stays well under gunicorn's 30 s
# worker timeout; production refuses any delay at all.
MAX_REFRESH_DELAY_MS = 10_000
MAX_TRUSTED_PROXY_COUNT = 5  # more hops than a real chain; each one is believed
# Failed logins per minute: above this the limit throttles no guesser.
MAX_LOGIN_ATTEMPTS_PER_MINUTE = 1000
MAX_API_PREFIX_LENGTH = 64
# A "recent" password older than a day protects nothing a login does not.
MAX_REAUTH_AGE = DAY
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


def env_int(name: str, default: int, minimum: int = 0, maximum: int = 365 * DAY) -> int:
    """A whole number from minimum to maximum; empty or blank = the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    # Plain ASCII digits only: int() would also take "1_000" and "١٢".
    if not re.fullmatch(r"[+-]?[0-9]{1,20}", raw):
        raise ConfigError(f"{name} must be a whole number, got {raw[:40]!r}")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be from {minimum} to {maximum}, got {raw}")
    return value


def env_seconds(name: str, default: int, maximum: int) -> timedelta:
    """A lifetime in whole seconds, at least 1."""
    return timedelta(seconds=env_int(name, default, minimum=1, maximum=maximum))


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
        limits = parse_many(raw)
        if not limits:
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a limit such as '10 per minute', got {raw!r}") from None
    for limit in limits:
        per_minute = limit.amount * 60 / limit.get_expiry()
        if limit.amount < 1 or per_minute > MAX_LOGIN_ATTEMPTS_PER_MINUTE:
            raise ConfigError(
                f"{name} must allow from 1 to {MAX_LOGIN_ATTEMPTS_PER_MINUTE} failed logins "
                f"per minute, got {raw!r}"
            )
    return raw


# One DNS label: letters, digits and inner hyphens (RFC 1123).
LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN = re.compile(rf"{LABEL}(\.{LABEL})*", re.IGNORECASE)


def is_host_name(host: str) -> bool:
    """A DNS name (its last label not all digits) or an IPv4 address."""
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    return (
        len(host) <= 253 and bool(DOMAIN.fullmatch(host)) and not host.rpartition(".")[2].isdigit()
    )


def exact_origin(value: str) -> str | None:
    """`value` as the browser writes it in the Origin header
    (scheme://host[:port], lowercase, IPv6 in brackets and compressed, the
    default port left out), or None when it is not exactly one origin.

    Only names, addresses and digits get through: no pattern, path, user,
    query or fragment, so nothing can be read as a regular expression."""
    if not re.fullmatch(r"[A-Za-z0-9.:/\[\]-]+", value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # "[::1" or a port that is not a number
        return None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https") or parts.path or value.endswith(":"):
        return None
    if parts.netloc.startswith("["):
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    elif not is_host_name(host):
        return None
    default_port = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


def env_origins(name: str, default: str) -> list[str]:
    """Comma-separated exact origins: scheme://host[:port], nothing else."""
    raw = os.environ.get(name, "").strip() or default
    origins = []
    for value in (part.strip() for part in raw.split(",")):
        origin = exact_origin(value) if value else None
        if origin is None:
            raise ConfigError(
                f"{name}: {value[:80]!r} is not an exact origin such as "
                "https://app.example.com or http://[::1]:8000 (no patterns, paths or wildcards)"
            )
        origins.append(origin)
    return origins


def env_storage_uri(name: str, default: str) -> str:
    """Where the login limiter keeps its counters: a URI limits understands."""
    raw = os.environ.get(name, "").strip() or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in STORAGE_SCHEMES:
        raise ConfigError(
            f"{name} must be one of {', '.join(sorted(STORAGE_SCHEMES))}://..., got {raw[:80]!r}"
        )
    try:
        _ = urlsplit(raw).port  # raises on a broken [IPv6] or a port outside 0-65535
    except ValueError:
        raise ConfigError(f"{name} has a malformed host or port: {raw[:80]!r}") from None
    return raw


def env_cookie_domain(name: str) -> str | None:
    """A bare host name such as example.com, or None (host-only cookies)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    # It is written verbatim into Set-Cookie: a "; SameSite=None" in it
    # would become a cookie attribute.
    if not is_host_name(raw.removeprefix(".")):
        raise ConfigError(f"{name} must be a plain domain such as example.com, got {raw[:80]!r}")
    return raw.lower()


def env_database_url(name: str, default: str) -> str:
    """An SQLAlchemy URL whose driver is installed; for an SQLite file, its
    folder must exist (SQLite creates the file, never the folder)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{name} is not an SQLAlchemy URL such as postgresql+psycopg://user:pw@host/db"
        ) from None
    try:
        url.get_dialect().import_dbapi()
    except Exception as error:  # NoSuchModuleError, ImportError: nothing could ever connect
        raise ConfigError(
            f"{name}: no installed database driver for {url.drivername!r} "
            f"({error.__class__.__name__}); use postgresql+psycopg://... or sqlite:///..."
        ) from None
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        folder = Path(database).parent
        if not database.startswith("file:") and not folder.is_dir():
            raise ConfigError(
                f"{name}: the folder {str(folder)!r} of the SQLite file does not exist"
            )
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
    if any(word in key.lower() for word in PLACEHOLDER_WORDS):
        raise ConfigError(
            f"{source} looks like a placeholder (it contains one of the words "
            f"{', '.join(PLACEHOLDER_WORDS)}); generate a random one"
        )
    return key


def env_path_prefix(name: str) -> str:
    """A URL path prefix such as "/api" ("" = none): one leading slash, no
    trailing one, plain path characters only (it becomes a cookie's Path)."""
    raw = os.environ.get(name, "").strip()
    if raw and (len(raw) > MAX_API_PREFIX_LENGTH or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", raw)):
        raise ConfigError(
            f"{name} must be empty or a path such as /api (no trailing slash, at most "
            f"{MAX_API_PREFIX_LENGTH} characters), got {raw[:80]!r}"
        )
    return raw


def env_refresh_delay_ms(name: str, production: bool) -> int:
    """The demo's artificial refresh delay. It only exists to make the queue
    visible on a stage; in production it would slow every refresh for
    nothing (and hold a worker), so any value but 0 stops start-up."""
    delay = env_int(name, 0, maximum=MAX_REFRESH_DELAY_MS)
    if production and delay:
        raise ConfigError(f"{name} is a demo setting: it must be 0 (or unset) in production")
    return delay


def load_secret_key(instance_path: str, production: bool) -> str:
    """Return the JWT signing key.

    Locally a key is generated once and kept in the instance folder, so a
    restart does not log everybody out. In production a generated key would
    differ between servers and silently break every session, so we refuse.
    """
    explicit = os.environ.get("JWT_SECRET_KEY", "")
    if explicit.strip():  # blank counts as unset, as for every setting
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
        "REFRESH_DELAY_MS": env_refresh_delay_ms("REFRESH_DELAY_MS", production),
        # Every route lives under this path ("/api" behind a proxy that serves
        # the page on the same origin); the refresh cookie's path follows it.
        "API_PREFIX": api_prefix,
        # Seconds during which a just-spent refresh token, presented again
        # (its answer was lost), gets the successor already issued instead of
        # counting as reuse. 10 s covers a retry after a client's timeout;
        # 0 = strict reuse detection (tokens.successor_to_resend).
        "REFRESH_REUSE_GRACE_S": env_int("REFRESH_REUSE_GRACE_S", 10, maximum=MAX_REUSE_GRACE_S),
        "SESSION_MAX_AGE": env_seconds("SESSION_MAX_AGE", 30 * DAY, MAX_SESSION_MAX_AGE),
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
        "TRUSTED_PROXY_COUNT": env_int("TRUSTED_PROXY_COUNT", 0, maximum=MAX_TRUSTED_PROXY_COUNT),
        # One JSON line per request on stderr (on by default in production).
        "REQUEST_LOG": env_bool("REQUEST_LOG", production),
        # Login bodies are tiny; anything bigger is refused with 413.
        "MAX_CONTENT_LENGTH": 16 * 1024,
        # --- flask-jwt-extended ---
        "JWT_SECRET_KEY": load_secret_key(instance_path, production),
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],  # never "none", never RS256 confusion
        "JWT_ACCESS_TOKEN_EXPIRES": env_seconds("ACCESS_TOKEN_TTL", 900, MAX_ACCESS_TOKEN_TTL),
        "JWT_REFRESH_TOKEN_EXPIRES": env_seconds(
            "REFRESH_TOKEN_TTL", 7 * DAY, MAX_REFRESH_TOKEN_TTL
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
