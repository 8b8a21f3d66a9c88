"""Durability: kill the server mid-session (SIGKILL: no clean shutdown, no
flush, no goodbye) and start it again on the same port and database.

Users and refresh tokens survive, the browser's cookie continues the
session, and the rotation state survived too: the cookie spent before the
crash is still recognised as reused.
"""

import signal
import uuid

import pytest
from live import backend_env, flask_cli, free_port

from .helpers import HttpSession

pytestmark = pytest.mark.slow

PASSWORD = "durable-Horse-Battery-7"


def test_a_killed_server_comes_back_with_users_and_sessions_intact(tmp_path, live_backend):
    # Its own SQLite file (or CI's PostgreSQL), and strict reuse detection:
    # with the safe retry on, a cookie spent moments ago would be answered
    # with its successor instead (tests/test_safe_retry.py).
    env = backend_env(tmp_path, REFRESH_REUSE_GRACE_S=0)
    username = f"alice-{uuid.uuid4().hex[:8]}"  # unique, should the database be shared
    flask_cli(env, "create-user", username, "--password", PASSWORD)  # creates the tables too
    port = free_port()

    first = live_backend(port=port, env=env, create_demo_user=False)
    browser = HttpSession(first.url)
    assert browser.login(username, PASSWORD)[0] == 200
    status, _, body = browser.refresh()  # one rotation before the crash
    assert status == 200
    access_token = body["access_token"]
    # A second session (another device), also rotated once: its spent cookie
    # is kept to check that "spent" survives the crash as well.
    laptop = HttpSession(first.url)
    assert laptop.login(username, PASSWORD)[0] == 200
    laptop_spent = laptop.cookie("refresh_token_cookie")
    assert laptop.refresh()[0] == 200

    first.stop(signal.SIGKILL)
    assert first.process.returncode == -signal.SIGKILL  # it really was killed, not stopped

    second = live_backend(port=port, env=env, create_demo_user=False)
    assert second.url == first.url  # same address: the browser does not notice
    # The access token is still good: same key, and no server state needed.
    assert browser.get("/aaa", access_token)[0] == 200
    # The session continues with the cookie the browser already had.
    cookie_before = browser.cookie("refresh_token_cookie")
    status, _, body = browser.refresh()
    assert status == 200, body
    assert body["user"]["username"] == username
    assert browser.get("/bbb", body["access_token"])[0] == 200
    # The user survived: a fresh login works (nobody re-created them).
    assert HttpSession(second.url).login(username, PASSWORD)[0] == 200

    # Rotation state survived: presenting the cookie from before the refresh
    # again is a reuse, which ends that family...
    assert replay(second.url, cookie_before) == (401, "token_reused")
    status, _, body = browser.refresh()
    assert (status, body["error"]) == (401, "token_revoked")
    # ...and a cookie spent before the crash is still known as spent.
    assert replay(second.url, laptop_spent) == (401, "token_reused")
    assert (laptop.refresh()[0], laptop.refresh()[2]["error"]) == (401, "token_revoked")


def replay(base_url: str, refresh_cookie: str) -> tuple[int, str]:
    """Present a copied refresh cookie with its CSRF value, as a thief would."""
    from helpers import unverified_claims

    thief = HttpSession(base_url)
    thief.cookies["refresh_token_cookie"] = (refresh_cookie, "/auth")
    status, _, body = thief.request(
        "POST", "/auth/refresh", headers={"X-CSRF-TOKEN": unverified_claims(refresh_cookie)["csrf"]}
    )
    return status, body["error"]
