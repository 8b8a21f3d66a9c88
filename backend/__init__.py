"""Silent Refresh backend: the application factory.

    flask --app backend run --port 5001

See docs/ for a tour; config.py lists every setting.
"""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import account, auth, resources, sessions
from .cli import register_commands
from .config import load_config
from .credentials import init_credentials
from .cross_origin import init_cors
from .database import engine_options, init_database
from .errors import reauth_required, register_error_handlers
from .extensions import db, init_limiter, jwt
from .openapi import bp as openapi_bp
from .request_checks import init_request_checks
from .request_log import init_request_log
from .security_headers import init_security_headers
from .tokens import has_required_claims


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    if app.config["TRUSTED_PROXY_COUNT"]:
        # Behind N reverse proxies, take the client address and scheme from
        # their X-Forwarded-* headers (and never trust more hops than that).
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    jwt.init_app(app)
    jwt.token_verification_loader(has_required_claims)
    jwt.needs_fresh_token_loader(reauth_required)  # 403 for a stale password
    init_limiter(app, auth.bp, account.bp)  # only routes that check a password have limits
    init_cors(app)
    init_request_checks(app)
    register_error_handlers(app)
    init_security_headers(app)
    init_request_log(app)

    # API_PREFIX ("/api", say) moves every route, and the refresh cookie's
    # path with it (config.py), so the app sees the paths the browser uses.
    prefix = app.config["API_PREFIX"]
    app.register_blueprint(resources.bp, url_prefix=prefix or None)
    app.register_blueprint(auth.bp, url_prefix=prefix + auth.bp.url_prefix)
    app.register_blueprint(sessions.bp, url_prefix=prefix + sessions.bp.url_prefix)
    app.register_blueprint(account.bp, url_prefix=prefix + account.bp.url_prefix)
    app.register_blueprint(openapi_bp, url_prefix=prefix or None)  # GET /openapi.json
    register_commands(app)
    init_database(app)
    init_credentials()
    return app
