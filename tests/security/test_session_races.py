"""Races between ending other sessions and a refresh in one of them.

Like tests/security/test_family_races.py (gunicorn with 4 workers on the
suite's database, 40 trials each): the laptop ends the phone's session
(POST /sessions/end-others, or a password change) at the very moment the
phone refreshes. Whatever order the server picks, the phone must be left
with no refresh token that still works. The family lock (tokens.lock_family)
is what makes that true on PostgreSQL's READ COMMITTED.
"""

import json
import urllib.request

import pytest

from .test_family_races import (  # noqa: F401
    TRIALS,
    Client,
    at_once,
    cookie_headers,
    refresh,
    server,
)

pytestmark = pytest.mark.slow

PASSWORDS = ("password", "another-passphrase")


def login(url: str, password: str) -> tuple[dict[str, str], str]:
    body = json.dumps({"username": "demo", "password": password}).encode()
    status, cookies, raw = Client(url).post(
        "/auth/login", {"Content-Type": "application/json"}, body
    )
    assert status == 200, raw
    return cookies, json.loads(raw)["access_token"]


def phone_survives(url: str, phone: dict[str, str], refreshed) -> bool:
    """True when any refresh token the phone holds after the race still works."""
    status, new_cookies, _ = refreshed
    if status == 200 and refresh(url, {**phone, **new_cookies})[0] == 200:
        return True
    return refresh(url, phone)[0] == 200  # the cookie it had (its safe retry included)


def race(url: str, ending) -> int:
    survivors, password = 0, PASSWORDS[0]
    for trial in range(TRIALS):
        _, laptop_access = login(url, password)
        phone, _ = login(url, password)
        path, body, password = ending(trial, password)
        bearer = {"Authorization": f"Bearer {laptop_access}", "Content-Type": "application/json"}
        ended, refreshed = at_once(
            url, (path, bearer, body), ("/auth/refresh", cookie_headers(phone), b"")
        )
        assert ended[0] in (200, 204), ended
        survivors += phone_survives(url, phone, refreshed)
    return survivors


def test_end_others_racing_a_refresh_in_another_session_leaves_no_live_token(server):  # noqa: F811
    survivors = race(server, lambda _trial, password: ("/sessions/end-others", b"", password))
    print(f"end-others vs refresh: {survivors}/{TRIALS} survived")
    assert survivors == 0, f"{survivors}/{TRIALS} phone tokens outlived end-others"


def test_two_concurrent_end_others_count_each_ended_session_once(server):  # noqa: F811
    overcounted = 0
    for _ in range(TRIALS):
        _, laptop_access = login(server, PASSWORDS[0])
        login(server, PASSWORDS[0])  # a phone
        login(server, PASSWORDS[0])  # a tablet
        bearer = {"Authorization": f"Bearer {laptop_access}", "Content-Type": "application/json"}
        listing = urllib.request.Request(server + "/sessions", headers=bearer)
        with urllib.request.urlopen(listing, timeout=30) as response:
            others = sum(not s["current"] for s in json.load(response)["sessions"])
        first, second = at_once(
            server, ("/sessions/end-others", bearer, b""), ("/sessions/end-others", bearer, b"")
        )
        assert first[0] == second[0] == 200, (first, second)
        ended = json.loads(first[2])["ended"] + json.loads(second[2])["ended"]
        overcounted += ended != others
    print(f"two end-others at once: {overcounted}/{TRIALS} trials counted a session twice")
    assert overcounted == 0


def test_a_password_change_racing_a_refresh_in_another_session_leaves_no_live_token(
    server,  # noqa: F811
):
    def change(_trial, password):
        new = PASSWORDS[1] if password == PASSWORDS[0] else PASSWORDS[0]
        body = json.dumps({"current_password": password, "new_password": new}).encode()
        return "/account/password", body, new

    survivors = race(server, change)
    print(f"password change vs refresh: {survivors}/{TRIALS} survived")
    assert survivors == 0, f"{survivors}/{TRIALS} phone tokens outlived the password change"
