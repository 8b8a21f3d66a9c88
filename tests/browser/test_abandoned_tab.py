"""The demo page shows two things the client reports in events:

- an abandoned tab: with `?idle=S&refresh_ttl=S` (what `make demo` passes)
  the page says on its timeline when proactive refresh pauses for a page
  nobody uses and when the session will lapse, marks the lapse, and the next
  call finds the session over;
- a degraded cross-tab lock: without Web Locks and with a full localStorage,
  the lock display says the refresh ran without its lock, and recovers.

Real time, short lifetimes: the refresh token's expiry happens on the
server's clock, which page.clock cannot move.
"""

import pytest
from playwright.sync_api import expect

from .demo_page import Demo
from .local_storage import EMPTY_STORAGE, FILL_STORAGE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IDLE_S = 2
REFRESH_TOKEN_TTL = 6


def note(demo: Demo, text: str):
    return demo.page.locator("#timeline .lane--note", has_text=text)


def test_an_abandoned_demo_tab_says_when_its_session_lapses_and_lets_it_lapse(open_demo):
    demo = open_demo(ACCESS_TOKEN_TTL=3, REFRESH_TOKEN_TTL=REFRESH_TOKEN_TTL)
    demo.page.goto(f"{demo.page.url}&idle={IDLE_S}&refresh_ttl={REFRESH_TOKEN_TTL}")
    demo.log_in()
    # Nobody touches the page: at the first proactive refresh after IDLE_S,
    # the timer lets it pass and the page says until when the session lives.
    expect(note(demo, "proactive refresh pauses")).to_contain_text("The session lapses at")
    expect(demo.page.locator("#status")).to_contain_text("the session lapses at")
    expect(note(demo, "this abandoned session is over")).to_be_visible(
        timeout=(REFRESH_TOKEN_TTL + 3) * 1000
    )
    demo.screenshot("lapsed")
    demo.click("Call /aaa")  # someone is back, too late
    expect(note(demo, "Someone is back")).to_be_visible()
    expect(demo.page.locator("#session-ended")).to_be_visible()
    demo.expect_logged_out()


def test_the_lock_display_shows_a_degraded_lock_and_its_recovery(open_demo, context):
    # As on a plain-http LAN address: no Web Locks, so the client takes the lease lock.
    context.add_init_script("delete Navigator.prototype.locks")
    demo = open_demo()
    demo.set_proactive_refresh(False)
    demo.log_in()
    lock = demo.page.locator("#lock-state")
    expect(lock).to_have_attribute("data-lock", "fallback")
    expect(lock).to_have_attribute("data-health", "ok")

    assert demo.page.evaluate(FILL_STORAGE) == "QuotaExceededError"
    demo.click("Corrupt the access token")
    demo.click("Call /aaa")  # a 401, and a refresh that cannot write its lease
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    expect(lock).to_have_attribute("data-health", "degraded")
    expect(lock).to_contain_text("degraded (the lock was refused)")
    expect(note(demo, "Cross-tab lock degraded")).to_be_visible()
    demo.screenshot("lock-degraded")

    demo.page.evaluate(EMPTY_STORAGE)
    demo.click("Corrupt the access token")
    demo.click("Call /aaa")
    expect(lock).to_have_attribute("data-health", "ok")
    expect(lock).not_to_contain_text("degraded")
    expect(note(demo, "Cross-tab lock working again")).to_be_visible()
