"""The guard's cache of verified access tokens (backend/guard.py), and the
rate limiter staying out of routes without limits (backend/extensions.py).

The cache may only ever hold tokens that passed flask-jwt-extended's full
check, and a cached token must still fail every check that can change
over time: expiry and the signing key.
"""

import base64
import json
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import jwt as pyjwt
import pytest
from flask import request
from flask_jwt_extended.default_callbacks import (
    default_blocklist_callback,
    default_decode_key_callback,
)
from flask_limiter import Limiter
from helpers import TEST_SECRET, make_token

import backend.guard
from backend.extensions import jwt as jwt_manager
from backend.guard import access_token_required, current_claims, token_cache


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


@pytest.fixture
def full_checks(monkeypatch):
    """The token of every request that the guard handed to the library's
    full check (verify_jwt_in_request): every request the cache did not
    answer."""
    calls = []
    real_check = backend.guard.verify_jwt_in_request

    def counting_check(*args, **kwargs):
        header = request.headers.get("Authorization") or request.headers.get("X-Access-Token")
        calls.append(header.split()[-1])
        return real_check(*args, **kwargs)

    monkeypatch.setattr(backend.guard, "verify_jwt_in_request", counting_check)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """clock.advance(s) moves the clocks the guard and PyJWT read when they
    check `exp`. (Only for checking: PyJWT cannot sign tokens meanwhile.)"""
    real_time = time.time

    def advance(seconds):
        class ShiftedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.now(tz) + timedelta(seconds=seconds)

        monkeypatch.setattr(pyjwt.api_jwt, "datetime", ShiftedDatetime)
        monkeypatch.setattr(
            backend.guard, "time", SimpleNamespace(time=lambda: real_time() + seconds)
        )

    return SimpleNamespace(advance=advance)


def cache_of(app):
    with app.test_request_context():
        return token_cache(app)


def assert_401(response, code):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == code
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_token_is_verified_in_full_once_then_served_from_the_cache(app, auth, full_checks):
    access = auth.login().get_json()["access_token"]
    first = auth.get("/aaa", access)
    again = [auth.get(path, access) for path in ("/aaa", "/bbb", "/aaa")]
    assert full_checks == [access]  # the library decoded it once
    assert first.status_code == 200 and all(r.status_code == 200 for r in again)
    assert [r.get_json()["data"] for r in again] == ["aaa", "bbb", "aaa"]
    assert all(
        r.get_json()["user"] == first.get_json()["user"] == {"id": 1, "username": "demo"}
        for r in again
    )
    assert len(cache_of(app)) == 1


def forged_tokens(app, access: str) -> dict:
    """Every kind of bad token, with the error it must get."""
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    good_claims = {
        "sub": "1",
        "username": "demo",
        "type": "access",
        "jti": "j",
        "exp": 9_999_999_999,
    }
    return {
        "tampered": (f"{header}.{b64({**claims, 'sub': '2'})}.{signature}", "invalid_token"),
        "signature cut": (f"{header}.{payload}.{signature[:-4]}", "invalid_token"),
        "wrong key": (
            pyjwt.encode(
                good_claims, "another-key-that-is-also-32-bytes-long!!", algorithm="HS256"
            ),
            "invalid_token",
        ),
        "alg none": (f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(good_claims)}.", "invalid_token"),
        "refresh token": (make_token(app, "refresh", family="f", auth_time=1), "invalid_token"),
        "missing claim": (
            pyjwt.encode(
                {k: v for k, v in good_claims.items() if k != "username"},
                TEST_SECRET,
                algorithm="HS256",
            ),
            "invalid_token",
        ),
        "expired": (
            make_token(app, "access", expires=timedelta(seconds=-1), username="demo"),
            "token_expired",
        ),
    }


def test_bad_tokens_are_never_cached_and_always_checked_in_full(app, auth, full_checks):
    access = auth.login().get_json()["access_token"]
    assert auth.get("/aaa", access).status_code == 200  # a genuine token is cached first
    for name, (token, code) in forged_tokens(app, access).items():
        for _ in range(2):  # the second try must not be answered from the cache either
            assert_401(auth.get("/aaa", token), code)
        assert full_checks.count(token) == 2, name
    cache = cache_of(app)
    assert len(cache) == 1 and cache.get(bearer(access)) is not None


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(app_factory, full_checks):
    app = app_factory(ACCESS_TOKEN_CACHE_SIZE=3)
    client = app.test_client()
    tokens = [make_token(app, "access", user_id=n, username=f"user{n}") for n in range(1, 6)]
    for token in tokens[:3]:
        assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 200
    client.get("/aaa", headers={"Authorization": bearer(tokens[0])})  # recently used again
    for token in tokens[3:]:
        assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 200
    cache = cache_of(app)
    assert len(cache) == 3
    kept = {n for n, token in enumerate(tokens) if cache.get(bearer(token)) is not None}
    assert kept == {0, 3, 4}  # tokens[1] and tokens[2] were the least recently used


def test_a_cached_token_that_expires_is_token_expired_and_dropped(app, auth, clock):
    access = auth.login().get_json()["access_token"]
    assert auth.get("/aaa", access).status_code == 200
    assert cache_of(app).get(bearer(access)) is not None
    clock.advance(901)  # past the 15-minute lifetime
    assert_401(auth.get("/aaa", access), "token_expired")
    assert_401(auth.get("/bbb", access), "token_expired")
    assert len(cache_of(app)) == 0


def test_a_new_signing_key_empties_the_cache(app, auth, full_checks):
    access = auth.login().get_json()["access_token"]
    other = make_token(app, "access", user_id=1, username="demo")
    for token in (access, other):
        assert auth.get("/aaa", token).status_code == 200
    assert len(cache_of(app)) == 2
    app.config["JWT_SECRET_KEY"] = "a-brand-new-key-after-a-leak-at-least-32-bytes"
    assert_401(auth.get("/aaa", access), "invalid_token")
    assert len(cache_of(app)) == 0  # the other token went too
    assert full_checks.count(access) == 2


@pytest.fixture
def rotating_key_loader():
    """Register a decode_key_loader on the shared JWTManager (an app that
    rotates keys), and put the library's default back after the test."""
    state = SimpleNamespace(key=TEST_SECRET, asked=0)

    @jwt_manager.decode_key_loader
    def current_key(_header, _claims):
        state.asked += 1
        return state.key

    yield state
    jwt_manager.decode_key_loader(default_decode_key_callback)


def test_with_the_cache_off_a_custom_key_loader_is_asked_on_every_request(
    app_factory, rotating_key_loader, full_checks
):
    app = app_factory(ACCESS_TOKEN_CACHE_SIZE=0)
    client = app.test_client()
    token = make_token(app, "access", username="demo")
    for _ in range(3):
        assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 200
    assert full_checks == [token] * 3 and rotating_key_loader.asked >= 3
    rotating_key_loader.key = "the-next-key-in-the-rotation-at-least-32-bytes"
    assert_401(client.get("/aaa", headers={"Authorization": bearer(token)}), "invalid_token")


def test_the_cache_reads_the_header_the_library_is_configured_for(app_factory, full_checks):
    app = app_factory(JWT_HEADER_NAME="X-Access-Token")
    client = app.test_client()
    token = make_token(app, "access", username="demo")
    for _ in range(3):
        assert client.get("/aaa", headers={"X-Access-Token": bearer(token)}).status_code == 200
    assert full_checks == [token]
    assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 401


@pytest.fixture
def blocklist():
    """Register a token_in_blocklist_loader on the shared JWTManager, and
    put the library's default back after the test."""
    revoked, consulted = set(), []

    @jwt_manager.token_in_blocklist_loader
    def is_revoked(_header, claims):
        consulted.append(claims["jti"])
        return claims["jti"] in revoked

    yield SimpleNamespace(revoked=revoked, consulted=consulted)
    jwt_manager.token_in_blocklist_loader(default_blocklist_callback)


def test_with_the_cache_off_a_blocklist_is_consulted_on_every_request(
    app_factory, blocklist, full_checks
):
    app = app_factory(ACCESS_TOKEN_CACHE_SIZE=0)
    client = app.test_client()
    token = make_token(app, "access", username="demo")
    jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
    for _ in range(2):
        assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 200
    assert blocklist.consulted == [jti, jti]
    blocklist.revoked.add(jti)
    assert_401(client.get("/aaa", headers={"Authorization": bearer(token)}), "token_revoked")


@pytest.fixture
def whoami_app(app_factory):
    """An app with one more guarded route that reads the token's claims,
    and changes the dict it was given."""
    app = app_factory()

    @app.get("/whoami")
    @access_token_required
    def whoami():
        claims = current_claims()
        answer = {
            "sub": claims["sub"],
            "username": claims["username"],
            "extra": claims.get("extra"),
        }
        claims["extra"] = "changed by the view"  # must not leak into the next request
        return answer

    return app


def test_views_see_the_same_claims_on_a_cache_hit(whoami_app, full_checks):
    client = whoami_app.test_client()
    token = make_token(whoami_app, "access", user_id=7, username="seven")
    answers = [
        client.get("/whoami", headers={"Authorization": bearer(token)}).get_json() for _ in range(3)
    ]
    assert full_checks == [token]
    assert answers == [{"sub": "7", "username": "seven", "extra": None}] * 3


def test_the_cache_can_be_switched_off(app_factory, full_checks):
    app = app_factory(ACCESS_TOKEN_CACHE_SIZE=0)
    client = app.test_client()
    token = make_token(app, "access", username="demo")
    for _ in range(3):
        assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 200
    assert len(full_checks) == 3 and len(cache_of(app)) == 0


@pytest.fixture
def limiter_calls(monkeypatch):
    """Count every time Flask-Limiter works out which limits apply."""
    calls = []
    real = Limiter.identify_request

    def counting(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(Limiter, "identify_request", counting)
    return calls


def test_routes_without_limits_skip_the_rate_limiter(app, auth, limiter_calls):
    access = auth.login().get_json()["access_token"]
    assert limiter_calls, "the login route must still be rate limited"
    limiter_calls.clear()
    for response in (
        auth.get("/aaa", access),
        auth.get("/bbb", access),
        auth._client.get("/health"),
    ):
        assert response.status_code == 200
    assert limiter_calls == []
