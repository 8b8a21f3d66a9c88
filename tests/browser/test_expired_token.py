"""After a sleep, no call goes out with a token the client knows has expired.

The client keeps `accessTokenExpiresAt`. In real Chromium against the real
backend, Playwright's page.clock jumps the page ten minutes ahead, as a laptop
that slept (and whose proactive timer never ran: it is off here, to show the
reactive path alone). The backend's clock only has to pass the token's 2 s.
A burst of 8 calls then waits for one refresh: 0 doomed 401s.
"""

import pytest

from .demo_page import server_refresh_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_after_a_sleep_a_burst_waits_for_one_refresh_and_sends_no_doomed_call(page, open_demo):
    page.clock.install()
    demo = open_demo(ACCESS_TOKEN_TTL="2")
    demo.set_proactive_refresh(False)
    demo.log_in()
    refreshes_before = server_refresh_count(demo.backend)

    page.clock.fast_forward("10:00")  # the page wakes up ten minutes later
    page.wait_for_timeout(2500)  # real time, so the backend's token has expired too
    demo.fire(8)
    demo.wait_until_idle()

    demo.expect_counters(requests=8, successes=8, unauthorized=0, refreshes=1, failures=0)
    assert server_refresh_count(demo.backend) - refreshes_before == 1
