"""The real browser client (Chromium) through nginx: the page and the API
on one origin, two app servers behind it, and one of them killed mid-burst."""

import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from browser.demo_page import Demo
from playwright.sync_api import Page

from .conftest import served

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.browser]

BURST = 400


# Chromium's notes on a response the killed server cut off half-way: such a
# GET comes back as network_error, and the page retries it (see below).
CUT_OFF = ("ERR_CONTENT_LENGTH_MISMATCH", "ERR_EMPTY_RESPONSE", "ERR_INCOMPLETE_CHUNKED_ENCODING")


@pytest.fixture
def console_problems(page: Page, request):
    """Console errors and uncaught exceptions; the test fails on any, except
    Chromium's own note on the 401s the client is meant to recover from (and,
    in the kill test, on the responses the kill cut off)."""
    problems: list[str] = []
    allowed = ("status of 401",) + (CUT_OFF if "killed" in request.node.name else ())

    def on_console(message):
        if message.type in ("error", "warning") and not any(a in message.text for a in allowed):
            problems.append(
                f"console.{message.type}: {message.text} ({message.location.get('url')})"
            )

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    yield problems
    assert problems == [], "\n".join(problems)


def test_demo_page_on_the_same_origin_logs_in_and_restores_the_session_after_a_reload(
    stack, page, console_problems
):
    demo = Demo(page, stack.url, SimpleNamespace(url="/api"), "stack-demo").open()
    demo.log_in()
    refresh_cookie = next(c for c in page.context.cookies() if c["name"] == "refresh_token_cookie")
    assert refresh_cookie["path"] == "/api/auth" and refresh_cookie["httpOnly"]
    # The reload keeps nothing in memory: only the refresh cookie, sent to
    # /api/auth/refresh on the same origin, can bring the session back.
    page.reload()
    demo.expect_logged_in()


def open_client(page: Page, stack) -> None:
    """The client library itself, imported by a page served by nginx."""
    page.goto(stack.url + "/?api=/api")
    page.evaluate("""async () => {
        const { createApiClient } = await import('/js/api.js');
        window.refreshes = 0;
        window.api = createApiClient({ baseURL: '/api', proactiveRefresh: false });
        window.api.on('refresh-start', () => { window.refreshes += 1; });
        await window.api.login('demo', 'password');
    }""")


def calls_served(app) -> int:
    return len(served(app, "GET", "/api/aaa")) + len(served(app, "GET", "/api/bbb"))


def test_killed_app_server_mid_burst_loses_nothing_and_the_session_continues_after_its_restart(
    stack, page, console_problems
):
    open_client(page, stack)
    victim, survivor = stack.apps
    victim_before, survivor_before = calls_served(victim), calls_served(survivor)
    # nginx re-sends to the other server every GET the victim never answered
    # (proxy_next_upstream). A response the kill cuts off half-way has already
    # started towards the browser, so nginx cannot re-send it: the client
    # reports it as network_error (status 0), untouched, and the app retries
    # that idempotent GET once, as an app should. Everything else needs no help.
    page.evaluate(
        """(n) => {
        window.done = 0;
        window.retried = 0;
        const get = (path) => window.api.get(path).catch((error) => {
            if (error.status !== 0) throw error;
            window.retried += 1;
            return window.api.get(path);
        });
        window.burst = Promise.allSettled(Array.from({ length: n }, (_, i) =>
            get(i % 2 ? '/aaa' : '/bbb').finally(() => { window.done += 1; })));
    }""",
        BURST,
    )
    # Kill the victim once it is visibly part of the burst.
    deadline = time.monotonic() + 30
    while calls_served(victim) - victim_before < 20:
        assert time.monotonic() < deadline, "the burst never reached " + victim.name
        time.sleep(0.02)
    victim.kill()
    assert page.evaluate("window.done") < BURST, (
        "the burst ended before the kill: nothing was tested"
    )

    results = page.evaluate("""async () => (await window.burst).map(r =>
        r.status === 'fulfilled' ? r.value.data : `${r.reason.status} ${r.reason.code}`)""")
    assert results == ["bbb" if i % 2 == 0 else "aaa" for i in range(BURST)]
    # Only the few responses in flight at the instant of the kill may be cut.
    assert page.evaluate("window.retried") <= 8
    assert calls_served(survivor) - survivor_before > 0
    assert page.evaluate("window.refreshes") == 0  # nginx retried the GETs; nothing else was needed

    # The victim comes back, on its port; nginx sends it traffic again
    # once its fail_timeout is over.
    stack.restart(victim)
    after_restart = calls_served(victim)
    deadline = time.monotonic() + 30
    while calls_served(victim) == after_restart:
        assert time.monotonic() < deadline, f"{victim.name} got no traffic after its restart"
        assert page.evaluate("async () => (await window.api.get('/aaa')).data") == "aaa"

    # The same session goes on: its refresh token rotates on either server
    # (the client's own recovery: a 401, one refresh, one replay).
    for attempt in range(1, 7):
        refreshes_on_victim = len(served(victim, "POST", "/api/auth/refresh"))
        body = page.evaluate("""async () => {
            window.api.setAccessToken('not-a-token');
            return (await window.api.get('/bbb'));
        }""")
        assert body["data"] == "bbb" and body["user"]["username"] == "demo"
        assert page.evaluate("window.refreshes") == attempt
        if len(served(victim, "POST", "/api/auth/refresh")) > refreshes_on_victim:
            break
    else:
        pytest.fail(f"no refresh reached the restarted {victim.name}")

    # Nothing lost in the database: one login, one family, never revoked,
    # every rotation recorded, exactly one token still unspent.
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT family, spent_at IS NOT NULL, revoked_at IS NOT NULL "
                    "FROM refresh_tokens WHERE family = (SELECT family FROM refresh_tokens "
                    "ORDER BY issued_at DESC, id DESC LIMIT 1)"
                )
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == attempt + 1
    assert [spent for _family, spent, _revoked in rows].count(False) == 1
    assert not any(revoked for _family, _spent, revoked in rows)
