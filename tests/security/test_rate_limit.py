"""Brute force: failed logins are limited per client address and per username.

These tests use the real default limit (LOGIN_RATE_LIMIT in backend/config.py,
"10 per minute"); tests/conftest.py raises it for the rest of the suite.
Only failed logins (401) count: a presenter logging in again and again is
never blocked, and malformed requests (400, 413) burn nobody's budget.
"""

import shutil
import socket
import subprocess

import pytest
from helpers import skip_or_fail
from limits import parse
from limits.errors import ConfigurationError
from sqlalchemy import event

from backend.config import load_config
from backend.deploy.stack import free_port, wait_for
from backend.extensions import db

from .helpers import add_user, assert_error, assert_safe_response

WRONG = {"username": "demo", "password": "wrong"}
RIGHT = {"username": "demo", "password": "password"}


@pytest.fixture
def default_limit(tmp_path) -> str:
    return load_config(str(tmp_path))["LOGIN_RATE_LIMIT"]


@pytest.fixture
def limited_app(app_factory, default_limit, cheap_dummy_hash):
    app = app_factory(LOGIN_RATE_LIMIT=default_limit)
    add_user(app, "demo", "password")
    return app


@pytest.fixture
def allowed(default_limit) -> int:
    """How many failed logins the default allows before a 429."""
    return parse(default_limit).amount


def login(client, body, address="203.0.113.1", **headers):
    return client.post(
        "/auth/login", json=body, environ_base={"REMOTE_ADDR": address}, headers=headers
    )


def assert_store_down(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"] == "rate_limit_unavailable"
    assert response.headers["Retry-After"] and "Set-Cookie" not in response.headers


def assert_rate_limited(response, limit_seconds=60):
    assert_error(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= limit_seconds
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert "Set-Cookie" not in response.headers


def test_the_default_is_ten_failed_logins_per_minute(default_limit, allowed):
    assert default_limit == "10 per minute" and allowed == 10


def test_one_address_trying_many_usernames_is_limited(limited_app, allowed):
    client = limited_app.test_client()
    for i in range(allowed):
        assert login(client, {"username": f"user{i}", "password": "x"}).status_code == 401
    assert_rate_limited(login(client, {"username": "one-more", "password": "x"}))
    # Somebody else (another address, another username) is not affected.
    assert (
        login(client, {"username": "fresh", "password": "x"}, address="198.51.100.7").status_code
        == 401
    )


def test_one_username_tried_from_many_addresses_is_limited(limited_app, allowed):
    client = limited_app.test_client()
    for i in range(allowed):
        assert login(client, WRONG, address=f"198.51.100.{i + 1}").status_code == 401
    assert_rate_limited(login(client, WRONG, address="192.0.2.200"))
    # That address is not blocked for other usernames.
    assert (
        login(client, {"username": "other", "password": "x"}, address="192.0.2.200").status_code
        == 401
    )


@pytest.mark.parametrize("block", ["address", "username"])
def test_a_block_holds_even_for_the_right_password(limited_app, allowed, block):
    """Otherwise the attacker keeps guessing and learns the password the
    moment a guess gets 200 instead of 429."""
    client = limited_app.test_client()
    for i in range(allowed):
        body = WRONG if block == "username" else {"username": f"user{i}", "password": "x"}
        address = f"198.51.100.{i + 1}" if block == "username" else "203.0.113.1"
        assert login(client, body, address=address).status_code == 401
    address = "192.0.2.200" if block == "username" else "203.0.113.1"
    assert_rate_limited(login(client, RIGHT, address=address))


def test_successful_logins_never_count(limited_app, allowed):
    """The live-demo case: a presenter logs in fifty times from one laptop."""
    client = limited_app.test_client()
    for _ in range(50):
        assert login(client, RIGHT).status_code == 200
    # A few typos along the way are fine, too...
    for _ in range(allowed - 1):
        assert login(client, WRONG).status_code == 401
    assert login(client, RIGHT).status_code == 200
    # ...and the counting is real: one more failure and the limit is reached.
    assert login(client, WRONG).status_code == 401
    assert_rate_limited(login(client, RIGHT))


def test_an_attack_on_other_accounts_does_not_lock_out_the_demo_user(limited_app, allowed):
    client = limited_app.test_client()
    for i in range(allowed * 3):  # from many addresses, against other usernames
        login(
            client, {"username": f"victim{i % 3}", "password": "x"}, address=f"198.51.100.{i + 1}"
        )
    assert login(client, RIGHT, address="192.0.2.10").status_code == 200


def test_malformed_requests_do_not_count(limited_app, allowed):
    client = limited_app.test_client()
    for _ in range(allowed * 3):
        assert (
            client.post(
                "/auth/login",
                data="not json",
                content_type="application/json",
                environ_base={"REMOTE_ADDR": "203.0.113.1"},
            ).status_code
            == 400
        )
        assert login(client, {"username": "demo", "password": "x" * 20_000}).status_code == 413
    assert login(client, WRONG).status_code == 401  # the budget is untouched


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"[" * 5000, "application/json"),  # nested deep enough to break a recursive parser
        (b'{"username": ' * 3000, "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"username": ["demo"], "password": "x"}', "application/json"),
        (b'{"username": "demo", "password": "x"}', "text/plain"),
        (b"username=demo&password=x", "application/x-www-form-urlencoded"),
        (b"x" * 100_000, "application/json"),
    ],
)
def test_the_limiters_username_key_survives_odd_bodies(limited_app, allowed, body, content_type):
    """The per-username key is computed from the body before the view runs:
    it must cope with anything, both before and after the limit is hit."""
    client = limited_app.test_client()
    first = client.post("/auth/login", data=body, content_type=content_type)
    assert first.status_code in {400, 413}
    assert_safe_response(first, "POST")
    for _ in range(allowed):
        login(client, WRONG, address="127.0.0.1")
    blocked = client.post("/auth/login", data=body, content_type=content_type)
    assert blocked.status_code in {400, 413, 429}  # the address limit may answer first
    assert_safe_response(blocked, "POST")


