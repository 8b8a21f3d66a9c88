"""Sessions a user can see and end: /sessions, /account/password, /auth/reauth."""

import time

import pytest
from helpers import AuthActions, add_user, make_token, unverified_claims

from backend.extensions import db
from backend.models import RefreshToken


class Device(AuthActions):
    """One browser: its own cookie jar, User-Agent and access token."""

    def __init__(self, app, user_agent="Firefox/1"):
        super().__init__(app.test_client())
        self.client = self._client
        self.client.environ_base["HTTP_USER_AGENT"] = user_agent  # on every request
        self.access = None

    def login(self, username="demo", password="password"):
        response = self.client.post(
            "/auth/login",
            json={"username": username, "password": password},
        )
        if response.status_code == 200:
            self.access = response.get_json()["access_token"]
        return response

    def refresh(self, csrf=None):
        response = super().refresh(csrf)
        if response.status_code == 200:
            self.access = response.get_json()["access_token"]
        return response

    def bearer(self, token=None):
        return {"Authorization": f"Bearer {token or self.access}"}

    def sessions(self, token=None):
        return self.client.get("/sessions", headers=self.bearer(token))

    def sid(self):
        return unverified_claims(self.access)["sid"]

    def reauth(self, password="password"):
        response = self.client.post(
            "/auth/reauth", json={"password": password}, headers={"X-CSRF-TOKEN": self.csrf()}
        )
        if response.status_code == 200:
            self.access = response.get_json()["access_token"]
        return response


def stale(app, device):
    """The device's access token as it would be 20 minutes after the login
    (REAUTH_MAX_AGE is 15): same user and session, old auth_time."""
    claims = unverified_claims(device.access)
    auth_time = int(time.time()) - 1200
    return make_token(
        app,
        user_id=int(claims["sub"]),
        username=claims["username"],
        sid=claims["sid"],
        auth_time=auth_time,
        fresh=float(auth_time + 900),
    )


@pytest.fixture
def devices(app):
    laptop, phone = Device(app, "Laptop"), Device(app, "Phone")
    assert laptop.login().status_code == 200
    assert phone.login().status_code == 200
    return laptop, phone


def test_access_tokens_carry_the_session_and_rotation_keeps_auth_time(devices):
    laptop, _ = devices
    before = unverified_claims(laptop.access)
    assert laptop.refresh().status_code == 200
    after = unverified_claims(laptop.access)
    assert after["sid"] == before["sid"] and after["auth_time"] == before["auth_time"]


