"""The demo page in a real browser, against the real backend.

Each test drives the page through its buttons and labels and checks what
it shows (session, counters, timeline lanes), and, where it matters, what
the server saw (its request log, or the browser's network events).

Token expiry is never a bare sleep: either the page's "corrupt" button, or
a short ACCESS_TOKEN_TTL with proactive refresh off and a wait on the
page's own countdown reaching "expired".
"""

import re

import pytest
from playwright.sync_api import expect

from .demo_page import server_refresh_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Short enough to keep the suite quick, long enough for a few clicks
# inside one token's life on a slow CI runner.
SHORT_TTL = 3
# The refresh takes this long on the server, so the requests that wait for
# it are visibly (and reliably) concurrent with it.
REFRESH_DELAY_MS = 500


def test_login_then_aaa_and_bbb_show_their_data(open_demo):
    demo = open_demo()
    demo.expect_logged_out()
    expect(demo.page.get_by_label("Username")).to_have_value("demo")  # prefilled for the room
    demo.log_in()

    demo.click("Call /aaa")
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    expect(demo.page.locator("#result")).to_contain_text('"username": "demo"')
    demo.click("Call /bbb")
    expect(demo.page.locator("#result")).to_contain_text('"data": "bbb"')

    demo.wait_until_idle()
    demo.expect_counters(requests=2, successes=2, unauthorized=0, refreshes=0, failures=0)
    expect(demo.request_lanes("ok")).to_have_count(2)
    demo.screenshot("aaa-and-bbb")


def test_five_concurrent_calls_with_a_refused_token_make_one_refresh(open_demo):
    demo = open_demo(ACCESS_TOKEN_TTL=SHORT_TTL, REFRESH_DELAY_MS=REFRESH_DELAY_MS)
    demo.set_proactive_refresh(False)  # the 401 path does the work
    demo.log_in()
    # A token the server refuses and the client cannot know about. (With proactive refresh
    # on, a token the client knows has expired waits for a refresh instead:
    # tests/browser/test_lock_and_idle.py.)
    demo.click("Corrupt the access token")
    refreshes_before = server_refresh_count(demo.backend)

    demo.fire(5)
    demo.wait_until_idle()

    demo.expect_counters(
        requests=5, unauthorized=5, refreshes=1, replays=5, successes=5, failures=0
    )
    expect(demo.refresh_lanes()).to_have_count(1)
    expect(demo.refresh_lanes("ok")).to_have_count(1)
    expect(demo.request_lanes("ok")).to_have_count(5)
    for lane in demo.request_lanes().all():
        steps = lane.locator(".lane__steps")
        expect(steps).to_contain_text("401 invalid_token")
        expect(steps).to_contain_text("replayed")
        expect(steps).to_contain_text("200")
    assert server_refresh_count(demo.backend) - refreshes_before == 1
    demo.expect_logged_in()
    demo.screenshot("queued-one-refresh")


def test_naive_interceptor_makes_five_refreshes_and_reuse_detection_ends_the_session(open_demo):
    # Strict reuse detection, as the blog posts' servers have: with the safe
    # retry on, the five refreshes would share one new token (docs/05).
    demo = open_demo(
        ACCESS_TOKEN_TTL=SHORT_TTL, REFRESH_DELAY_MS=REFRESH_DELAY_MS, REFRESH_REUSE_GRACE_S=0
    )
    demo.use_interceptor("naive")
    demo.log_in()
    expect(demo.page.locator("#session-mode")).to_have_text("naive")
    demo.wait_until_token_expired(timeout_s=SHORT_TTL + 5)
    refreshes_before = server_refresh_count(demo.backend)

    demo.fire(5)
    demo.wait_until_idle()

    demo.expect_counters(requests=5, unauthorized=5, refreshes=5)
    expect(demo.refresh_lanes()).to_have_count(5)
    # Rotation spent the token on the first refresh; the other four presented
    # it again, and the server revoked the whole session.
    expect(demo.refresh_lanes("failed")).to_have_count(4)
    # (the answers race: the first to fail may say token_reused or token_revoked)
    expect(demo.refresh_lanes("failed").filter(has_text="token_reused").first).to_be_visible()
    assert server_refresh_count(demo.backend) - refreshes_before == 5
    demo.expect_logged_out()
    ended = demo.page.locator("#session-ended")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("reuse detected")
    expect(ended).to_contain_text("token_reused")
    demo.screenshot("naive-reuse-detected")