def test_a_chunked_body_without_content_length_is_handled(limited_app):
    """Servers pass chunked bodies through with no Content-Length; the size
    limit must still apply while the limiter and the view read it."""
    client = limited_app.test_client()
    big = b'{"username": "demo", "password": "' + b"x" * 50_000 + b'"}'
    response = client.post(
        "/auth/login",
        data=big,
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code in {400, 413}  # never a 500, never read whole
    assert_safe_response(response, "POST")


def test_a_spoofed_x_forwarded_for_does_not_reset_the_address_limit(limited_app, allowed):
    """With no trusted proxy (the default), X-Forwarded-For is the client's
    own claim: rotating it must not give a fresh budget."""
    client = limited_app.test_client()
    for i in range(allowed):
        response = login(
            client, {"username": f"user{i}", "password": "x"}, **{"X-Forwarded-For": f"10.0.0.{i}"}
        )
        assert response.status_code == 401
    assert_rate_limited(
        login(client, {"username": "more", "password": "x"}, **{"X-Forwarded-For": "10.9.9.9"})
    )


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    app_factory, default_limit, allowed, cheap_dummy_hash
):
    """TRUSTED_PROXY_COUNT=1: the proxy's address is the same for everyone,
    the client is the last X-Forwarded-For hop (the one the proxy added);
    hops the client wrote itself, further left, are ignored."""
    app = app_factory(LOGIN_RATE_LIMIT=default_limit, TRUSTED_PROXY_COUNT=1)
    client = app.test_client()
    proxy = "10.0.0.1"
    for i in range(allowed):
        # The client prepends junk; the proxy appends its real address.
        spoof = f"192.0.2.{i}, 203.0.113.9"
        assert (
            login(
                client,
                {"username": f"u{i}", "password": "x"},
                address=proxy,
                **{"X-Forwarded-For": spoof},
            ).status_code
            == 401
        )
    assert_rate_limited(
        login(
            client,
            {"username": "more", "password": "x"},
            address=proxy,
            **{"X-Forwarded-For": "203.0.113.9"},
        )
    )
    # Another client behind the same proxy is not blocked.
    assert (
        login(
            client,
            {"username": "more", "password": "x"},
            address=proxy,
            **{"X-Forwarded-For": "203.0.113.10"},
        ).status_code
        == 401
    )


