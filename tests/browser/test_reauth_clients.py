"""One password prompt for concurrent 403 reauth_required answers, in a real
Chromium, with both clients: api.js's own fetch calls, and an axios instance
with frontend/js/axios.js installed (the same policy, through its adapter).

The user has a second session (another device, logged in over plain HTTP),
and two `POST /sessions/end-others` calls start at once with a password
older than REAUTH_MAX_AGE. Both get a 403; the app's `onReauthRequired` is
asked once, one `/auth/reauth` goes out, and each call is replayed once.
"""

import json
import re
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from helpers import skip_or_fail
from live import ROOT, LiveServer, serve_directory

from .test_axios_client import AXIOS_BROWSER_BUILD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Whole seconds, as auth_time: 2 leaves the replays at least a second.
REAUTH_MAX_AGE = 2

TEST_PAGE = """<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>reauth test page</title>
<script type="module">
  import axios from '/vendor/axios.js';
  import { createApiClient } from '/js/api.js';
  import { installSilentRefresh, toApiError } from '/js/axios.js';

  window.makeClient = (kind, baseURL) => {
    const prompts = [];
    const client = createApiClient({ baseURL, proactiveRefresh: false,
      // The app's prompt: counted, and answered like a user who types the password.
      onReauthRequired: (error) => { prompts.push(error.code); return 'password'; } });
    let post = (path) => client.post(path, undefined);
    if (kind === 'axios') {
      const http = axios.create({ baseURL });
      installSilentRefresh(http, client);
      post = (path) => http.post(path).then(
        (response) => response.data,
        (error) => { throw toApiError(error); });
    }
    const settle = (promise) => promise.then(
      (body) => ({ ok: true, ended: body.ended }),
      (error) => ({ ok: false, status: error.status, code: error.code }));
    window.t = { client, post, settle, prompts };
  };
  window.pageReady = true;
</script>
"""

EXPECTED_LOG = re.compile(r"^Failed to load resource: the server responded with a status of 403\b")


@pytest.fixture(scope="module")
def test_site(tmp_path_factory):
    """The test page, frontend/js/ and axios's browser build, on a loopback server."""
    if not AXIOS_BROWSER_BUILD.exists():
        skip_or_fail("axios not installed: run npm ci --prefix tests/axios (make test does)")
    site = tmp_path_factory.mktemp("reauth-site")
    (site / "reauth-test.html").write_text(TEST_PAGE)
    (site / "js").symlink_to(ROOT / "frontend" / "js")
    (site / "vendor").mkdir()
    (site / "vendor" / "axios.js").symlink_to(AXIOS_BROWSER_BUILD)
    server = serve_directory(site, "/reauth-test.html")
    yield server
    server.stop()


@pytest.fixture
def console(page):
    """Console errors and warnings, but the 403s the scenario provokes on purpose."""
    problems: list[str] = []

    def on_console(message):
        path = urlparse(message.location.get("url") or "").path
        expected = EXPECTED_LOG.match(message.text) and path == "/sessions/end-others"
        if message.type in ("error", "warning") and not expected:
            problems.append(f"console.{message.type}: {message.text} ({path})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    yield problems
    assert problems == [], "the page logged errors or warnings:\n" + "\n".join(problems)


def log_in_elsewhere(backend: LiveServer) -> None:
    """Another device's session: a login that is not this browser's."""
    body = json.dumps({"username": "demo", "password": "password"}).encode()
    request = urllib.request.Request(
        backend.url + "/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def calls_to(backend: LiveServer, method: str, path: str) -> list[int]:
    """Statuses the server answered to `method path`, in order."""
    entries = [json.loads(line) for line in backend.log().splitlines() if line.startswith("{")]
    return [e["status"] for e in entries if e["path"] == path and e["method"] == method]


@pytest.mark.parametrize("kind", ["fetch", "axios"])
def test_two_concurrent_sensitive_calls_ask_for_the_password_once(
    page, test_site, live_backend, console, kind
):
    backend = live_backend(
        CORS_ORIGINS=test_site.url, REQUEST_LOG="true", REAUTH_MAX_AGE=REAUTH_MAX_AGE
    )
    page.goto(f"{test_site.url}/reauth-test.html")
    page.wait_for_function("window.pageReady === true")
    page.evaluate("([kind, url]) => makeClient(kind, url)", [kind, backend.url])
    assert page.evaluate("t.client.login('demo', 'password')")["username"] == "demo"
    log_in_elsewhere(backend)
    # The rule under test is a time: wait until this login's password is too old.
    time.sleep(REAUTH_MAX_AGE + 1.1)

    results = page.evaluate(
        "Promise.all([t.settle(t.post('/sessions/end-others')),"
        " t.settle(t.post('/sessions/end-others'))])"
    )

    assert page.evaluate("t.prompts") == ["reauth_required"]  # asked once, for both
    assert [r["ok"] for r in results] == [True, True], results
    # The other device's session is over, and only it: this one goes on. (Two
    # end-others racing on the server may both count it: `ended` is 0 or 1 each.)
    assert all(r["ended"] in (0, 1) for r in results), results
    sessions = page.evaluate("t.client.get('/sessions').then((body) => body.sessions)")
    assert [s["current"] for s in sessions] == [True], sessions
    assert calls_to(backend, "POST", "/auth/reauth") == [200]
    assert sorted(calls_to(backend, "POST", "/sessions/end-others")) == [200, 200, 403, 403]
