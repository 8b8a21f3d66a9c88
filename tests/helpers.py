"""Helpers the tests share: a signing key, an AuthActions client that logs
in and refreshes the way the browser does, token builders. Fixtures stay in
conftest.py; everything importable lives here (`from helpers import ...`)."""

import os
from datetime import timedelta

import pytest

from backend.extensions import db
from backend.models import User

TEST_SECRET = "test-secret-key-that-is-at-least-32-bytes-long"
REQUIRE_ALL = bool(os.environ.get("SILENT_REFRESH_REQUIRE_ALL"))


def skip_or_fail(reason: str):
    """Skip locally with a clear reason; fail in CI, where nothing may be skipped."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def database_url(tmp_path) -> str:
    """SQLite in a temporary file, or the PostgreSQL server named by
    TEST_DATABASE_URL (CI sets it to run the whole suite on PostgreSQL)."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite'}"


def add_user(app, username: str, password: str, password_hash: str | None = None) -> int:
    """Create a user directly in the database; returns its id. Pass a
    `password_hash` to skip the (deliberately slow) hashing."""
    with app.app_context():
        user = User(username=username)
        if password_hash:
            user.password_hash = password_hash
        else:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


class AuthActions:
    """Log in, refresh and log out the way the browser client does."""

    def __init__(self, client):
        self._client = client

    def login(self, username="demo", password="password"):
        return self._client.post("/auth/login", json={"username": username, "password": password})

    def csrf(self) -> str:
        cookie = self._client.get_cookie("csrf_refresh_token")
        return cookie.value if cookie else ""

    def refresh_cookie(self) -> str | None:
        cookie = self._client.get_cookie("refresh_token_cookie", path="/auth")
        return cookie.value if cookie else None

    def use_refresh_cookie(self, token: str) -> None:
        """Present `token` as the refresh cookie, with its own CSRF value in
        the readable cookie (as a thief who copied both cookies would)."""
        self._client.set_cookie("refresh_token_cookie", token, path="/auth")
        csrf = unverified_claims(token).get("csrf")
        if csrf:
            self._client.set_cookie("csrf_refresh_token", csrf)

    def refresh(self, csrf: str | None = None):
        return self._client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf or self.csrf()})

    def logout(self):
        return self._client.post("/auth/logout", headers={"X-CSRF-TOKEN": self.csrf()})

    def get(self, path: str, access_token: str):
        return self._client.get(path, headers={"Authorization": f"Bearer {access_token}"})


def unverified_claims(token: str) -> dict:
    """Read a JWT's payload without checking it (tests only)."""
    import base64
    import json

    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def make_token(app, kind="access", user_id=1, expires=None, **claims):
    """Sign a token with the app's own key (for expired and odd-claim cases)."""
    from flask_jwt_extended import create_access_token, create_refresh_token

    if kind == "access":  # the claims every access token carries, unless a test says otherwise
        claims = {"sid": "00000000-0000-4000-8000-000000000000", "auth_time": 1, **claims}
    with app.app_context():
        create = create_access_token if kind == "access" else create_refresh_token
        delta = expires if expires is not None else timedelta(minutes=5)
        return create(str(user_id), additional_claims=claims, expires_delta=delta)
