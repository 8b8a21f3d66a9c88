"""The deployment a user grows into, over HTTP: nginx in front of two app
servers (gunicorn, 3 workers each) that share PostgreSQL and Redis.

Which app server answered is read from each server's own request log
(REQUEST_LOG), not from anything nginx adds to responses."""

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Client, served

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def client(stack):
    return Client(stack.url)


@pytest.fixture(autouse=True)
def _fresh_login_counts(stack):
    """Each test starts with no failed logins counted (the counts are shared)."""
    stack.flush_redis()


def test_api_and_page_share_one_origin_and_the_cookie_path_follows_the_prefix(stack, client):
    status, page, headers = client.request("GET", "/")
    assert status == 200 and "text/html" in headers["Content-Type"]
    status, body, _ = client.login()
    assert status == 200, body
    assert client.cookie_path("refresh_token_cookie") == "/api/auth"
    assert client.cookie_path("csrf_refresh_token") == "/"
    status, body, _ = client.request(
        "GET", "/api/aaa", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert (status, body["data"]) == (200, "aaa")
    # Outside the prefix there is no API: /aaa is a static 404 from nginx.
    assert client.request("GET", "/aaa")[0] == 404


def test_login_on_one_app_server_is_refreshed_on_the_other(stack, client):
    logins_before = [len(served(app, "POST", "/api/auth/login")) for app in stack.apps]
    status, body, _ = client.login()
    assert status == 200, body
    login_server = next(
        i
        for i, app in enumerate(stack.apps)
        if len(served(app, "POST", "/api/auth/login")) > logins_before[i]
    )
    other = stack.apps[1 - login_server]
    # Round robin sends the next request to the other server; keep rotating
    # (each refresh spends the last token) until it has served one.
    for _attempt in range(6):
        before = len(served(other, "POST", "/api/auth/refresh"))
        status, body, _ = client.refresh()
        assert status == 200, body
        if len(served(other, "POST", "/api/auth/refresh")) > before:
            break
    else:
        pytest.fail(f"no refresh reached {other.name}")
    status, data, _ = client.request(
        "GET", "/api/bbb", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert (status, data["user"]["username"]) == (200, "demo")


def test_50_concurrent_refreshes_of_one_token_share_one_successor_across_both_servers(
    stack, client
):
    assert client.login()[0] == 200
    cookies = "; ".join(f"{c.name}={c.value}" for c in client.jar)
    csrf = client.cookie("csrf_refresh_token")
    before = [len(served(app, "POST", "/api/auth/refresh")) for app in stack.apps]
    start = threading.Barrier(50)

    def refresh_with_the_same_cookie(_):
        start.wait()
        return client.request(
            "POST", "/api/auth/refresh", headers={"X-CSRF-TOKEN": csrf}, cookie_header=cookies
        )

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(refresh_with_the_same_cookie, range(50)))
    # One spend wins; the safe retry (docs/05) answers the 49 others with the
    # winner's token itself, so there is exactly one new refresh token.
    assert [status for status, _body, _headers in results] == [200] * 50, results
    issued = {
        next(
            h for h in headers.get_all("Set-Cookie") if h.startswith("refresh_token_cookie=")
        ).split(";")[0]
        for _status, _body, headers in results
    }
    assert len(issued) == 1, f"{len(issued)} different refresh tokens were handed out"
    spread = [
        len(served(app, "POST", "/api/auth/refresh")) - before[i]
        for i, app in enumerate(stack.apps)
    ]
    assert sum(spread) == 50 and min(spread) > 0, f"refreshes per app server: {spread}"
    # That one token rotates on; the token spent two steps ago is then reuse.
    (new_cookie,) = issued
    new_csrf = next(
        h.split(";")[0].split("=", 1)[1]
        for h in results[0][2].get_all("Set-Cookie")
        if h.startswith("csrf_refresh_token=")
    )
    status, body, _ = client.request(
        "POST",
        "/api/auth/refresh",
        headers={"X-CSRF-TOKEN": new_csrf},
        cookie_header=f"{new_cookie}; csrf_refresh_token={new_csrf}",
    )
    assert status == 200, body
    status, body, _ = client.request(
        "POST", "/api/auth/refresh", headers={"X-CSRF-TOKEN": csrf}, cookie_header=cookies
    )
    assert (status, body["error"]) == (401, "token_reused")


def test_the_failed_login_limit_counts_every_process_together(stack, client):
    """10 failures a minute in total, whichever of the 6 workers gets them
    (a per-process memory:// store would let 10 through per worker)."""
    stack.create_user("victim", "correct horse")
    before = [len(served(app, "POST", "/api/auth/login")) for app in stack.apps]
    statuses = [client.login("victim", f"guess-{n}")[0] for n in range(14)]
    assert statuses == [401] * 10 + [429] * 4, statuses
    spread = [
        len(served(app, "POST", "/api/auth/login")) - before[i] for i, app in enumerate(stack.apps)
    ]
    assert min(spread) >= 3, f"failed logins per app server: {spread}"
    status, body, headers = client.login("victim", "correct horse")
    assert (status, body["error"]) == (429, "rate_limited") and headers["Retry-After"]


def test_logins_fail_closed_with_a_503_while_redis_is_down_and_sessions_go_on(stack, client):
    status, body, _ = client.login()
    assert status == 200
    stack.redis.stop()
    try:
        for _ in range(4):  # both app servers, several workers
            status, body, headers = client.login()
            assert (status, body["error"]) == (503, "rate_limit_unavailable"), body
            assert headers["Content-Type"] == "application/json" and headers["Retry-After"]
        # A signed-in user notices nothing: refresh and the API need no Redis.
        status, body, _ = client.refresh()
        assert status == 200, body
        status, data, _ = client.request(
            "GET", "/api/aaa", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert status == 200
    finally:
        stack.restart_redis()
    statuses = {client.login()[0] for _ in range(4)}
    assert statuses == {200}


def raw_request(stack, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes no HTTP library would send; (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as s:
        s.sendall(request)
        received = b""
        while chunk := s.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes,status,code",
    [
        (b"NONSENSE\r\n\r\n", 400, "bad_request"),
        (
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
            b"Connection: close\r\n\r\n",
            413,
            "payload_too_large",
        ),
        (
            b"GET /api/health?" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414,
            "request_uri_too_long",
        ),
        (
            b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
        ),
    ],
    ids=["malformed", "body-too-large", "uri-too-long", "headers-too-large"],
)
def test_nginx_answers_its_own_errors_in_json(stack, request_bytes, status, code):
    answered, headers, body = raw_request(stack, request_bytes)
    assert answered == status, body[:300]
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == code
