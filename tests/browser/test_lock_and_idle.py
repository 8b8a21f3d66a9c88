"""Client extras in a real Chromium, against the real backend.

- The localStorage lease lock (frontend/js/lease-lock.js, used where
  navigator.locks is missing) after a real QuotaExceededError: the page's
  localStorage is filled to the brim, the refresh runs at once without the
  lock and says so in a `lock` event, and once there is room again the next
  refresh takes the lock.
- Proactive refresh on a page nobody uses (frontend/js/proactive-refresh.js),
  with Playwright's page.clock: after idleAfterMs without input the timer
  stops renewing the session; the user coming back refreshes at once while
  the refresh token is valid, and an abandoned tab lets the session lapse.
- No doomed sends: after a sleep (page.clock jumps ten minutes; the
  proactive timer is off, as if it never ran), a burst of calls with a token
  the client knows has expired waits for one refresh: 0 doomed 401s.
"""

import time

import pytest
from live import ROOT, serve_directory

from .demo_page import server_refresh_count
from .local_storage import EMPTY_STORAGE, FILL_STORAGE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEST_PAGE = """<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>lock and idle test page</title>
<button id="somewhere">somewhere to click</button>
<script type="module">
  import { createApiClient } from '/js/api.js';

  window.makeClient = ({ baseURL, withoutWebLocks = false, ...options }) => {
    // As on a plain-http LAN address: no Web Locks, so the client takes the lease lock.
    if (withoutWebLocks) delete Navigator.prototype.locks;
    const events = [];
    const expired = [];
    const client = createApiClient({ baseURL, ...options,
      onSessionExpired: (error) => expired.push(error.cause?.code ?? error.code) });
    client.on('*', (e) => events.push({ type: e.type, state: e.state, reason: e.reason,
      error: e.error?.name, ok: e.ok, lapsesAt: e.lapsesAt }));
    const count = (type) => events.filter((e) => e.type === type).length;
    window.t = { client, events, expired, count,
      settled: () => count('refresh-start') === count('refresh-end') };
  };

  window.pageReady = true;
</script>
"""


@pytest.fixture(scope="module")
def test_site(tmp_path_factory):
    """The test page next to frontend/js/, served from loopback."""
    site = tmp_path_factory.mktemp("lock-idle-site")
    (site / "test.html").write_text(TEST_PAGE)
    (site / "js").symlink_to(ROOT / "frontend" / "js")
    server = serve_directory(site, "/test.html")
    yield server
    server.stop()


@pytest.fixture
def open_client(page, test_site, live_backend, console_problems):
    """open_client(settings, **client_options) -> backend: the page, with a logged-in client."""

    def start(settings: dict, **options):
        backend = live_backend(CORS_ORIGINS=test_site.url, REQUEST_LOG="true", **settings)
        page.goto(f"{test_site.url}/test.html")
        page.wait_for_function("window.pageReady === true")
        page.evaluate("(options) => makeClient(options)", {"baseURL": backend.url, **options})
        assert page.evaluate("t.client.login('demo', 'password')")["username"] == "demo"
        return backend

    return start


def lock_events(page) -> list[dict]:
    return [
        {"state": e["state"], "reason": e.get("reason"), "error": e.get("error")}
        for e in page.evaluate("t.events")
        if e["type"] == "lock"
    ]


def call_after_refresh(page) -> None:
    """A call with a refused token: it refreshes, then gets its data (or the test times out)."""
    page.evaluate("t.client.setAccessToken('corrupted'); window.result = null;")
    page.evaluate("t.client.get('/aaa').then((body) => { window.result = body.data; })")
    # lockTimeoutMs is 10 minutes: a call stuck behind the lock would never get here.
    page.wait_for_function("window.result === 'aaa'", timeout=30_000)


