"""Shared fixtures, in the style of Flask's tutorial: `app`, `client`,
`runner`, and `auth` (an AuthActions helper that logs in and refreshes).
The helpers themselves live in tests/helpers.py."""

import os

import pytest
from helpers import TEST_SECRET, AuthActions, add_user, database_url

from backend import create_app
from backend.extensions import db


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    # Tests must not depend on the developer's shell or .env.
    for name in (
        "APP_ENV",
        "DATABASE_URL",
        "ACCESS_TOKEN_TTL",
        "REFRESH_TOKEN_TTL",
        "SESSION_MAX_AGE",
        "CORS_ORIGINS",
        "COOKIE_SECURE",
        "COOKIE_DOMAIN",
        "REFRESH_DELAY_MS",
        "LOGIN_RATE_LIMIT",
        "RATELIMIT_STORAGE_URI",
        "TRUSTED_PROXY_COUNT",
        "REQUEST_LOG",
        "API_PREFIX",
        "REFRESH_REUSE_GRACE_S",
        "REAUTH_MAX_AGE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET_KEY", TEST_SECRET)


@pytest.fixture
def app_factory(tmp_path):
    """Build apps with config overrides; tables are emptied afterwards."""
    apps = []

    def make(**overrides):
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            # Many tests fail logins on purpose; tests/test_rate_limit.py uses
            # the real default.
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
        config.update(overrides)
        app = create_app(config)  # creates the tables (backend/database.py)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    add_user(app, "demo", "password")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def live_backend(tmp_path):
    """Start real backends (flask run, or gunicorn with workers=N) for one test."""
    from live import start_backend

    servers = []

    def start(**kwargs):
        server = start_backend(tmp_path, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    if servers and os.environ.get("TEST_DATABASE_URL"):
        # On PostgreSQL every live server shares one database: empty it.
        import sqlalchemy as sa

        engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
        db.metadata.drop_all(engine)
        engine.dispose()