def test_the_list_shows_each_live_session_once_and_marks_the_current_one(app, devices):
    laptop, phone = devices
    assert phone.refresh().status_code == 200  # rotation: still one session
    listed = laptop.sessions()
    assert listed.status_code == 200
    sessions = listed.get_json()["sessions"]
    assert [s["user_agent"] for s in sessions] == ["Phone", "Laptop"]  # latest use first
    assert [s["current"] for s in sessions] == [False, True]
    assert sessions[1]["id"] == laptop.sid()
    assert set(sessions[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "current",
    }
    text = listed.get_data(as_text=True)
    with app.app_context():
        for row in db.session.scalars(db.select(RefreshToken)):
            assert row.jti not in text


def test_the_list_leaves_out_ended_sessions_and_other_users(app, devices):
    laptop, phone = devices
    assert phone.logout().status_code == 204
    add_user(app, "eve", "password")
    assert Device(app).login("eve").status_code == 200
    assert [s["id"] for s in laptop.sessions().get_json()["sessions"]] == [laptop.sid()]


def test_the_user_agent_is_stored_trimmed_and_without_control_characters(app):
    device = Device(app, "A\tB" + "x" * 1000)
    device.login()
    (session,) = device.sessions().get_json()["sessions"]
    assert session["user_agent"] == ("AB" + "x" * 1000)[:256]


def test_the_list_needs_an_access_token(client):
    response = client.get("/sessions")
    assert (response.status_code, response.get_json()["error"]) == (401, "missing_token")


def test_ending_another_session_revokes_it_and_its_next_refresh_is_token_revoked(devices):
    laptop, phone = devices
    response = laptop.client.delete(f"/sessions/{phone.sid()}", headers=laptop.bearer())
    assert response.status_code == 204
    assert phone.refresh().get_json()["error"] == "token_revoked"
    assert laptop.refresh().status_code == 200


def test_ending_your_own_session_needs_no_recent_password(app, devices):
    laptop, _ = devices
    token = stale(app, laptop)
    response = laptop.client.delete(f"/sessions/{laptop.sid()}", headers=laptop.bearer(token))
    assert response.status_code == 204
    assert laptop.refresh().get_json()["error"] == "token_revoked"


def test_ending_another_session_with_an_old_password_is_403_and_changes_nothing(app, devices):
    laptop, phone = devices
    token = stale(app, laptop)
    response = laptop.client.delete(f"/sessions/{phone.sid()}", headers=laptop.bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "reauth_required"
    assert "WWW-Authenticate" not in response.headers
    assert phone.refresh().status_code == 200


@pytest.mark.parametrize("fresh", [True, False])
def test_another_users_session_id_answers_exactly_like_a_made_up_one(app, devices, fresh):
    laptop, _ = devices
    add_user(app, "eve", "password")
    eve = Device(app)
    eve.login("eve")
    token = None if fresh else stale(app, laptop)
    theirs = laptop.client.delete(f"/sessions/{eve.sid()}", headers=laptop.bearer(token))
    made_up = laptop.client.delete(
        "/sessions/0b3c2a7e-1111-4222-8333-444455556666", headers=laptop.bearer(token)
    )
    assert theirs.status_code == made_up.status_code == 404
    assert theirs.get_json() == made_up.get_json()
    assert theirs.get_json()["error"] == "not_found"
    assert eve.refresh().status_code == 200


@pytest.mark.parametrize("session_id", ["not-a-uuid", "%00", "x" * 500, "%F0%9F%92%A9"])
def test_a_malformed_session_id_is_404_never_a_500(devices, session_id):
    laptop, _ = devices
    response = laptop.client.delete(f"/sessions/{session_id}", headers=laptop.bearer())
    assert (response.status_code, response.get_json()["error"]) == (404, "not_found")


def test_end_others_ends_every_other_session_and_keeps_this_one(app, devices):
    laptop, phone = devices
    tablet = Device(app, "Tablet")
    tablet.login()
    response = laptop.client.post("/sessions/end-others", headers=laptop.bearer())
    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert phone.refresh().get_json()["error"] == "token_revoked"
    assert tablet.refresh().get_json()["error"] == "token_revoked"
    assert laptop.refresh().status_code == 200
    assert len(laptop.sessions().get_json()["sessions"]) == 1


def test_end_others_with_an_old_password_is_403_and_changes_nothing(app, devices):
    laptop, phone = devices
    response = laptop.client.post("/sessions/end-others", headers=laptop.bearer(stale(app, laptop)))
    assert (response.status_code, response.get_json()["error"]) == (403, "reauth_required")
    assert phone.refresh().status_code == 200


def test_reauth_moves_to_a_new_session_with_a_fresh_auth_time(app, devices):
    laptop, phone = devices
    old_cookie, old_sid = laptop.refresh_cookie(), laptop.sid()
    response = laptop.reauth()
    assert response.status_code == 200
    claims = unverified_claims(laptop.access)
    assert claims["sid"] != old_sid and claims["auth_time"] >= int(time.time()) - 2
    assert laptop.refresh_cookie() != old_cookie
    # The new token is fresh: the sensitive request goes through.
    assert laptop.client.post("/sessions/end-others", headers=laptop.bearer()).status_code == 200
    laptop.use_refresh_cookie(old_cookie)
    assert laptop.refresh().get_json()["error"] == "token_revoked"  # the old session ended


def test_reauth_with_a_wrong_password_leaves_the_session_as_it_was(devices):
    laptop, _ = devices
    sid = laptop.sid()
    response = laptop.reauth("wrong")
    assert (response.status_code, response.get_json()["error"]) == (401, "invalid_credentials")
    assert laptop.refresh().status_code == 200
    assert laptop.sid() == sid


@pytest.mark.parametrize("body", [None, [], {}, {"password": ""}, {"password": 5}])
def test_reauth_with_a_malformed_body_is_400(devices, body):
    laptop, _ = devices
    response = laptop.client.post(
        "/auth/reauth", json=body, headers={"X-CSRF-TOKEN": laptop.csrf()}
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "bad_request")


def test_reauth_answers_like_a_refresh_without_a_session(client):
    response = client.post("/auth/reauth", json={"password": "password"})
    assert (response.status_code, response.get_json()["error"]) == (401, "missing_token")


def test_reauth_with_a_token_two_rotations_old_is_reuse(devices):
    laptop, _ = devices
    old = laptop.refresh_cookie()
    laptop.refresh()
    laptop.refresh()
    laptop.use_refresh_cookie(old)
    assert laptop.reauth().get_json()["error"] == "token_reused"
    assert laptop.sessions().get_json()["sessions"] != []  # the phone's session is untouched


def change_password(device, current, new):
    return device.client.post(
        "/account/password",
        json={"current_password": current, "new_password": new},
        headers=device.bearer(),
    )


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, devices):
    laptop, phone = devices
    assert change_password(laptop, "password", "a-new-passphrase").status_code == 204
    assert phone.refresh().get_json()["error"] == "token_revoked"
    assert laptop.refresh().status_code == 200
    assert Device(app).login("demo", "password").status_code == 401
    assert Device(app).login("demo", "a-new-passphrase").status_code == 200


def test_a_password_change_needs_no_recent_login(app, devices):
    laptop, _ = devices
    laptop.access = stale(app, laptop)
    assert change_password(laptop, "password", "a-new-passphrase").status_code == 204


def test_a_new_password_under_8_characters_is_weak(devices):
    laptop, phone = devices
    response = change_password(laptop, "password", "7-chars")
    assert (response.status_code, response.get_json()["error"]) == (400, "weak_password")
    assert phone.refresh().status_code == 200


def test_a_new_password_equal_to_the_username_in_another_case_is_weak(app):
    add_user(app, "longusername", "password")
    device = Device(app)
    device.login("longusername")
    response = change_password(device, "password", "LongUserName")
    assert (response.status_code, response.get_json()["error"]) == (400, "weak_password")


def test_a_wrong_current_password_is_401_and_changes_nothing(app, devices):
    laptop, phone = devices
    response = change_password(laptop, "wrong", "a-new-passphrase")
    assert (response.status_code, response.get_json()["error"]) == (401, "invalid_credentials")
    assert phone.refresh().status_code == 200
    assert Device(app).login().status_code == 200


@pytest.mark.parametrize(
    "body",
    [None, {"current_password": "password"}, {"current_password": "password", "new_password": 1}],
)
def test_a_password_change_with_a_malformed_body_is_400(devices, body):
    laptop, _ = devices
    response = laptop.client.post("/account/password", json=body, headers=laptop.bearer())
    assert (response.status_code, response.get_json()["error"]) == (400, "bad_request")


@pytest.mark.parametrize("route", ["password", "reauth"])
def test_wrong_passwords_count_against_the_login_limit(app_factory, route):
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute")
    add_user(app, "demo", "password")
    device = Device(app)
    device.login()
    for _ in range(2):
        if route == "password":
            failed = change_password(device, "wrong", "a-new-passphrase")
        else:
            failed = device.reauth("wrong")
        assert failed.status_code == 401
    # The same counters as /auth/login: the user name's is used up.
    response = Device(app).login()
    assert (response.status_code, response.get_json()["error"]) == (429, "rate_limited")