def test_revoked_refresh_token_ends_the_session_cleanly_after_expiry(open_demo):
    demo = open_demo(ACCESS_TOKEN_TTL=SHORT_TTL + 2, REFRESH_DELAY_MS=REFRESH_DELAY_MS)
    demo.set_proactive_refresh(False)
    demo.log_in()

    demo.click("Revoke the refresh token on the server")
    expect(demo.page.locator("#status")).to_contain_text("Refresh token revoked on the server")
    # Access tokens are stateless: this one keeps working until it expires.
    demo.click("Call /aaa")
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    demo.expect_logged_in()

    demo.wait_until_token_expired(timeout_s=SHORT_TTL + 7)
    demo.click("Call /aaa")
    demo.expect_logged_out()
    demo.wait_until_idle()

    expect(demo.page.locator("#session-ended")).to_be_visible()
    expect(demo.page.locator("#session-ended")).to_contain_text("No refresh cookie")
    expect(demo.page.locator("#timeline .lane[data-state='pending']")).to_have_count(0)
    expect(demo.request_lanes("failed")).to_have_count(1)
    expect(demo.request_lanes("failed")).to_contain_text("session_expired")
    expect(demo.refresh_lanes("failed")).to_have_count(1)
    demo.expect_counters(successes=1, failures=1, refreshes=1)
    expect(demo.page.locator("#result")).to_contain_text('"error": "session_expired"')
    demo.screenshot("revoked-session-ended")


def test_two_tabs_share_one_refresh_and_neither_is_logged_out(open_demo):
    first = open_demo(ACCESS_TOKEN_TTL=SHORT_TTL, REFRESH_DELAY_MS=800)
    first.set_proactive_refresh(False)
    first.log_in()
    second = first.open_second_tab()  # restores the session from the shared cookie
    second.expect_logged_in()
    second.set_proactive_refresh(False)
    first.wait_until_token_expired(timeout_s=SHORT_TTL + 5)
    second.wait_until_token_expired(timeout_s=SHORT_TTL + 5)

    # Counters before the burst (the second tab's restore already counted).
    before = {
        id(tab): {
            name: int(tab.counter(name).inner_text())
            for name in ("requests", "successes", "refreshes", "shared")
        }
        for tab in (first, second)
    }

    refresh_calls = []
    first.page.context.on(
        "request",
        lambda request: (
            refresh_calls.append(request.url)
            if request.method == "POST" and request.url.endswith("/auth/refresh")
            else None
        ),
    )
    first.fire(5)
    second.fire(5)
    first.wait_until_idle()
    second.wait_until_idle()

    assert len(refresh_calls) == 1, refresh_calls
    for tab in (first, second):
        tab.expect_logged_in()
        b = before[id(tab)]
        tab.expect_counters(requests=b["requests"] + 5, successes=b["successes"] + 5, failures=0)
        expect(tab.page.locator("#session-ended")).to_be_hidden()
    # One tab called the server; the other took the new token it broadcast
    # (after waiting for the tabs' lock, or as a stale 401 if it came late).
    refreshes = [
        int(tab.counter("refreshes").inner_text()) - before[id(tab)]["refreshes"]
        for tab in (first, second)
    ]
    assert sorted(refreshes) == [0, 1]
    waited = first if refreshes[0] == 0 else second
    expect(waited.counter("shared")).to_have_text(str(before[id(waited)]["shared"] + 1))
    first.screenshot("tab1")
    second.screenshot("tab2")


