"""Cookies, response headers, and logs that never hold a secret.

tests/test_auth.py checks the login cookie's flags and HSTS in production;
here: the cookies of every response that sets or clears them (rotation,
logout), in development and production, the headers of every kind of
answer, and the logs of complete sessions, in process and from live
servers (flask run, and gunicorn in production mode).
"""

import logging
import sqlite3
import uuid

import pytest
from helpers import AuthActions, unverified_claims
from live import backend_env, flask_cli

from backend.extensions import db
from backend.models import User

from .helpers import (
    REQUIRED_HEADERS,
    HttpSession,
    add_user,
    assert_safe_response,
    cookie_attributes,
    set_cookie_headers,
)

SECURITY_HEADERS = {
    **REQUIRED_HEADERS,
    "Pragma": "no-cache",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@pytest.fixture(params=["development", "production"])
def env_app(request, app_factory, monkeypatch, cheap_dummy_hash):
    """The app as it runs locally, and as it runs with APP_ENV=production."""
    if request.param == "production":
        monkeypatch.setenv("APP_ENV", "production")
    app = app_factory()
    add_user(app, "demo", "password")
    app.production = request.param == "production"
    return app


def check_refresh_cookies(response, production: bool, cleared: bool = False):
    """Both cookies, with the flags the spec requires, set or cleared."""
    refresh = set_cookie_headers(response, "refresh_token_cookie")
    csrf = set_cookie_headers(response, "csrf_refresh_token")
    assert len(refresh) == 1 and len(csrf) == 1, response.headers.getlist("Set-Cookie")
    refresh_flags, csrf_flags = cookie_attributes(refresh[0]), cookie_attributes(csrf[0])
    # Clearing only works when name, path and domain match the cookie set.
    assert refresh_flags["path"] == "/auth" and csrf_flags["path"] == "/"
    assert (
        "domain" not in refresh_flags and "domain" not in csrf_flags
    )  # host-only: no subdomain sees them
    assert (
        "httponly" in refresh_flags and "httponly" not in csrf_flags
    )  # the page reads only the CSRF value
    assert refresh_flags["samesite"] == csrf_flags["samesite"] == "Strict"
    assert ("secure" in refresh_flags) == ("secure" in csrf_flags) == production
    if cleared:
        assert refresh[0].startswith("refresh_token_cookie=;") and csrf[0].startswith(
            "csrf_refresh_token=;"
        )
        assert refresh_flags.get("max-age") == "0" or "1970" in refresh_flags.get("expires", "")
    else:
        max_age = int(refresh_flags["max-age"])
        assert 0 < max_age <= 604800 and int(csrf_flags["max-age"]) == max_age


def test_cookies_of_login_rotation_and_logout(env_app):
    auth = AuthActions(env_app.test_client())
    check_refresh_cookies(auth.login(), env_app.production)
    check_refresh_cookies(auth.refresh(), env_app.production)
    check_refresh_cookies(auth.logout(), env_app.production, cleared=True)


def test_no_access_token_cookie_is_ever_set(env_app):
    """The access token lives in the page's memory only (spec): no response
    may put it, or its CSRF twin, in a cookie. (Logout's unset_jwt_cookies
    sends deletions for them, which are harmless: empty and expired.)"""
    auth = AuthActions(env_app.test_client())
    responses = [auth.login(), auth.refresh(), auth.logout()]
    for response in responses:
        for name in ("access_token_cookie", "csrf_access_token"):
            for header in set_cookie_headers(response, name):
                assert header.startswith(f"{name}=;") and "1970" in header, header


def test_the_refresh_token_travels_only_in_its_cookie(env_app):
    auth = AuthActions(env_app.test_client())
    for response in (auth.login(), auth.refresh()):
        refresh_token = auth.refresh_cookie()
        assert refresh_token and refresh_token not in response.get_data(as_text=True)
        other_headers = [v for k, v in response.headers.items() if k != "Set-Cookie"]
        assert not any(refresh_token in value for value in other_headers)
        assert "Location" not in response.headers  # never a redirect with tokens in a URL


def every_kind_of_answer(app):
    """One response of each kind the API gives."""
    client = app.test_client()
    auth = AuthActions(client)
    login = auth.login()
    access = login.get_json()["access_token"]
    return {
        "login 200": login,
        "aaa 200": auth.get("/aaa", access),
        "refresh 200": auth.refresh(),
        "health 200": client.get("/health"),
        "login 400": client.post("/auth/login", data="x", content_type="application/json"),
        "login 401": auth.login(password="wrong"),
        "aaa 401": client.get("/aaa"),
        "refresh 401": client.post("/auth/refresh", headers={"X-CSRF-TOKEN": "wrong"}),
        "404": client.get("/no-such-page"),
        "405": client.put("/aaa"),
        "413": client.post("/auth/login", data="x" * 20000, content_type="application/json"),
        "preflight": client.options(
            "/auth/refresh",
            headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST"},
        ),
        "logout 204": auth.logout(),
    }


def test_every_kind_of_answer_carries_no_store_and_the_security_headers(env_app):
    for name, response in every_kind_of_answer(env_app).items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, f"{name}: {header}"
        # HSTS only where cookies are Secure, i.e. behind HTTPS (production).
        assert ("Strict-Transport-Security" in response.headers) == env_app.production, name
        assert_safe_response(response, "OPTIONS" if name == "preflight" else "GET")


def test_token_responses_are_json_and_never_cacheable(app):
    auth = AuthActions(app.test_client())
    for response in (auth.login(), auth.refresh()):
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers


# --- logs ------------------------------------------------------------------


def secrets_of(auth_results: dict, hashes: list[str], extra: list[str]) -> dict[str, str]:
    """name -> secret string that must appear in no log. Tokens also by their
    signature alone, so a log that cut a token short is caught too."""
    found = {f"secret {i}": value for i, value in enumerate(extra)}
    for name, token in auth_results.items():
        found[name] = token
        if token.count(".") == 2:
            found[f"{name} signature"] = token.rsplit(".", 1)[1]
            csrf = unverified_claims(token).get("csrf")
            if csrf:
                found[f"{name} csrf"] = csrf
    for i, password_hash in enumerate(hashes):
        found[f"hash {i}"] = password_hash
        found[f"hash {i} digest"] = password_hash.rsplit("$", 1)[1]
        found[f"hash {i} salt"] = password_hash.split("$")[1]
    return found


def assert_no_secrets(log: str, secrets: dict[str, str]):
    leaked = [name for name, value in secrets.items() if value and value in log]
    assert not leaked, f"found in the logs: {leaked}"


def test_a_full_session_logs_no_secret(app_factory, caplog, cheap_dummy_hash):
    """Everything a session does, the failures included, with the request
    log on and every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    app = app_factory(REQUEST_LOG=True)
    password, wrong_password = (
        "Correct-Horse-" + uuid.uuid4().hex,
        "Wrong-Guess-" + uuid.uuid4().hex,
    )
    add_user(app, "alice", password)
    client = app.test_client()
    auth = AuthActions(client)
    tokens = {}

    tokens["access 1"] = auth.login("alice", password).get_json()["access_token"]
    tokens["refresh 1"] = auth.refresh_cookie()
    auth.login("alice", wrong_password)
    auth.login("nobody", wrong_password)
    client.post(
        "/auth/login", json={"username": "alice", "password": password + "x" * 20000}
    )  # 413
    client.post("/auth/login", data=f"username=alice&password={password}")  # 400, form-encoded
    client.get(f"/aaa?access_token={tokens['access 1']}")  # a token where it does not belong
    auth.get("/aaa", tokens["access 1"])
    auth.get("/bbb", tokens["access 1"] + "tampered")
    tokens["access 2"] = auth.refresh().get_json()["access_token"]
    tokens["refresh 2"] = auth.refresh_cookie()
    client.post("/auth/refresh", headers={"X-CSRF-TOKEN": "wrong"})  # csrf_failed
    tokens["access 3"] = auth.refresh().get_json()["access_token"]  # "refresh 1" is now reuse
    auth.use_refresh_cookie(tokens["refresh 1"])
    assert auth.refresh().get_json()["error"] == "token_reused"
    auth.logout()

    with app.app_context():
        hashes = [db.session.scalar(db.select(User.password_hash).where(User.username == "alice"))]
    secrets = secrets_of(tokens, hashes, [password, wrong_password, app.config["JWT_SECRET_KEY"]])
    # Control: the request log was really on and captured.
    assert '"path": "/auth/refresh' in caplog.text and '"status": 401' in caplog.text
    assert_no_secrets(caplog.text, secrets)
    for record in caplog.records:  # arguments not rendered into the text, too
        assert_no_secrets(repr(record.args) + repr(getattr(record, "exc_info", "")), secrets)


@pytest.mark.slow
@pytest.mark.parametrize("server", ["flask run", "gunicorn, production"])
def test_a_live_servers_log_holds_no_secret(tmp_path, live_backend, server):
    production = server.startswith("gunicorn")
    settings = {"APP_ENV": "production"} if production else {"REQUEST_LOG": "true"}
    env = backend_env(tmp_path, **settings)  # production logs requests by default
    username, password = f"alice-{uuid.uuid4().hex[:8]}", "Correct-Horse-" + uuid.uuid4().hex
    wrong_password = "Wrong-Guess-" + uuid.uuid4().hex
    flask_cli(env, "create-user", username, "--password", password)
    backend = live_backend(env=env, create_demo_user=False, workers=2 if production else 0)

    browser = HttpSession(backend.url)
    tokens = {}
    status, _, body = browser.login(username, password)
    assert status == 200
    tokens["access 1"], tokens["refresh 1"] = (
        body["access_token"],
        browser.cookie("refresh_token_cookie"),
    )
    assert browser.login(username, wrong_password)[0] == 401
    assert browser.get("/aaa", tokens["access 1"])[0] == 200
    status, _, body = browser.refresh()
    assert status == 200
    tokens["access 2"], tokens["refresh 2"] = (
        body["access_token"],
        browser.cookie("refresh_token_cookie"),
    )
    assert browser.request("POST", "/auth/refresh", headers={"X-CSRF-TOKEN": "wrong"})[0] == 401
    assert browser.logout()[0] == 204
    backend.stop()  # flushes and closes the log

    hashes = []
    if env["DATABASE_URL"].startswith("sqlite:///"):
        with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as connection:
            hashes = [row[0] for row in connection.execute("SELECT password_hash FROM users")]
        assert hashes
    log = backend.log()
    assert (
        '"path": "/auth/login"' in log and '"status": 401' in log
    )  # control: requests were logged
    assert_no_secrets(
        log, secrets_of(tokens, hashes, [password, wrong_password, env["JWT_SECRET_KEY"]])
    )
