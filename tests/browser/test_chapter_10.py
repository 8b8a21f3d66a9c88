"""Chapter 10's "See it" step, done exactly as the chapter says, in English and in 中文.

The chapter: run `make demo`, log in, untick Proactive refresh, wait until
the countdown says the token has expired, set N = 5 and fire. The room must
then see 5 requests, 5 × 401, 1 refresh call, 5 replays, 5 successes. The
calls go out the moment the countdown says "expired": if the page said it
before the server refuses the token, the five calls would succeed with no
401 and no refresh at all.

`make demo`'s settings, except a 3 s access token instead of 20 s, so the
wait is short. Each login happens just after a whole second: the token's
`exp` is in whole seconds, so its true life is then almost a second longer
than the whole seconds of `expires_in`, the widest gap a countdown that
trusted `expires_in` alone would fall into. Tried twice per language (Reset
logs in again).
"""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAKE_DEMO = {"ACCESS_TOKEN_TTL": 3, "REFRESH_TOKEN_TTL": 600, "REFRESH_DELAY_MS": 800}
EXPIRED = {"en": "expired", "zh-CN": "已过期"}
TRIALS = 2


def just_after_a_whole_second(page) -> None:
    """Wait until the clock (the browser's and the server's: one machine) has just ticked."""
    page.wait_for_function("() => Date.now() % 1000 < 40", polling=5)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_firing_five_calls_when_the_countdown_says_expired_makes_five_401s_and_one_refresh(
    page, frontend, live_backend, console_problems, lang
):
    backend = live_backend(CORS_ORIGINS=frontend.url, **MAKE_DEMO)
    page.goto(f"{frontend.url}/?api={backend.url}&lang={lang}")
    page.locator("#proactive").set_checked(False)
    just_after_a_whole_second(page)
    page.locator("#login-button").click()
    expect(page.locator("#session-info")).to_be_visible()
    for trial in range(TRIALS):
        if trial:
            just_after_a_whole_second(page)
            page.locator("#reset").click()  # logs out, clears the counters, logs in again
            expect(page.locator('[data-counter="requests"]')).to_have_text("0")
            expect(page.locator("#session-info")).to_be_visible()
            expect(page.locator("[aria-busy='true']")).to_have_count(0)
        countdown = page.locator("#countdown-text")
        expect(countdown).to_have_text(EXPIRED[lang], timeout=10_000)
        page.locator("#burst-size").fill("5")
        page.locator("#fire-burst").click()
        expect(page.locator("#timeline")).to_have_attribute("data-pending", "0", timeout=15_000)
        expect(page.locator("[aria-busy='true']")).to_have_count(0)
        for name, value in [
            ("requests", 5),
            ("unauthorized", 5),
            ("refreshes", 1),
            ("replays", 5),
            ("successes", 5),
        ]:
            expect(
                page.locator(f'[data-counter="{name}"]'), f"trial {trial + 1}: {name}"
            ).to_have_text(str(value))
