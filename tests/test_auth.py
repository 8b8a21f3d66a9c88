"""POST /auth/login, /auth/refresh and /auth/logout (backend/auth.py)."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers import AuthActions, add_user, make_token, unverified_claims

from backend.extensions import db
from backend.models import RefreshToken


def cookie_header(response, name):
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


# --- login ---------------------------------------------------------------


def test_login_returns_the_token_response(auth):
    response = auth.login()
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "access_token_expires_at",
        "user",
    }
    assert body["token_type"] == "Bearer"
    # The real remaining life: `exp` is whole seconds, so up to 1 s less.
    assert body["expires_in"] in (899, 900)
    claims = unverified_claims(body["access_token"])
    assert time.time() + body["expires_in"] <= claims["exp"] + 0.01
    assert body["access_token_expires_at"].endswith("Z")
    assert body["user"] == {"id": 1, "username": "demo"}


def test_refresh_token_is_only_in_an_httponly_strict_cookie_scoped_to_auth(auth):
    response = auth.login()
    assert "refresh" not in str(response.get_json()).lower().replace("refresh_token_cookie", "")
    refresh = cookie_header(response, "refresh_token_cookie")
    assert "HttpOnly" in refresh and "SameSite=Strict" in refresh and "Path=/auth" in refresh
    assert "Secure" not in refresh  # COOKIE_SECURE defaults to false locally
    csrf = cookie_header(response, "csrf_refresh_token")
    assert "HttpOnly" not in csrf and "Path=/;" in csrf  # the page's JS must read it


def test_refresh_cookie_is_secure_in_production(app_factory, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    app = app_factory()
    add_user(app, "prod", "pw")
    response = app.test_client().post("/auth/login", json={"username": "prod", "password": "pw"})
    assert "Secure" in cookie_header(response, "refresh_token_cookie")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_every_login_records_a_refresh_token_in_a_new_family(app, auth):
    auth.login()
    AuthActions(app.test_client()).login()  # another device
    with app.app_context():
        rows = db.session.scalars(db.select(RefreshToken)).all()
    assert len(rows) == 2
    assert rows[0].family != rows[1].family
    assert all(r.spent_at is None and r.revoked_at is None for r in rows)


def test_a_login_ends_the_session_of_the_refresh_cookie_the_browser_still_holds(app, auth):
    auth.login()
    earlier = auth.refresh_cookie()
    add_user(app, "other", "password")
    assert auth.login("other", "password").status_code == 200  # the same browser
    auth.use_refresh_cookie(earlier)
    assert auth.refresh().get_json()["error"] == "token_revoked"
    with app.app_context():
        rows = db.session.scalars(db.select(RefreshToken).order_by(RefreshToken.id)).all()
    assert [row.revoked_at is None for row in rows] == [False, True]


def test_a_failed_login_leaves_the_session_of_the_browser_as_it_was(auth):
    auth.login()
    assert auth.login("demo", "wrong").status_code == 401
    assert auth.refresh().status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "data": "username=demo&password=password",
            "content_type": "application/x-www-form-urlencoded",
        },
        {"data": "{not json", "content_type": "application/json"},
        {"data": "", "content_type": "application/json"},
        {"json": ["demo", "password"]},
        {"json": "demo"},
        {"json": None},
        {"json": {}},
        {"json": {"username": "demo"}},
        {"json": {"password": "password"}},
        {"json": {"username": "", "password": "password"}},
        {"json": {"username": "demo", "password": ""}},
        {"json": {"username": 42, "password": "password"}},
        {"json": {"username": "demo", "password": ["password"]}},
        {"json": {"username": None, "password": None}},
        {"json": {"username": "de\u0000mo", "password": "password"}},
        {"data": '{"username": "\\ud800", "password": "x"}', "content_type": "application/json"},
    ],
)
def test_bad_login_bodies_are_400_bad_request(client, kwargs):
    response = client.post("/auth/login", **kwargs)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    assert response.get_json()["message"]


def test_huge_login_body_is_413(client):
    response = client.post("/auth/login", json={"username": "demo", "password": "x" * 100_000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_unicode_usernames_and_passwords_work(app, client):
    add_user(app, "zoë-日本", "pässwörd 🔑")
    response = client.post("/auth/login", json={"username": "zoë-日本", "password": "pässwörd 🔑"})
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "zoë-日本"


def test_unknown_user_and_wrong_password_get_identical_responses(client):
    unknown = client.post("/auth/login", json={"username": "nobody", "password": "password"})
    wrong = client.post("/auth/login", json={"username": "demo", "password": "wrong"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_data() == wrong.get_data()
    assert unknown.get_json()["error"] == "invalid_credentials"
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"] == "Bearer"
    assert "Set-Cookie" not in unknown.headers and "Set-Cookie" not in wrong.headers


# --- refresh ---------------------------------------------------------------


def test_refresh_rotates_the_refresh_token(auth):
    access = auth.login().get_json()["access_token"]
    old_cookie = auth.refresh_cookie()
    response = auth.refresh()
    assert response.status_code == 200
    assert response.get_json()["access_token"] != access
    new_cookie = auth.refresh_cookie()
    assert new_cookie and new_cookie != old_cookie
    assert auth.get("/aaa", response.get_json()["access_token"]).status_code == 200
    # The new cookie works again, and again: rotation has no limit of its own.
    assert auth.refresh().status_code == 200
    assert auth.refresh().status_code == 200


def test_refresh_keeps_the_family_and_spends_the_old_row(app, auth):
    auth.login()
    auth.refresh()
    with app.app_context():
        rows = db.session.scalars(db.select(RefreshToken).order_by(RefreshToken.id)).all()
    assert len(rows) == 2
    assert rows[0].family == rows[1].family
    assert rows[0].spent_at is not None and rows[1].spent_at is None


def test_reused_refresh_token_revokes_the_family(auth):
    auth.login()
    stolen = auth.refresh_cookie()
    assert auth.refresh().status_code == 200  # the legitimate client rotates
    assert auth.refresh().status_code == 200  # ...twice: R0's successor is spent too
    newest = auth.refresh_cookie()

    auth.use_refresh_cookie(stolen)  # the thief replays the spent token
    reused = auth.refresh()
    assert reused.status_code == 401
    assert reused.get_json()["error"] == "token_reused"
    assert 'error="invalid_token"' in reused.headers["WWW-Authenticate"]

    auth.use_refresh_cookie(newest)  # ...and the newest token dies with it
    revoked = auth.refresh()
    assert revoked.status_code == 401
    assert revoked.get_json()["error"] == "token_revoked"


def test_reuse_does_not_touch_other_sessions(app, auth):
    auth.login()
    other = app.test_client()
    other.post("/auth/login", json={"username": "demo", "password": "password"})
    stolen = auth.refresh_cookie()
    auth.refresh()
    auth.refresh()
    auth.use_refresh_cookie(stolen)
    assert auth.refresh().get_json()["error"] == "token_reused"
    csrf = other.get_cookie("csrf_refresh_token").value
    assert other.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf}).status_code == 200


def test_refresh_without_cookie_is_missing_token(client):
    response = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing_token"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_refresh_without_csrf_header_is_csrf_failed(auth, client):
    auth.login()
    response = client.post("/auth/refresh")
    assert response.status_code == 401
    assert response.get_json()["error"] == "csrf_failed"


def test_refresh_with_wrong_csrf_header_is_csrf_failed_and_spends_nothing(auth):
    auth.login()
    response = auth.refresh(csrf="not-the-right-value")
    assert response.get_json()["error"] == "csrf_failed"
    assert auth.refresh().status_code == 200  # the token was not spent


def test_expired_refresh_token_is_token_expired(app, auth):
    auth.login()
    expired = make_token(app, "refresh", expires=timedelta(seconds=-1), family="f", auth_time=1)
    auth.use_refresh_cookie(expired)
    response = auth.refresh()
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


def test_access_token_as_refresh_cookie_is_invalid_token(auth):
    access = auth.login().get_json()["access_token"]
    auth.use_refresh_cookie(access)
    response = auth.refresh()
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_unknown_refresh_token_is_invalid_token(app, auth):
    auth.login()
    # Validly signed, never recorded (e.g. the database was reset).
    forged = make_token(app, "refresh", family="made-up", auth_time=2_000_000_000)
    auth.use_refresh_cookie(forged)
    response = auth.refresh()
    assert response.get_json()["error"] == "invalid_token"


def test_rotation_never_extends_a_session_past_session_max_age(app_factory):
    app = app_factory(
        SESSION_MAX_AGE=timedelta(seconds=30), JWT_REFRESH_TOKEN_EXPIRES=timedelta(hours=1)
    )
    add_user(app, "u", "p")
    client = app.test_client()
    login = client.post("/auth/login", json={"username": "u", "password": "p"})
    max_age = int(cookie_header(login, "refresh_token_cookie").split("Max-Age=")[1].split(";")[0])
    assert 25 <= max_age <= 30  # 30 s of session left, not the 3600 s refresh TTL
    csrf = client.get_cookie("csrf_refresh_token").value
    refreshed = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
    max_age = int(
        cookie_header(refreshed, "refresh_token_cookie").split("Max-Age=")[1].split(";")[0]
    )
    assert 0 < max_age <= 30


def test_session_past_its_max_age_cannot_refresh(app, auth):
    # A login from long ago whose refresh token is itself still unexpired.
    old = make_token(app, "refresh", family="old-family", auth_time=1_000_000_000)
    with app.app_context():
        jti = unverified_claims(old)["jti"]
        db.session.add(
            RefreshToken(jti=jti, user_id=1, family="old-family", expires_at=db.func.now())
        )
        db.session.commit()
    auth.use_refresh_cookie(old)
    response = auth.refresh()
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


# --- logout ---------------------------------------------------------------


def test_logout_revokes_the_family_and_clears_cookies(auth):
    auth.login()
    cookie = auth.refresh_cookie()
    csrf = auth.csrf()
    response = auth.logout()
    assert response.status_code == 204
    cleared = response.headers.getlist("Set-Cookie")
    assert any(h.startswith("refresh_token_cookie=;") for h in cleared)
    assert any(h.startswith("csrf_refresh_token=;") for h in cleared)
    auth.use_refresh_cookie(cookie)  # replaying the cookie after logout
    response = auth.refresh(csrf=csrf)
    assert response.get_json()["error"] == "token_revoked"


def test_logout_with_no_cookie_and_no_header_answers_204_and_sets_no_cookie(client):
    response = client.post("/auth/logout")
    assert response.status_code == 204
    assert response.headers.getlist("Set-Cookie") == []  # nothing to end, nothing to clear


def test_logout_with_an_invalid_cookie_but_a_matching_csrf_header_clears_the_cookies(auth, client):
    auth.use_refresh_cookie("garbage.token.value")
    client.set_cookie("csrf_refresh_token", "abc")
    response = client.post("/auth/logout", headers={"X-CSRF-TOKEN": "abc"})
    assert response.status_code == 204
    assert any(
        h.startswith("refresh_token_cookie=;") for h in response.headers.getlist("Set-Cookie")
    )


def test_logout_clears_only_the_two_cookies_the_app_sets(auth):
    auth.login()
    response = auth.logout()
    assert response.status_code == 204
    cleared = sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))
    assert cleared == ["csrf_refresh_token", "refresh_token_cookie"]


@pytest.mark.parametrize("header", [None, "", "wrong-value"])
def test_logout_without_a_matching_csrf_header_changes_nothing(auth, client, header):
    """A cross-site form post: the browser may or may not send cookies, but
    another site can never send the right header. No Set-Cookie at all."""
    auth.login()
    headers = {} if header is None else {"X-CSRF-TOKEN": header}
    response = client.post("/auth/logout", headers=headers, data="x=1", content_type="text/plain")
    assert response.status_code == 401
    assert response.get_json()["error"] == "csrf_failed"
    assert response.headers.getlist("Set-Cookie") == []
    assert auth.refresh().status_code == 200  # the session is untouched


def test_logout_with_a_valid_cookie_but_no_csrf_header_is_refused(auth, client):
    auth.login()
    response = client.post("/auth/logout")
    assert response.status_code == 401
    assert response.get_json()["error"] == "csrf_failed"
    assert auth.refresh().status_code == 200  # nothing was revoked


def test_the_recorded_row_and_the_reported_expiry_match_the_tokens_themselves(app, auth):
    body = auth.login().get_json()
    access_claims = unverified_claims(body["access_token"])
    refresh_claims = unverified_claims(auth.refresh_cookie())
    reported = datetime.fromisoformat(body["access_token_expires_at"].replace("Z", "+00:00"))
    assert int(reported.timestamp()) == access_claims["exp"]
    assert access_claims["exp"] - access_claims["iat"] in (899, 900)  # ACCESS_TOKEN_TTL
    with app.app_context():
        row = db.session.scalar(db.select(RefreshToken))
    assert row.jti == refresh_claims["jti"]
    assert int(row.expires_at.replace(tzinfo=UTC).timestamp()) == refresh_claims["exp"]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_accepted_in_any_case(auth, client, scheme):
    token = auth.login().get_json()["access_token"]
    response = client.get("/aaa", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("sub", ["2147483648", "9" * 30, "0"])
def test_a_signed_token_whose_sub_is_outside_the_id_range_is_invalid(app, client, sub):
    for kind, path in (("access", "/aaa"), ("refresh", "/auth/refresh")):
        token = make_token(app, kind, user_id=sub, username="demo", family="f", auth_time=1)
        if kind == "access":
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        else:
            client.set_cookie("refresh_token_cookie", token, path="/auth")
            response = client.post(path, headers={"X-CSRF-TOKEN": unverified_claims(token)["csrf"]})
        assert response.status_code == 401, response.get_json()
        assert response.get_json()["error"] == "invalid_token"


def test_the_csrf_cookie_holds_the_refresh_tokens_own_csrf_claim(auth):
    auth.login()
    assert unverified_claims(auth.refresh_cookie())["csrf"] == auth.csrf()
    assert auth.refresh().status_code == 200
    assert unverified_claims(auth.refresh_cookie())["csrf"] == auth.csrf()