def test_a_full_local_storage_costs_one_refresh_its_lease_lock_and_the_next_takes_it(
    open_client, page
):
    backend = open_client({}, withoutWebLocks=True, proactiveRefresh=False, lockTimeoutMs=600_000)
    assert page.evaluate("'locks' in navigator") is False
    assert page.evaluate(FILL_STORAGE) == "QuotaExceededError"
    call_after_refresh(page)
    assert lock_events(page) == [
        {"state": "degraded", "reason": "acquire", "error": "QuotaExceededError"}
    ]
    page.evaluate(EMPTY_STORAGE)
    call_after_refresh(page)
    assert [e["state"] for e in lock_events(page)] == ["degraded", "ok"]
    assert server_refresh_count(backend) == 2
    lease = page.evaluate("localStorage.getItem('silent-refresh:lock:silent-refresh:refresh')")
    assert lease is None, "the lease was released"


def run_for(page, ms: int, step: int = 2_000) -> None:
    """Move the page's clock on by `ms`, letting each refresh it starts finish."""
    for _ in range(ms // step):
        page.clock.run_for(step)
        page.wait_for_function("t.settled()")


def test_an_unused_tab_stops_refreshing_and_refreshes_at_once_when_the_user_returns(
    open_client, page
):
    page.clock.install()
    backend = open_client({"ACCESS_TOKEN_TTL": 10}, idleAfterMs=60_000, refreshTokenTtlMs=600_000)
    for _ in range(6):  # a minute and a half of use: a key press every 15 s
        run_for(page, 15_000)
        page.keyboard.press("Shift")
    assert page.evaluate("t.count('session-idle')") == 0
    working = server_refresh_count(backend)
    assert working >= 8, f"{working} refreshes in 90 s of 10 s tokens"
    run_for(page, 120_000)  # nobody there for two minutes
    assert page.evaluate("t.count('session-idle')") == 1
    idle = server_refresh_count(backend)
    assert idle - working <= 8, "refreshed on for the whole idle minute and more"
    run_for(page, 120_000)
    assert server_refresh_count(backend) == idle, "refreshed while nobody used the page"
    refreshes = page.evaluate("t.count('refresh-end')")
    page.click("#somewhere")
    page.wait_for_function(
        f"t.count('session-active') === 1 && t.count('refresh-end') === {refreshes + 1}"
    )
    assert server_refresh_count(backend) == idle + 1
    assert page.evaluate("t.events.at(-1)")["ok"] is True
    assert page.evaluate("t.client.get('/aaa').then((body) => body.data)") == "aaa"
    assert page.evaluate("t.expired") == []


def test_an_abandoned_tab_lets_the_session_lapse_when_the_refresh_token_expires(open_client, page):
    page.clock.install()
    open_client({"ACCESS_TOKEN_TTL": 3, "REFRESH_TOKEN_TTL": 4}, idleAfterMs=5_000)
    run_for(page, 20_000, step=500)
    assert page.evaluate("t.count('session-idle')") == 1
    assert page.evaluate("t.count('refresh-end')") >= 2, "refreshed while in use"
    # The refresh token's 4 s pass on the server's clock, which page.clock
    # cannot move: wait them out for real. The page's clock runs meanwhile.
    time.sleep(5)
    assert page.evaluate("t.client.getSession()") is not None, "still holds its last token"
    page.click("#somewhere")
    page.wait_for_function("t.expired.length === 1 && t.settled()")
    # The browser has dropped the expired cookie (its Max-Age is the refresh
    # token's lifetime), so the server sees none; had it been sent, it would
    # have been refused as expired.
    [reason] = page.evaluate("t.expired")
    assert reason in {"missing_token", "token_expired"}
    assert page.evaluate("t.client.getSession()") is None


def test_after_a_sleep_a_burst_waits_for_one_refresh_and_sends_no_doomed_call(open_client, page):
    page.clock.install()
    backend = open_client({"ACCESS_TOKEN_TTL": 2}, proactiveRefresh=False, refreshExpiredFirst=True)
    refreshes_before = server_refresh_count(backend)
    page.clock.fast_forward("10:00")  # the page wakes up ten minutes later
    # The backend's clock is real: let the token's 2 s pass there too (no event to await).
    time.sleep(2.5)
    results = page.evaluate(
        "Promise.all(Array.from({ length: 8 }, () => t.client.get('/aaa').then((b) => b.data)))"
    )
    assert results == ["aaa"] * 8
    assert page.evaluate("t.count('unauthorized')") == 0, "a call went out with an expired token"
    assert server_refresh_count(backend) - refreshes_before == 1
