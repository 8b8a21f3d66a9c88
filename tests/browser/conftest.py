"""Fixtures for the real-browser tests.

Playwright (through pytest-playwright's `browser`, `context` and `page`
fixtures) drives the Chromium installed by the system package manager:
Debian's `chromium`, found on PATH and launched by path. No browser is ever
downloaded. Without one, the tests skip with a clear message (and fail in
CI, where SILENT_REFRESH_REQUIRE_ALL=1).

Each test starts its own backend (tests/live.py) with the token lifetimes
it needs; one static server for frontend/ serves the whole session. Both
listen on 127.0.0.1, so the SameSite=Strict refresh cookie is same-site.

Every test also fails on any console error or warning, and leaves
screenshots of its key states in tests/browser/screenshots/ (git-ignored)
so a failed run can be looked at afterwards.
"""

import re
from urllib.parse import urlparse

import pytest
from helpers import skip_or_fail
from live import CHROMIUM_ARGS, find_chromium, start_frontend
from playwright.sync_api import BrowserContext

from .demo_page import SCREENSHOTS, Demo

# Chromium itself logs HTTP error responses to the console as
# "Failed to load resource: the server responded with a status of 401".
# The demo provokes 401s from the API on purpose (that is the lesson), so
# those entries, and only those, are allowed: they come from the browser's
# network stack, not from the page's code.
EXPECTED_NETWORK_LOG = re.compile(
    r"^Failed to load resource: the server responded with a status of 401\b"
)
EXPECTED_401_PATHS = {"/aaa", "/bbb", "/auth/refresh"}


def is_expected_401(message) -> bool:
    url = message.location.get("url") or ""
    return (
        bool(EXPECTED_NETWORK_LOG.match(message.text)) and urlparse(url).path in EXPECTED_401_PATHS
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, plus the system Chromium's path."""
    executable = find_chromium()
    if executable is None:
        skip_or_fail("no Chromium found: install Debian's chromium (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A laptop-sized window: the screenshots double as the docs' pictures.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def frontend(tmp_path_factory):
    """frontend/ served exactly as `make run` serves it, on a free port."""
    server = start_frontend(tmp_path_factory.mktemp("frontend"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshots_dir():
    """A fresh screenshots folder per run, so what you look at is this run's."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def console_problems(context: BrowserContext, screenshots_dir, request):
    """Collect console errors/warnings and uncaught exceptions of every page
    in the context; the test fails at teardown if there were any."""
    problems: list[str] = []

    def on_console(message):
        if message.type not in ("error", "warning"):
            return
        if is_expected_401(message):
            return
        problems.append(f"console.{message.type}: {message.text} ({message.location.get('url')})")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"uncaught: {error.error}"))
    yield problems
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        save_failure_screenshots(context, request.node.originalname)
    assert problems == [], "the page logged errors or warnings:\n" + "\n".join(problems)


def save_failure_screenshots(context: BrowserContext, test_name: str) -> None:
    """Screenshot every tab, and print what each one said (pytest shows it)."""
    for index, page in enumerate(context.pages):
        try:
            page.screenshot(
                path=SCREENSHOTS / f"{test_name}-FAILED-tab{index + 1}.png", full_page=True
            )
            cookies = page.evaluate(
                "document.cookie.split(/;\\s*/).map(c => c.split('=')[0]).join(', ')"
            )
            print(
                f"--- tab {index + 1}: status {page.locator('#status').inner_text()!r}; "
                f"readable cookies: {cookies or 'none'}"
            )
            print(page.locator("#timeline").inner_text())
        except Exception as error:  # a crashed page must not hide the real failure
            print(f"--- tab {index + 1}: could not be inspected ({error})")


@pytest.fixture
def open_demo(page, context, frontend, live_backend, console_problems, request):
    """open_demo(**backend_settings) -> Demo: start a backend with those
    settings (CORS allowing our static server), open the page against it."""

    def start(**settings) -> Demo:
        settings.setdefault("CORS_ORIGINS", frontend.url)
        settings.setdefault(
            "REQUEST_LOG", "true"
        )  # one JSON line per request: we count refreshes in it
        backend = live_backend(**settings)
        return Demo(page, frontend.url, backend, request.node.originalname).open()

    return start
