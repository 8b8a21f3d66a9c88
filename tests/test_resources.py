"""GET /health, /aaa, /bbb and the 401s of the guard (backend/resources.py,
backend/guard.py, backend/errors.py)."""

import base64
import json
from datetime import timedelta

import jwt as pyjwt
import pytest
from helpers import TEST_SECRET, make_token
from sqlalchemy import event

from backend.extensions import db


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_health_needs_no_token(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/aaa", "/bbb"])
def test_guarded_routes_return_their_data_and_the_user(auth, path):
    access = auth.login().get_json()["access_token"]
    response = auth.get(path, access)
    assert response.status_code == 200
    body = response.get_json()
    assert body["data"] == path[1:]
    assert body["user"] == {"id": 1, "username": "demo"}


def test_guarded_routes_touch_no_database(app, auth):
    access = auth.login().get_json()["access_token"]
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert auth.get("/aaa", access).status_code == 200
        assert auth.get("/bbb", access).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


@pytest.mark.parametrize("path", ["/aaa", "/bbb"])
def test_missing_token_is_401_missing_token(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json() == {"error": "missing_token", "message": "No token was sent."}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def assert_401(response, code):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_expired_access_token_is_token_expired(app, auth):
    expired = make_token(app, "access", expires=timedelta(seconds=-1), username="demo")
    assert_401(auth.get("/aaa", expired), "token_expired")


def test_tampered_access_token_is_invalid_token(auth):
    access = auth.login().get_json()["access_token"]
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "2"  # try to become another user
    assert_401(auth.get("/aaa", f"{header}.{b64(claims)}.{signature}"), "invalid_token")


def test_access_token_signed_with_another_key_is_invalid_token(app, auth):
    claims = {"sub": "1", "username": "demo", "type": "access", "jti": "j", "exp": 9_999_999_999}
    forged = pyjwt.encode(claims, "another-key-that-is-also-32-bytes-long!!", algorithm="HS256")
    assert_401(auth.get("/aaa", forged), "invalid_token")


def test_alg_none_token_is_invalid_token(auth):
    claims = {"sub": "1", "username": "demo", "type": "access", "jti": "j", "exp": 9_999_999_999}
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_401(auth.get("/aaa", unsigned), "invalid_token")


def test_refresh_token_as_access_token_is_invalid_token(app, auth):
    refresh = make_token(app, "refresh", family="f", auth_time=1)
    assert_401(auth.get("/aaa", refresh), "invalid_token")


def test_token_missing_our_claims_is_invalid_token(app, auth):
    no_username = pyjwt.encode(
        {"sub": "1", "type": "access", "jti": "j", "exp": 9_999_999_999},
        TEST_SECRET,
        algorithm="HS256",
    )
    assert_401(auth.get("/aaa", no_username), "invalid_token")


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-jwt", "Bearer a.b.c"])
def test_garbled_authorization_headers_are_401(client, header):
    response = client.get("/aaa", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] in {"invalid_token", "missing_token"}


def test_access_token_in_a_cookie_is_not_accepted(auth, client):
    access = auth.login().get_json()["access_token"]
    client.set_cookie("access_token_cookie", access)
    assert client.get("/aaa").get_json()["error"] == "missing_token"


def test_errors_are_json_never_html(client):
    for response in (client.get("/nope"), client.put("/aaa"), client.delete("/auth/login")):
        assert response.is_json
        assert set(response.get_json()) == {"error", "message"}
    assert client.get("/nope").get_json()["error"] == "not_found"
    assert client.put("/aaa").get_json()["error"] == "method_not_allowed"


def test_an_unexpected_exception_is_a_json_500_without_traceback(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_responses_are_never_cached_and_carry_security_headers(auth):
    response = auth.login()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_cors_allows_the_frontend_origin_with_credentials(client):
    response = client.options(
        "/auth/refresh",
        headers={
            "Origin": "http://127.0.0.1:8000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-CSRF-TOKEN",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_ignores_other_origins(client):
    response = client.get("/health", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
