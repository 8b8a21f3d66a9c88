"""Tabs on a plain-http origin that is not localhost: no Web Locks.

A workshop room opens the demo at http://192.168.x.y:8000. That is not a
secure context, so `navigator.locks` is undefined, and tabs that refresh at
the same expiry present the same refresh token twice: reuse detection logs
the user out. The client then falls back to the localStorage lease of
frontend/js/lease-lock.js.

We never send traffic to a real LAN address: Chromium maps the name
`demo.test` to 127.0.0.1 (--host-resolver-rules), so http://demo.test:PORT
is plain http on a name that is not localhost, exactly like a LAN address.
Page and API both live on demo.test (different ports: same site, so the
SameSite=Strict refresh cookie travels). The page is a bare fixture,
tests/browser/pages/tabs-without-web-locks.html, using the real api.js.

Every round, the three tabs of one browser context (one cookie jar, one
localStorage) fire a burst of calls the moment their shared access token
expires; the page's own timer does the waiting, the test awaits the results.
"""

import json
from pathlib import Path

import pytest
from live import ROOT, LiveServer, serve_directory

from .conftest import is_expected_401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOST = "demo.test"
TABS = 3
EXPIRIES = 8
BURST = 4  # calls per tab per expiry
SETTINGS = {
    "ACCESS_TOKEN_TTL": 3,  # an expiry every few seconds
    "REFRESH_DELAY_MS": 200,  # the refresh takes a while: the other tabs' 401s surely overlap it
    "REQUEST_LOG": "true",  # one JSON line per request: we count refreshes in it
    # Strict reuse detection: with the safe retry on, tabs that refresh
    # together would share one new token, and the control could not fail.
    "REFRESH_REUSE_GRACE_S": 0,
}
PAGE = Path(__file__).resolve().parent / "pages" / "tabs-without-web-locks.html"


@pytest.fixture(scope="module")
def insecure_browser(browser_type, browser_type_launch_args):
    """Our own Chromium (conftest's options), resolving demo.test to loopback."""
    args = [
        *browser_type_launch_args.get("args", []),
        f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
    ]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def page_server(tmp_path_factory):
    """The fixture page as index.html, next to frontend/js/, over plain http."""
    root = tmp_path_factory.mktemp("insecure-origin")
    (root / "js").symlink_to(ROOT / "frontend" / "js")
    (root / "index.html").symlink_to(PAGE)
    served = serve_directory(root)
    # The same server, addressed by the name Chromium maps to 127.0.0.1.
    server = LiveServer(served.url.replace("127.0.0.1", HOST), served.process)
    yield server
    server.stop()


@pytest.fixture
def open_tabs(insecure_browser, page_server, live_backend):
    """open_tabs(fallback) -> (backend, pages): a backend on demo.test, and
    TABS tabs of one fresh browser context, logged in through the first one."""
    contexts, problems = [], []

    def start(fallback: bool = True):
        backend = live_backend(CORS_ORIGINS=page_server.url, **SETTINGS)
        api = backend.url.replace("127.0.0.1", HOST)
        context = insecure_browser.new_context()
        contexts.append(context)
        context.on(
            "console",
            lambda message: (
                message.type in ("error", "warning")
                and not is_expected_401(message)
                and problems.append(f"console.{message.type}: {message.text}")
            ),
        )
        context.on("weberror", lambda error: problems.append(f"uncaught: {error.error}"))
        pages = []
        for _ in range(TABS):
            page = context.new_page()
            page.goto(f"{page_server.url}/?api={api}" + ("" if fallback else "&fallback=off"))
            page.wait_for_function("() => window.tab !== undefined")
            pages.append(page)
        pages[0].evaluate("() => tab.api.login('demo', 'password')")
        for page in pages:
            page.evaluate("() => tab.loggedIn")  # the login reached every tab (BroadcastChannel)
        return backend, pages

    yield start
    for context in contexts:
        context.close()
    assert problems == [], "the pages logged errors or warnings:\n" + "\n".join(problems)


def refresh_log(backend) -> list[int]:
    """The status of every POST /auth/refresh the backend answered, from its request log."""
    entries = [json.loads(line) for line in backend.log().splitlines() if line.startswith("{")]
    return [
        e["status"]
        for e in entries
        if e.get("path") == "/auth/refresh" and e.get("method") == "POST"
    ]


def burst_in_every_tab(pages) -> list[list[str]]:
    """Each tab fires BURST calls when the token expires; returns what each call got."""
    for page in pages:
        page.evaluate("n => { window.round = tab.burstAtExpiry(n); }", BURST)
    return [page.evaluate("() => window.round") for page in pages]


def test_three_tabs_without_web_locks_make_one_refresh_per_expiry_and_stay_logged_in(open_tabs):
    """Plain http, not localhost: no secure context, no navigator.locks; the lease lock
    serialises the tabs."""
    backend, pages = open_tabs()
    for (
        page
    ) in pages:  # what makes this origin a workshop LAN address, as far as the client can tell
        assert page.evaluate("() => tab.context") == {"secure": False, "webLocks": False}
    expected = [["aaa", "bbb"] * (BURST // 2)] * TABS

    for expiry in range(1, EXPIRIES + 1):
        before = len(refresh_log(backend))
        results = burst_in_every_tab(pages)
        what = (
            f"expiry {expiry}: results {results}, refresh calls {refresh_log(backend)[before:]}, "
            + "per tab (logged out with, refresh-end events): "
            + str([page.evaluate("() => [tab.expired, tab.refreshes.slice(-2)]") for page in pages])
        )
        assert results == expected, what
        assert len(refresh_log(backend)) - before == 1, what

    for page in pages:
        assert page.evaluate("() => tab.expired") == [], "a tab was logged out"
        assert page.evaluate("() => tab.api.getSession() !== null")
        assert page.evaluate("() => tab.lease()") is None, "the lease was not released"
    refreshes = [r for page in pages for r in page.evaluate("() => tab.refreshes")]
    assert all(r["ok"] for r in refreshes)
    assert sum(r["source"] == "server" for r in refreshes) == EXPIRIES


def test_without_the_fallback_the_same_tabs_trip_reuse_detection(open_tabs):
    """The control experiment: the rounds above do reproduce the race.
    With locks: null, the tabs refresh together and the session ends."""
    _, pages = open_tabs(fallback=False)
    for expiry in range(1, EXPIRIES + 1):
        burst_in_every_tab(pages)
        expired = [code for page in pages for code in page.evaluate("() => tab.expired")]
        if expired:
            print(f"logged out at expiry {expiry}: {expired}")
            break
    assert "token_reused" in expired, f"no tab saw reuse detection in {EXPIRIES} expiries"
