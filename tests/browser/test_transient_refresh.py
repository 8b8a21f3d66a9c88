"""A refresh that fails for a transient reason keeps the session (docs/11-failure-paths.md).

In real Chromium against the real backend, Playwright's page.route makes ONE
/auth/refresh answer 503 (or drop the connection). The call that needed it
fails with a retryable refresh_unavailable error, the user stays logged in,
and once the backoff has passed the next call refreshes and succeeds.
"""

import pytest
from playwright.sync_api import Route, expect

from .demo_page import server_refresh_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("failure", ["503", "dropped"])
def test_one_failed_refresh_keeps_the_session_and_the_next_call_recovers(
    open_demo, console_problems, failure
):
    demo = open_demo()
    demo.set_proactive_refresh(False)
    demo.log_in()
    failed = []

    def fail_once(route: Route) -> None:
        failed.append(route.request.url)
        if failure == "503":
            origin = route.request.headers.get("origin", "")
            route.fulfill(
                status=503,
                content_type="application/json",
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                },
                body='{"error": "unavailable", "message": "Down for a moment."}',
            )
        else:
            route.abort("connectionreset")

    demo.page.route("**/auth/refresh", fail_once, times=1)
    demo.click("Corrupt the access token")
    demo.click("Call /aaa")
    demo.wait_until_idle()
    assert len(failed) == 1
    expect(demo.page.locator("#result")).to_contain_text("refresh_unavailable")
    demo.expect_logged_in()  # the server never refused the refresh cookie
    expect(demo.page.locator("#session-ended")).to_be_hidden()

    # The backoff after a first failure is 1 s: the page's timeline shows the
    # failed refresh; wait for the retry window on the page's own clock.
    refreshes_before = server_refresh_count(demo.backend)
    demo.page.wait_for_function(
        "() => new Promise((resolve) => setTimeout(() => resolve(true), 1100))"
    )
    demo.click("Call /aaa")
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    demo.wait_until_idle()
    assert server_refresh_count(demo.backend) - refreshes_before == 1
    demo.expect_logged_in()
    # The browser logs the failed load of /auth/refresh (and the 401s): expected here.
    console_problems[:] = [
        p
        for p in console_problems
        if "auth/refresh" not in p and "503" not in p and "ERR_CONNECTION_RESET" not in p
    ]
