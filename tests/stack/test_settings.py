"""The two settings the stack relies on, in-process (no servers needed):
API_PREFIX, and what login does when the limiter's shared store is down."""

import pytest
from helpers import AuthActions, add_user, database_url

from backend import create_app
from backend.config import ConfigError
from backend.deploy.stack import free_port


def test_api_prefix_moves_every_route_and_the_refresh_cookie_follows(monkeypatch, app_factory):
    monkeypatch.setenv("API_PREFIX", "/api")
    app = app_factory()
    add_user(app, "demo", "password")
    client = app.test_client()
    assert client.get("/api/health").json == {"status": "ok"}
    assert client.get("/health").status_code == 404
    response = client.post("/api/auth/login", json={"username": "demo", "password": "password"})
    assert response.status_code == 200
    assert client.get_cookie("refresh_token_cookie", path="/api/auth") is not None
    assert client.get_cookie("refresh_token_cookie", path="/auth") is None
    token = response.json["access_token"]
    assert (
        client.get("/api/aaa", headers={"Authorization": f"Bearer {token}"}).json["data"] == "aaa"
    )
    csrf = client.get_cookie("csrf_refresh_token").value
    assert client.post("/api/auth/refresh", headers={"X-CSRF-TOKEN": csrf}).status_code == 200


@pytest.mark.parametrize("value", ["/api/", "api", "/a b", "//api", "/api?x=1", "/api;Path=/"])
def test_an_invalid_api_prefix_stops_start_up_and_names_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("API_PREFIX", value)
    with pytest.raises(ConfigError, match="API_PREFIX"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})


def test_login_fails_closed_with_a_503_when_the_limiter_store_is_down(app_factory):
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0?socket_connect_timeout=1&socket_timeout=1"
    app = app_factory(RATELIMIT_STORAGE_URI=nobody_listens, LOGIN_RATE_LIMIT="10 per minute")
    add_user(app, "demo", "password")
    client = app.test_client()
    for password in ("password", "wrong"):  # right or wrong: no counter, no login
        response = client.post("/auth/login", json={"username": "demo", "password": password})
        assert response.status_code == 503
        assert response.json["error"] == "rate_limit_unavailable"
        assert response.headers["Retry-After"]
    # Routes without a limit never touch the store.
    assert client.get("/health").status_code == 200
    assert AuthActions(client).refresh().json["error"] == "missing_token"
