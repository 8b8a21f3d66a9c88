"""User enumeration: an unknown username and a wrong password look the same.

Same status, same body, same headers, and about the same time: for an
unknown user the login still checks the password against a dummy hash of
the same kind (backend/credentials.py, dummy_password_hash). Timing is compared as
a ratio of medians over many interleaved attempts, never against a clock
limit, so a slow or busy machine does not make the test flaky.
tests/test_auth.py checks one pair of responses; this goes further.
"""

import hashlib
import statistics
import time

import pytest

import backend.credentials
from backend.extensions import db
from backend.models import User

from .helpers import add_user, assert_error, cheap_hash

ATTEMPTS = 20  # per kind, for the timing ratio (medians of interleaved attempts)
VOLATILE_HEADERS = {"Date", "X-RateLimit-Reset", "Retry-After"}


@pytest.fixture
def real_hash_app(app_factory):
    """The demo user with the real (scrypt) hash, and the real dummy hash."""
    app = app_factory()
    add_user(app, "demo", "password", fast=False)
    return app


def comparable(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in VOLATILE_HEADERS)
    return response.status_code, response.get_data(), headers


def test_unknown_user_and_wrong_password_get_byte_identical_answers(app):
    client = app.test_client()
    # Each from a fresh address, so the rate-limit headers count the same.
    unknown = client.post(
        "/auth/login",
        json={"username": "nobody", "password": "password"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    wrong = client.post(
        "/auth/login",
        json={"username": "demo", "password": "wrong"},
        environ_base={"REMOTE_ADDR": "192.0.2.2"},
    )
    assert_error(unknown, 401, "invalid_credentials")
    assert comparable(unknown) == comparable(wrong)


@pytest.mark.parametrize("username", ["DEMO", "demo ", " demo", "Demo", "dem", "demo\u200b"])
def test_near_miss_usernames_answer_like_any_unknown_user(app, username):
    client = app.test_client()
    near = client.post(
        "/auth/login",
        json={"username": username, "password": "password"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    unknown = client.post(
        "/auth/login",
        json={"username": "nobody-at-all", "password": "password"},
        environ_base={"REMOTE_ADDR": "192.0.2.2"},
    )
    assert comparable(near) == comparable(unknown)


@pytest.mark.parametrize("rest", [{}, {"password": ""}, {"password": 42}, {"password": "\x00"}])
def test_bad_requests_do_not_depend_on_whether_the_user_exists(app, rest):
    client = app.test_client()
    answers = [
        comparable(client.post("/auth/login", json={"username": name, **rest}))
        for name in ("demo", "nobody")
    ]
    assert answers[0][0] == 400
    assert answers[0] == answers[1]


def test_the_rate_limit_treats_unknown_and_known_usernames_alike(app_factory, cheap_dummy_hash):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    add_user(app, "demo", "password")
    client = app.test_client()
    answers = {}
    for username in ("demo", "nobody"):
        # Different addresses: only the per-username limit is in play.
        for i in range(3):
            client.post(
                "/auth/login",
                json={"username": username, "password": "x"},
                environ_base={
                    "REMOTE_ADDR": f"198.51.100.{i}" if username == "demo" else f"203.0.113.{i}"
                },
            )
        answers[username] = client.post(
            "/auth/login",
            json={"username": username, "password": "x"},
            environ_base={"REMOTE_ADDR": "192.0.2.99" if username == "demo" else "192.0.2.98"},
        )
    assert answers["demo"].status_code == answers["nobody"].status_code == 429
    assert answers["demo"].get_data() == answers["nobody"].get_data()


def test_the_dummy_hash_is_the_same_kind_of_hash_as_a_real_one(real_hash_app):
    """Same algorithm and cost parameters (e.g. scrypt:32768:8:1), so the
    dummy check costs what a real check costs, on any machine."""
    with real_hash_app.app_context():
        real = db.session.scalar(db.select(User).where(User.username == "demo")).password_hash
    dummy = backend.credentials.dummy_password_hash()
    assert dummy.split("$")[0] == real.split("$")[0]
    assert dummy != real


def median_login_times(client, attempts: int) -> dict[str, dict[str, float]]:
    """Median seconds per login for (unknown user, wrong password), as CPU
    time of the thread that runs the request and as wall-clock time.

    The test client runs the whole request in this thread, so its CPU time
    is exactly the server's work, which is what an attacker's stopwatch
    measures on an idle server; unlike wall-clock time, other processes on
    a busy CI machine cannot distort it. Attempts are interleaved, so any
    drift hits both kinds alike."""
    samples = {kind: {"cpu": [], "wall": []} for kind in ("unknown", "wrong")}
    bodies = {
        "unknown": {"username": "nobody", "password": "password"},
        "wrong": {"username": "demo", "password": "wrong"},
    }
    for kind in bodies:  # warm-up: first requests, and the dummy hash's one-time creation
        client.post("/auth/login", json=bodies[kind])
    for i in range(attempts):
        for kind in ("unknown", "wrong") if i % 2 else ("wrong", "unknown"):
            cpu, wall = time.thread_time(), time.perf_counter()
            response = client.post("/auth/login", json=bodies[kind])
            samples[kind]["cpu"].append(time.thread_time() - cpu)
            samples[kind]["wall"].append(time.perf_counter() - wall)
            assert response.status_code == 401
    return {
        kind: {clock: statistics.median(values) for clock, values in clocks.items()}
        for kind, clocks in samples.items()
    }


def test_unknown_user_and_wrong_password_take_about_the_same_time(real_hash_app):
    medians = median_login_times(real_hash_app.test_client(), ATTEMPTS)
    ratio = medians["unknown"]["cpu"] / medians["wrong"]["cpu"]
    wall_ratio = medians["unknown"]["wall"] / medians["wrong"]["wall"]
    print(
        f"\nlogin timing, medians of {ATTEMPTS} attempts each: unknown user "
        f"{medians['unknown']['cpu'] * 1000:.1f} ms CPU, "
        f"wrong password {medians['wrong']['cpu'] * 1000:.1f} ms "
        f"CPU, ratio {ratio:.2f} (wall-clock ratio {wall_ratio:.2f})"
    )
    assert 0.67 <= ratio <= 1.5, ratio


def test_the_timing_measurement_would_catch_a_missing_dummy_hash(real_hash_app, monkeypatch):
    """Control for the test above: with a cheap dummy hash (the bug where an
    unknown user skips the slow check), the same measurement sees it."""
    monkeypatch.setattr(backend.credentials, "dummy_password_hash", lambda: cheap_hash("x"))
    medians = median_login_times(real_hash_app.test_client(), 8)
    assert medians["unknown"]["cpu"] / medians["wrong"]["cpu"] < 0.5, medians


def test_a_fresh_process_hashes_once_for_its_first_unknown_user_as_for_a_wrong_password(
    app_factory, monkeypatch
):
    """Cost counted as password-hash computations, not time. A process that
    built the dummy hash on first use paid two hashes for its first unknown
    user (build, then check) against one for a wrong password: each fresh
    worker told the two apart."""
    backend.credentials.dummy_password_hash.cache_clear()  # as in a process just started
    app = app_factory()
    add_user(app, "demo", "password", fast=False)
    hashes = []
    scrypt = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: hashes.append(1) or scrypt(*a, **k))
    client = app.test_client()
    counted = {}
    for kind, body in (
        ("unknown", {"username": "nobody", "password": "password"}),
        ("wrong", {"username": "demo", "password": "wrong"}),
    ):
        hashes.clear()
        assert client.post("/auth/login", json=body).status_code == 401
        counted[kind] = len(hashes)
    assert counted == {"unknown": 1, "wrong": 1}
