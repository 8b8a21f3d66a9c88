"""The safe retry of a refresh (REFRESH_REUSE_GRACE_S, on by default).

When the server has rotated R0 -> R1 but the client never saw R1 (the
answer was dropped, or came after the client's timeout), the client
presents R0 again. Within the window it gets R1 itself, byte for byte, so
the session survives and the family never holds a second live token. Once
R1 has been exchanged in turn, R0 is plain reuse again.
"""

import http.client
import os
import socket
import threading
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from helpers import AuthActions, add_user
from live import start_backend

from backend.extensions import db
from backend.models import RefreshToken


def rows(app) -> list[RefreshToken]:
    with app.app_context():
        return db.session.scalars(db.select(RefreshToken).order_by(RefreshToken.id)).all()


def live_rows(app) -> list[RefreshToken]:
    return [row for row in rows(app) if row.spent_at is None and row.revoked_at is None]


class DropFirstRefreshAnswer:
    """WSGI middleware standing for a network that loses one answer: the
    app handles the first POST /auth/refresh completely (it commits), then
    the client gets a bare 502 instead of the app's answer and cookies."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.swallowed_cookies: list[str] = []

    def __call__(self, environ, start_response):
        if self.swallowed_cookies or not environ["PATH_INFO"].endswith("/auth/refresh"):
            return self.wsgi_app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["headers"] = headers
            return lambda _data: None

        body = b"".join(self.wsgi_app(environ, capture))  # the app runs to the end
        assert body  # a real answer existed, and was lost
        self.swallowed_cookies = [v for k, v in captured["headers"] if k == "Set-Cookie"]
        start_response("502 Bad Gateway", [("Content-Length", "0")])
        return [b""]


def test_a_dropped_refresh_answer_heals_on_retry_with_the_successor_already_issued(app):
    network = DropFirstRefreshAnswer(app.wsgi_app)
    app.wsgi_app = network
    auth = AuthActions(app.test_client())
    auth.login()
    r0 = auth.refresh_cookie()

    assert auth.refresh().status_code == 502  # committed on the server, lost on the way
    assert auth.refresh_cookie() == r0  # the client still holds the spent token
    retried = auth.refresh()

    assert retried.status_code == 200, retried.get_json()
    lost_cookie = next(c for c in network.swallowed_cookies if c.startswith("refresh_token_"))
    assert lost_cookie.split(";")[0] == f"refresh_token_cookie={auth.refresh_cookie()}"
    assert len(live_rows(app)) == 1  # the retry issued nothing new
    assert auth.refresh().status_code == 200  # and the session goes on
    assert len({row.family for row in rows(app)}) == 1


def test_retries_of_a_just_spent_token_return_one_successor_never_a_second_live_token(app):
    auth = AuthActions(app.test_client())
    auth.login()
    r0, csrf0 = auth.refresh_cookie(), auth.csrf()
    assert auth.refresh().status_code == 200  # R0 -> R1; pretend the answer was lost
    r1 = auth.refresh_cookie()
    n = 50
    barrier = threading.Barrier(n)
    answers = [None] * n

    def retry(i):
        client = app.test_client()
        client.set_cookie("refresh_token_cookie", r0, path="/auth")
        barrier.wait()
        response = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf0})
        cookie = client.get_cookie("refresh_token_cookie", path="/auth")
        answers[i] = (response.status_code, cookie.value if cookie else None)

    threads = [threading.Thread(target=retry, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(answers) == {(200, r1)}, set(answers)
    assert len(rows(app)) == 2 and len(live_rows(app)) == 1


def test_a_retry_after_the_successor_was_exchanged_is_reuse_and_ends_the_family(app):
    auth = AuthActions(app.test_client())
    auth.login()
    r0 = auth.refresh_cookie()
    assert auth.refresh().status_code == 200  # R0 -> R1
    assert auth.refresh().status_code == 200  # R1 -> R2: two parties held R0
    auth.use_refresh_cookie(r0)
    assert auth.refresh().get_json()["error"] == "token_reused"
    assert live_rows(app) == []


def test_without_the_window_a_retry_is_reuse(app_factory):
    app = app_factory(REFRESH_REUSE_GRACE_S=0)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    auth.login()
    r0 = auth.refresh_cookie()
    assert auth.refresh().status_code == 200
    auth.use_refresh_cookie(r0)
    assert auth.refresh().get_json()["error"] == "token_reused"


def post(url: str, path: str, headers: dict, timeout: float, body: bytes = b""):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers.get_all("Set-Cookie") or [], response.read()
    finally:
        connection.close()


def cookie_values(set_cookie: list[str]) -> dict[str, str]:
    return dict(header.split(";", 1)[0].split("=", 1) for header in set_cookie)


def refresh_headers(cookies: dict[str, str]) -> dict[str, str]:
    return {
        "Cookie": f"refresh_token_cookie={cookies['refresh_token_cookie']}; "
        f"csrf_refresh_token={cookies['csrf_refresh_token']}",
        "X-CSRF-TOKEN": cookies["csrf_refresh_token"],
    }


@pytest.mark.slow
def test_a_refresh_slower_than_the_client_timeout_heals_when_the_client_retries(tmp_path):
    """A real server whose refresh takes 3 s; the client gives up after
    1.5 s and retries with the same cookie, as frontend/js does."""
    server = start_backend(tmp_path, REFRESH_DELAY_MS=3000)
    try:
        status, set_cookie, raw = post(
            server.url,
            "/auth/login",
            {"Content-Type": "application/json"},
            timeout=10,
            body=b'{"username": "demo", "password": "password"}',
        )
        assert status == 200, raw
        cookies = cookie_values(set_cookie)

        with pytest.raises((TimeoutError, socket.timeout)):
            post(server.url, "/auth/refresh", refresh_headers(cookies), timeout=1.5)
        status, set_cookie, raw = post(
            server.url, "/auth/refresh", refresh_headers(cookies), timeout=15
        )
        assert status == 200, raw
        successor = cookie_values(set_cookie)
        status, _, raw = post(server.url, "/auth/refresh", refresh_headers(successor), timeout=15)
        assert status == 200, raw  # the family is alive
    finally:
        server.stop()
        if os.environ.get("TEST_DATABASE_URL"):  # the server's tables, on the shared database
            engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
            db.metadata.drop_all(engine)
            engine.dispose()
