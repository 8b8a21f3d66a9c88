"""Both clients in a real Chromium, against the real backend: api.js's own
fetch calls, and an axios instance (axios's browser build, from
tests/axios/node_modules) with frontend/js/axios.js installed.

The same scenario runs for each client. A test page, served from loopback by
its own static server (next to frontend/js/ and axios's build, linked in),
builds one client and exposes it to the test; the backend's request
log says what the server saw. Expired tokens are real: the session's token
re-signed with `exp` in the past (the backend runs with the tests' key).
"""

import json
import time
import urllib.request

import jwt
import pytest
from helpers import TEST_SECRET, skip_or_fail
from live import ROOT, serve_directory

from .demo_page import server_refresh_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXIOS_BROWSER_BUILD = (
    ROOT / "tests" / "axios" / "node_modules" / "axios" / "dist" / "esm" / "axios.js"
)
REFRESH_DELAY_MS = 300  # long enough that calls sent "during the refresh" really are

TEST_PAGE = """<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>axios adapter test page</title>
<script type="module">
  import axios from '/vendor/axios.js';
  import { createApiClient } from '/js/api.js';
  import { installSilentRefresh, toApiError } from '/js/axios.js';

  // One client, and calls that read alike for both: parsed body, or ApiError.
  window.makeClient = (kind, baseURL) => {
    const expired = [];
    const events = [];
    const client = createApiClient({ baseURL, proactiveRefresh: false,
      onSessionExpired: (error) => expired.push(`${error.code}:${error.cause?.code}`) });
    client.on('*', (e) =>
      events.push({ type: e.type, path: e.path, reason: e.reason, code: e.code }));
    let get = (path) => client.get(path);
    if (kind === 'axios') {
      const http = axios.create({ baseURL });
      installSilentRefresh(http, client);
      get = (path) => http.get(path).then(
        (response) => response.data,
        (error) => { throw toApiError(error); });
    }
    const settle = (promise) => promise.then(
      (body) => ({ ok: true, data: body.data, user: body.user.username }),
      (error) => ({ ok: false, name: error.name, status: error.status, code: error.code,
                    cause: error.cause?.code ?? null }));
    window.t = { client, get, settle, events, expired };
  };
  window.pageReady = true;
</script>
"""


@pytest.fixture(scope="module")
def test_site(tmp_path_factory):
    """The test page, frontend/js/ and axios's browser build, served as `make run`
    serves frontend/ (a real loopback server: Chromium lets only such pages
    call the loopback API)."""
    if not AXIOS_BROWSER_BUILD.exists():
        skip_or_fail("axios not installed: run npm ci --prefix tests/axios (make test does)")
    site = tmp_path_factory.mktemp("axios-site")
    (site / "axios-test.html").write_text(TEST_PAGE)
    (site / "js").symlink_to(ROOT / "frontend" / "js")
    (site / "vendor").mkdir()
    (site / "vendor" / "axios.js").symlink_to(AXIOS_BROWSER_BUILD)
    server = serve_directory(site, "/axios-test.html")
    yield server
    server.stop()


@pytest.fixture
def open_client(page, test_site, live_backend, console_problems):
    """open_client(kind) -> backend: the test page, with a logged-in client of that kind."""

    def start(kind: str):
        backend = live_backend(
            CORS_ORIGINS=test_site.url, REQUEST_LOG="true", REFRESH_DELAY_MS=REFRESH_DELAY_MS
        )
        page.goto(f"{test_site.url}/axios-test.html")
        page.wait_for_function("window.pageReady === true")
        page.evaluate("([kind, url]) => makeClient(kind, url)", [kind, backend.url])
        user = page.evaluate("t.client.login('demo', 'password')")
        assert user["username"] == "demo"
        return backend

    return start


def expire_the_access_token(page) -> None:
    """Swap the client's token for an expired copy of itself (real claims, real signature)."""
    token = page.evaluate("t.client.getSession().accessToken")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    claims["iat"] = claims["nbf"] = claims["exp"] - 900
    page.evaluate(
        "(token) => t.client.setAccessToken(token)",
        jwt.encode(claims, TEST_SECRET, algorithm="HS256"),
    )


def requests_to(backend, path: str) -> list[int]:
    """Statuses the server answered to `path`, sorted (CORS preflights left out)."""
    entries = [json.loads(line) for line in backend.log().splitlines() if line.startswith("{")]
    return sorted(e["status"] for e in entries if e["path"] == path and e["method"] != "OPTIONS")


CLIENTS = ["fetch", "axios"]


@pytest.mark.parametrize("kind", CLIENTS)
def test_five_concurrent_expired_calls_make_one_refresh_and_all_get_their_data(
    open_client, page, kind
):
    backend = open_client(kind)
    expire_the_access_token(page)
    results = page.evaluate(
        "Promise.all([0, 1, 2, 3, 4].map((i) => t.settle(t.get(`/aaa?i=${i}`))))"
    )
    assert results == [{"ok": True, "data": "aaa", "user": "demo"}] * 5
    assert server_refresh_count(backend) == 1
    assert requests_to(backend, "/aaa") == [200] * 5 + [401] * 5
    events = page.evaluate("t.events")
    assert [e["reason"] for e in events if e["type"] == "replay"] == ["refreshed"] * 5
    assert sum(e["type"] == "refresh-end" for e in events) == 1


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_call_sent_during_the_refresh_waits_for_it_and_goes_out_once_with_the_new_token(
    open_client, page, kind
):
    backend = open_client(kind)
    expire_the_access_token(page)
    results = page.evaluate("""async () => {
        const started = new Promise((resolve) => {
            const off = t.client.on('refresh-start', () => { off(); resolve(); });
        });
        const first = t.settle(t.get('/aaa'));
        await started;                       // the refresh is on its way (it takes 300 ms)
        const late = t.settle(t.get('/bbb'));
        return Promise.all([first, late]);
    }""")
    assert [r["data"] for r in results] == ["aaa", "bbb"]
    assert server_refresh_count(backend) == 1
    assert requests_to(backend, "/bbb") == [200], "sent once, after the refresh, with the new token"
    late = [e["type"] for e in page.evaluate("t.events") if e.get("path") == "/bbb"]
    assert late == ["request", "queued", "done"]


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_refused_refresh_rejects_every_waiting_call_with_session_expired_and_nothing_hangs(
    open_client, page, context, kind
):
    backend = open_client(kind)
    # Revoke the session on the server with the browser's own cookies (as
    # another device logging out would); the page keeps its dead cookies.
    cookies = {c["name"]: c["value"] for c in context.cookies(backend.url + "/auth/refresh")}
    revoke = urllib.request.Request(
        backend.url + "/auth/logout",
        method="POST",
        headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "X-CSRF-TOKEN": cookies["csrf_refresh_token"],
        },
    )
    with urllib.request.urlopen(revoke) as response:
        assert response.status == 204
    expire_the_access_token(page)
    results = page.evaluate("Promise.all([0, 1, 2].map((i) => t.settle(t.get(`/aaa?i=${i}`))))")
    assert (
        results
        == [
            {
                "ok": False,
                "name": "ApiError",
                "status": 401,
                "code": "session_expired",
                "cause": "token_revoked",
            }
        ]
        * 3
    )
    assert page.evaluate("t.expired") == ["session_expired:token_revoked"], "the app is told once"
    assert page.evaluate("t.client.getSession()") is None
    assert requests_to(backend, "/auth/refresh") == [401]
    assert requests_to(backend, "/aaa") == [401] * 3, "nothing replayed after the refusal"
