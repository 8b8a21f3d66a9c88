"""gunicorn settings for the production entry point (`make serve`):

    APP_ENV=production JWT_SECRET_KEY=... DATABASE_URL=postgresql+psycopg://... \\
        gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'

Command-line flags win over this file (e.g. --workers 8 --bind 127.0.0.1:9000).
The application's own settings are environment variables: see backend/config.py.
"""

import ipaddress
import os
import re
import sys
from pathlib import Path

# The checkout's root, so `backend.config` imports whatever the working folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import ConfigError, env_int, is_host_name  # noqa: E402

# Each sync worker holds its own database connections: more than this
# outgrows PostgreSQL's default max_connections (100) long before it helps.
MAX_WORKERS = 64


def bind_address(name: str, default: str) -> str:
    """host:port, [IPv6]:port or unix:/path; empty or blank = the default.

    gunicorn itself would read " " or ":8000" as every interface (0.0.0.0)
    and "" as no address at all, so only an address written in full is used."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if re.fullmatch(r"unix:/[^\s]+", raw):
        return raw
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})", raw)
    host, port = (match.group(1), int(match.group(2))) if match else ("", 0)
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            host = ""
    elif not is_host_name(host):
        host = ""
    if not host or not 1 <= port <= 65535:
        raise ConfigError(
            f"{name} must be host:port, [IPv6]:port or unix:/path "
            f"(e.g. 127.0.0.1:5001), got {raw[:80]!r}"
        )
    return raw


try:
    # Loopback only: a TLS-terminating reverse proxy (nginx, Caddy, a load
    # balancer) sits in front and forwards to this address.
    port = env_int("BACKEND_PORT", 5001, minimum=1, maximum=65535)
    bind = bind_address("GUNICORN_BIND", f"127.0.0.1:{port}")

    # Sync workers, each serving one request at a time; the usual starting
    # point is 2 x CPU cores + 1. WEB_CONCURRENCY is the conventional override.
    # (gunicorn itself also reads WEB_CONCURRENCY, before this file, and fails
    # on an empty value: `make serve` leaves an empty one out.)
    default_workers = min(2 * (os.cpu_count() or 1) + 1, MAX_WORKERS)
    workers = env_int("WEB_CONCURRENCY", default_workers, minimum=1, maximum=MAX_WORKERS)
except ConfigError as error:
    # A plain message and exit status 1, instead of gunicorn's traceback.
    sys.exit(f"backend/gunicorn.conf.py: {error}")

# Build the app once, in the master process, before forking the workers: a
# bad setting (APP_ENV=production without JWT_SECRET_KEY, a wrong DATABASE_URL)
# stops gunicorn at once with one clear message instead of a crash loop of
# workers. create_app() closes its database connections before the fork.
preload_app = True

# X-Forwarded-* headers are trusted in exactly one place: werkzeug's ProxyFix,
# switched on by TRUSTED_PROXY_COUNT. gunicorn must not act on them itself
# (by default it believes X-Forwarded-Proto from 127.0.0.1).
forwarded_allow_ips = ""

# The app writes one JSON line per request (REQUEST_LOG, on in production)
# without tokens or query strings; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"

# Newer gunicorn versions open a control socket (~/.gunicorn/gunicorn.ctl)
# for `gunicornc`; it is not needed here, and two instances on one host
# would fight over that one path. (Older versions ignore this line.)
control_socket_disable = True

# A request taking longer than this is stuck: the worker is restarted.
timeout = 30
graceful_timeout = 10