def test_reload_restores_the_session_from_the_cookie(open_demo):
    refresh_calls = []
    demo = open_demo()
    demo.page.context.on(
        "request",
        lambda request: (
            refresh_calls.append(request.url) if request.url.endswith("/auth/refresh") else None
        ),
    )
    demo.page.reload()  # a first visit: no CSRF cookie, so no doomed refresh call
    demo.expect_logged_out()
    assert refresh_calls == []

    demo.log_in()
    demo.page.reload()

    demo.expect_logged_in()
    expect(demo.refresh_lanes("ok")).to_contain_text("refresh #1 (restore)")
    demo.click("Call /bbb")
    expect(demo.page.locator("#result")).to_contain_text('"data": "bbb"')
    demo.wait_until_idle()
    demo.expect_counters(refreshes=1, unauthorized=0, successes=1)
    assert len(refresh_calls) == 1
    demo.screenshot("restored-after-reload")


def test_corrupted_token_is_refreshed_once_and_the_call_succeeds(open_demo):
    demo = open_demo(REFRESH_DELAY_MS=REFRESH_DELAY_MS)
    demo.log_in()
    demo.click("Corrupt the access token")
    expect(demo.page.locator("#countdown-text")).to_contain_text("(corrupted)")

    demo.click("Call /aaa")
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    demo.wait_until_idle()

    demo.expect_counters(
        requests=1, unauthorized=1, refreshes=1, replays=1, successes=1, failures=0
    )
    expect(demo.request_lanes("ok").locator(".lane__steps")).to_contain_text("401 invalid_token")
    expect(demo.page.locator("#countdown-text")).not_to_contain_text("corrupted")


def test_controls_work_from_the_keyboard_with_a_visible_focus(open_demo):
    demo = open_demo()
    page = demo.page
    page.get_by_label("Password").focus()
    page.keyboard.press("Enter")  # submits the login form
    demo.expect_logged_in()

    page.keyboard.press("Tab")  # focus was moved to "Call /aaa" after login
    focused = page.locator(":focus")
    expect(focused).to_have_text("Call /bbb")
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none"), "keyboard focus must be visible"
    page.keyboard.press("Space")
    expect(page.locator("#result")).to_contain_text('"data": "bbb"')

    large = page.get_by_role("button", name="Large type")
    large.focus()
    page.keyboard.press("Enter")
    expect(large).to_have_attribute("aria-pressed", "true")
    font_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font_size >= 24
    demo.screenshot("large-type")


def test_page_talks_to_port_5001_on_its_own_host_name_unless_told_otherwise(
    page, frontend, console_problems
):
    # localhost and 127.0.0.1 are different sites for the SameSite cookie:
    # the page must keep the host name it was loaded from.
    port = frontend.url.rsplit(":", 1)[1]
    for origin, expected in (
        (frontend.url, "http://127.0.0.1:5001"),
        (f"http://localhost:{port}", "http://localhost:5001"),
    ):
        page.goto(origin + "/")
        expect(page.locator("#api-url")).to_have_text(expected)
    page.goto(f"{frontend.url}/?api=http://127.0.0.1:5999")
    expect(page.locator("#api-url")).to_have_text("http://127.0.0.1:5999")
    expect(page.locator("#login-form")).to_be_visible()  # first visit: no cookie, no call, no error


def test_proactive_refresh_help_says_what_the_box_does_now(open_demo):
    demo = open_demo()
    help_text = demo.page.locator("#proactive-help")
    expect(demo.page.get_by_label("Proactive refresh")).to_be_checked()
    expect(help_text).to_have_text(re.compile(r"^On: "))
    demo.set_proactive_refresh(False)
    expect(help_text).to_have_text(re.compile(r"^Off: "))
    demo.set_proactive_refresh(True)
    expect(help_text).to_have_text(re.compile(r"^On: "))
    demo.use_interceptor("naive")  # the blog version has none, and says so
    expect(help_text).to_contain_text("no proactive refresh")
