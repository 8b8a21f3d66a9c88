"""A page object for the demo page, and a helper to read the backend's log.

Tests talk to the page the way a user does: labels, button names, the
counters and the timeline. The data-* attributes read here (data-counter,
data-state, data-pending) are the page's documented hooks for tests.
"""

import json
from pathlib import Path

from live import LiveServer
from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


class Demo:
    """The demo page, driven like a user would: through its labels and buttons."""

    def __init__(self, page: Page, frontend_url: str, backend: LiveServer, test_name: str):
        self.page = page
        self.frontend_url = frontend_url
        self.backend = backend
        self.test_name = test_name

    # --- navigation and session ---
    def open(self) -> "Demo":
        self.page.goto(f"{self.frontend_url}/?api={self.backend.url}")
        # restore() has answered once the page shows either state.
        expect(self.page.locator("#login-form:visible, #session-info:visible")).to_have_count(1)
        return self

    def open_second_tab(self) -> "Demo":
        """Another tab of the same browser context: same cookies, same origin."""
        tab = self.page.context.new_page()
        return Demo(tab, self.frontend_url, self.backend, self.test_name).open()

    def log_in(self) -> None:
        self.page.get_by_role("button", name="Log in").click()
        self.expect_logged_in()

    def expect_logged_in(self) -> None:
        expect(self.page.locator("#session-info")).to_be_visible()
        expect(self.page.locator("#session-user")).to_have_text("demo")
        expect(self.page.locator("#login-form")).to_be_hidden()

    def expect_logged_out(self) -> None:
        expect(self.page.locator("#login-form")).to_be_visible()
        expect(self.page.locator("#session-info")).to_be_hidden()

    def set_proactive_refresh(self, on: bool) -> None:
        self.page.get_by_label("Proactive refresh").set_checked(on)

    def use_interceptor(self, name: str) -> None:
        label = {"queued": "Queued (this project)", "naive": "Naive (blog version)"}[name]
        self.page.get_by_label(label).check()

    def wait_until_token_expired(self, timeout_s: float) -> None:
        """The page's own countdown says the access token is past its expiry."""
        expect(self.page.locator("#countdown")).to_have_attribute(
            "data-state", "expired", timeout=timeout_s * 1000
        )

    # --- actions ---
    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name).click()

    def fire(self, n: int) -> None:
        self.page.get_by_label("N =").fill(str(n))
        self.click("Fire N concurrent calls")

    def wait_until_idle(self) -> None:
        """Every lane finished and no button still shows a spinner."""
        expect(self.page.locator("#timeline")).to_have_attribute("data-pending", "0")
        expect(self.page.locator("[aria-busy='true']")).to_have_count(0)

    # --- reading the page ---
    def counter(self, name: str):
        return self.page.locator(f'[data-counter="{name}"]')

    def expect_counters(self, **expected: int) -> None:
        for name, value in expected.items():
            expect(self.counter(name), f"counter {name}").to_have_text(str(value))

    def request_lanes(self, state: str | None = None):
        selector = "#timeline .lane--request"
        return self.page.locator(f"{selector}[data-state='{state}']" if state else selector)

    def refresh_lanes(self, state: str | None = None):
        selector = "#timeline .lane--refresh"
        return self.page.locator(f"{selector}[data-state='{state}']" if state else selector)

    def screenshot(self, state: str) -> None:
        self.page.screenshot(path=SCREENSHOTS / f"{self.test_name}-{state}.png", full_page=True)


def server_refresh_count(backend: LiveServer) -> int:
    """POST /auth/refresh calls the backend answered, read from its request log."""
    count = 0
    for line in backend.log().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # werkzeug's own access log lines
        if (
            isinstance(entry, dict)
            and entry.get("path") == "/auth/refresh"
            and entry.get("method") == "POST"
        ):
            count += 1
    return count


def boxes_overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes (Playwright's x, y, width, height) share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )
