"""The guard's cache of verified access tokens (backend/guard.py), and the
rate limiter staying out of routes without limits (backend/extensions.py).

The cache may only ever hold tokens that passed flask-jwt-extended's full
check, and a cached token must still fail every check that can change
over time: expiry, the signing key, a blocklist.
"""

import base64
import json
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import jwt as pyjwt
import pytest
from flask_jwt_extended import (
    get_current_user,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    view_decorators,
)
from flask_limiter import Limiter
from helpers import TEST_SECRET, make_token

import backend.guard
from backend.extensions import jwt as jwt_manager
from backend.guard import access_token_required, token_cache


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


@pytest.fixture
def full_checks(monkeypatch):
    """Count how often the library decodes and verifies a token: once per
    request that the cache did not answer."""
    calls = []
    real_decode = view_decorators.decode_token

    def counting_decode(*args, **kwargs):
        calls.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(view_decorators, "decode_token", counting_decode)
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
def rotating_key_loader(monkeypatch):
    """Register a decode_key_loader on the shared JWTManager (an app that
    rotates keys), and take it away again after the test."""
    monkeypatch.setattr(jwt_manager, "_decode_key_callback", jwt_manager._decode_key_callback)
    state = SimpleNamespace(key=TEST_SECRET, asked=0)

    @jwt_manager.decode_key_loader
    def current_key(_header, _claims):
        state.asked += 1
        return state.key

    return state


def test_a_custom_key_loader_is_asked_on_every_cache_hit(
    app, auth, rotating_key_loader, full_checks
):
    access = auth.login().get_json()["access_token"]
    for _ in range(3):
        assert auth.get("/aaa", access).status_code == 200
    assert full_checks == [access]  # the hits were served from the cache...
    asked = rotating_key_loader.asked
    assert auth.get("/aaa", access).status_code == 200
    assert rotating_key_loader.asked == asked + 1  # ...and each asked the loader
    rotating_key_loader.key = "the-next-key-in-the-rotation-at-least-32-bytes"
    assert_401(auth.get("/aaa", access), "invalid_token")
    assert len(cache_of(app)) == 0


def test_the_cache_reads_the_header_the_library_is_configured_for(app_factory, full_checks):
    app = app_factory(JWT_HEADER_NAME="X-Access-Token")
    client = app.test_client()
    token = make_token(app, "access", username="demo")
    for _ in range(3):
        assert client.get("/aaa", headers={"X-Access-Token": bearer(token)}).status_code == 200
    assert full_checks == [token]
    assert client.get("/aaa", headers={"Authorization": bearer(token)}).status_code == 401


@pytest.fixture
def blocklist(monkeypatch):
    """Register a token_in_blocklist_loader on the shared JWTManager, and
    take it away again after the test."""
    monkeypatch.setattr(
        jwt_manager, "_token_in_blocklist_callback", jwt_manager._token_in_blocklist_callback
    )
    revoked, consulted = set(), []

    @jwt_manager.token_in_blocklist_loader
    def is_revoked(_header, claims):
        consulted.append(claims["jti"])
        return claims["jti"] in revoked

    return SimpleNamespace(revoked=revoked, consulted=consulted)


def test_a_blocklist_is_consulted_on_every_cache_hit(app, auth, blocklist, full_checks):
    access = auth.login().get_json()["access_token"]
    jti = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))["jti"]
    assert auth.get("/aaa", access).status_code == 200
    assert auth.get("/aaa", access).status_code == 200
    assert full_checks == [access] and blocklist.consulted == [jti, jti]
    blocklist.revoked.add(jti)
    assert_401(auth.get("/aaa", access), "token_revoked")
    assert full_checks == [access]  # refused by the hit itself


@pytest.fixture
def whoami_app(app_factory, monkeypatch):
    """An app with one more guarded route that reads everything the library
    offers a view, and a user_lookup_loader (restored afterwards)."""
    monkeypatch.setattr(jwt_manager, "_user_lookup_callback", jwt_manager._user_lookup_callback)
    app = app_factory()

    @jwt_manager.user_lookup_loader
    def load_user(_header, claims):
        return {"id": int(claims["sub"]), "looked_up": True}

    @app.get("/whoami")
    @access_token_required
    def whoami():
        claims = get_jwt()
        answer = {
            "identity": get_jwt_identity(),
            "alg": get_jwt_header()["alg"],
            "username": claims["username"],
            "user": get_current_user(),
            "extra": claims.get("extra"),
        }
        claims["extra"] = "changed by the view"  # must not leak into the next request
        get_jwt_header()["alg"] = "none"
        return answer

    return app


def test_views_see_the_same_token_data_on_a_cache_hit(whoami_app, full_checks):
    client = whoami_app.test_client()
    token = make_token(whoami_app, "access", user_id=7, username="seven")
    answers = [
        client.get("/whoami", headers={"Authorization": bearer(token)}).get_json() for _ in range(3)
    ]
    assert len(full_checks) == 1
    expected = {
        "identity": "7",
        "alg": "HS256",
        "username": "seven",
        "user": {"id": 7, "looked_up": True},
        "extra": None,
    }
    assert answers == [expected] * 3


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