def test_refresh_is_not_limited_by_failed_logins(limited_app, allowed):
    """Silent refresh must keep working for a signed-in user whose address
    is blocked for logins (say, a shared office address under attack)."""
    client = limited_app.test_client()
    assert login(client, RIGHT).status_code == 200
    for i in range(allowed + 5):
        login(client, {"username": f"user{i}", "password": "x"})
    assert_rate_limited(login(client, WRONG))
    csrf = client.get_cookie("csrf_refresh_token").value
    for _ in range(3):
        response = client.post(
            "/auth/refresh",
            headers={"X-CSRF-TOKEN": csrf},
            environ_base={"REMOTE_ADDR": "203.0.113.1"},
        )
        assert response.status_code == 200
        csrf = client.get_cookie("csrf_refresh_token").value


def test_an_unusable_rate_limit_storage_fails_at_startup(app_factory):
    """A typo in RATELIMIT_STORAGE_URI must stop the app, not silently run
    without brute-force protection."""
    with pytest.raises(ConfigurationError, match="unknown storage scheme"):
        app_factory(RATELIMIT_STORAGE_URI="nosuchstore://localhost:1")


def test_counters_do_not_leak_from_one_app_to_the_next(
    app_factory, default_limit, allowed, cheap_dummy_hash
):
    """The limiter is one module-level object; each new app gets fresh
    counters. This is what keeps the tests above independent of each other
    (and of their order)."""
    first = app_factory(LOGIN_RATE_LIMIT=default_limit)
    for _ in range(allowed):
        login(first.test_client(), WRONG)
    assert_rate_limited(login(first.test_client(), WRONG))
    second = app_factory(LOGIN_RATE_LIMIT=default_limit)
    assert login(second.test_client(), WRONG).status_code == 401


def test_an_app_with_rate_limiting_off_does_not_switch_it_off_for_the_next(
    app_factory, default_limit, allowed, cheap_dummy_hash
):
    """Cross-app leakage through the shared `limiter`: Flask-Limiter keeps
    RATELIMIT_ENABLED from the last app that set it, so without an explicit
    value in every app's config (backend/config.py) the second app here
    would run with no brute-force protection at all."""
    app_factory(RATELIMIT_ENABLED=False)
    app = app_factory(LOGIN_RATE_LIMIT=default_limit)
    client = app.test_client()
    for _ in range(allowed):
        assert login(client, WRONG).status_code == 401
    assert_rate_limited(login(client, WRONG))


@pytest.fixture
def redis_server(tmp_path, app_factory):
    """A real redis-server on a free port: (port, process)."""
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, "redis-server", process)
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait()
    # The limiter is shared by every app: rebind it to a store that exists,
    # for the counters' reset after this test.
    app_factory()


def test_a_limiter_store_failing_between_the_check_and_the_count_fails_closed(
    app_factory, redis_server, cheap_dummy_hash
):
    """Redis dies after the limiter checked the counters (before the view)
    and before it counts the failure (after it): a 503, never a 500."""
    port, redis = redis_server
    store = f"redis://127.0.0.1:{port}/0?socket_connect_timeout=1&socket_timeout=1"
    app = app_factory(RATELIMIT_STORAGE_URI=store, LOGIN_RATE_LIMIT="10 per minute")
    add_user(app, "demo", "password")
    client = app.test_client()
    counted = login(client, WRONG)
    assert counted.status_code == 401 and counted.headers["X-RateLimit-Remaining"] == "9"

    def stop_redis(*_args):
        if redis.poll() is None:
            redis.kill()
            redis.wait()

    with app.app_context():
        # The view's user lookup runs after the check and before the count.
        event.listen(db.engine, "before_cursor_execute", stop_redis)
    assert_store_down(login(client, WRONG))
    assert redis.poll() is not None  # it really died in the middle of that request
    assert_store_down(login(client, RIGHT))  # and the next check fails closed too
