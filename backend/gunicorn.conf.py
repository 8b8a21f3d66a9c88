"""gunicorn settings for the production entry point (`make serve`):

    APP_ENV=production JWT_SECRET_KEY=... DATABASE_URL=postgresql+psycopg://... \\
        gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'

Command-line flags win over this file (e.g. --workers 8 --bind 127.0.0.1:9000).
The application's own settings are environment variables: see backend/config.py.
"""

import os

# Loopback only: a TLS-terminating reverse proxy (nginx, Caddy, a load
# balancer) sits in front and forwards to this address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("BACKEND_PORT", "5001"))

# Sync workers, each serving one request at a time; the usual starting point
# is 2 x CPU cores + 1. WEB_CONCURRENCY is the conventional override.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * os.cpu_count() + 1))

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
