"""The demo page's "Your sessions" panel and password prompt, with two or
three devices: one browser context each (its own cookies and User-Agent),
all logged in as the demo user against one real backend.

- A laptop ends a phone's session; the phone's next call then ends in
  session_expired (its refresh is refused: token_revoked).
- Ending another device's session is sensitive: with a password older than
  REAUTH_MAX_AGE the server answers 403 reauth_required, and the client asks
  for the password through the page's <dialog> ONCE for every call waiting
  on it, re-authenticates once, and replays each call once.
- Cancelling the prompt ends nothing; a wrong password asks again.
"""

import json
import re
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from .conftest import save_failure_screenshots
from .demo_page import Demo
from .test_language import leftover_english

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Laptop/1.0"
PHONE = "Mozilla/5.0 (Linux; Android 14) Phone/1.0"
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_0) Tablet/1.0"
# Seconds a password counts as recent in the tests that need the prompt. The
# token's auth_time is in whole seconds, so 1 could already be past when the
# re-authenticated calls are replayed; 2 leaves them a second at least.
REAUTH_MAX_AGE = 2

# What the browser logs for answers the scenario provokes on purpose: the
# phone's refused refresh (401), the sensitive calls before the password
# (403), and the wrong password (401 on /auth/reauth).
EXPECTED_LOG = re.compile(
    r"^Failed to load resource: the server responded with a status of 40[13]\b"
)
EXPECTED_PATHS = re.compile(r"^/(aaa|bbb|auth/refresh|auth/reauth|sessions/.+)$")


@pytest.fixture
def devices(browser: Browser, frontend, live_backend, screenshots_dir, request):
    """devices(*user_agents, **backend_settings) -> one Demo per device, on one
    backend. Each device is a browser context of its own; any console error
    or warning beyond the expected status lines fails the test."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def on_console(message):
        if message.type not in ("error", "warning"):
            return
        path = urlparse(message.location.get("url") or "").path
        if EXPECTED_LOG.match(message.text) and EXPECTED_PATHS.match(path):
            return
        problems.append(f"console.{message.type}: {message.text} ({path})")

    def start(*user_agents: str, **settings) -> list[Demo]:
        backend = live_backend(CORS_ORIGINS=frontend.url, REQUEST_LOG="true", **settings)
        demos = []
        for agent in user_agents:
            context = browser.new_context(user_agent=agent, viewport={"width": 1280, "height": 900})
            context.on("console", on_console)
            context.on("weberror", lambda error: problems.append(f"uncaught: {error.error}"))
            contexts.append(context)
            page = context.new_page()
            demos.append(Demo(page, frontend.url, backend, request.node.originalname).open())
        return demos

    yield start
    failed = getattr(request.node, "rep_call", None)
    for index, context in enumerate(contexts):
        if failed is not None and failed.failed:
            save_failure_screenshots(context, f"{request.node.originalname}-device{index + 1}")
        context.close()
    assert problems == [], "the page logged errors or warnings:\n" + "\n".join(problems)


def list_sessions(demo: Demo):
    """Press "List my sessions" and wait for the answer; returns the items."""
    demo.click("List my sessions")
    expect(demo.page.locator("#sessions-list")).to_have_attribute("data-state", "ready")
    return demo.page.locator("#sessions-list > li")


def session_of(demo: Demo, user_agent: str):
    return demo.page.locator("#sessions-list > li", has_text=user_agent)


def wait_until_password_is_old(seconds: int) -> None:
    """The rule under test is a time: a password older than REAUTH_MAX_AGE.
    Nothing on any page can say when that moment has passed, so wait it out."""
    time.sleep(seconds + 1.1)


def backend_calls(demo: Demo, method: str, path_pattern: str) -> int:
    """How many `method` calls to paths matching `path_pattern` the backend answered."""
    count = 0
    for line in demo.backend.log().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(entry, dict)
            and entry.get("method") == method
            and re.fullmatch(path_pattern, str(entry.get("path")))
        ):
            count += 1
    return count


def test_a_laptop_ends_the_phones_session_and_the_phones_next_call_ends_in_session_expired(
    devices,
):
    # A recent password (the default REAUTH_MAX_AGE): ending it asks for nothing.
    laptop, phone = devices(LAPTOP, PHONE, ACCESS_TOKEN_TTL=4)
    phone.set_proactive_refresh(False)  # the phone's token runs out; its next call refreshes
    phone.log_in()
    laptop.log_in()

    items = list_sessions(laptop)
    expect(items).to_have_count(2)
    mine = laptop.page.locator("#sessions-list > li[data-current='true']")
    expect(mine).to_contain_text("This device")
    expect(mine).to_contain_text(LAPTOP)
    expect(mine.get_by_role("button", name="End")).to_have_count(0)  # "Log out" ends this one
    expect(session_of(laptop, PHONE)).to_contain_text("Another device")
    laptop.screenshot("two-devices")

    session_of(laptop, PHONE).get_by_role("button", name="End").click()
    expect(laptop.page.locator("#sessions-status")).to_contain_text("Session ended")
    expect(items).to_have_count(1)  # listed again after the action
    expect(session_of(laptop, PHONE)).to_have_count(0)
    expect(laptop.page.get_by_role("dialog")).to_be_hidden()

    # The phone still holds an access token (stateless, until it expires);
    # its next call needs a refresh, and the server refuses it.
    phone.wait_until_token_expired(timeout_s=10)
    phone.click("Call /aaa")
    ended = phone.page.locator("#session-ended")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("(token_revoked)")
    expect(phone.page.locator("#result")).to_contain_text('"error": "session_expired"')
    phone.expect_logged_out()
    # The laptop's own session goes on.
    laptop.click("Call /aaa")
    expect(laptop.page.locator("#result")).to_contain_text('"data": "aaa"')
    phone.screenshot("phone-ended")


def test_ending_two_sessions_at_once_asks_for_the_password_once(devices):
    laptop, phone, tablet = devices(LAPTOP, PHONE, TABLET, REAUTH_MAX_AGE=REAUTH_MAX_AGE)
    laptop.log_in()
    phone.log_in()
    tablet.log_in()
    items = list_sessions(laptop)
    expect(items).to_have_count(3)
    # The laptop logged in first, so the server lists it last; the page shows it first.
    expect(items.first).to_have_attribute("data-current", "true")
    wait_until_password_is_old(REAUTH_MAX_AGE)

    # Two ending calls at once: both clicks land before either answer.
    laptop.page.evaluate(
        "() => document.querySelectorAll('#sessions-list button').forEach((b) => b.click())"
    )
    dialog = laptop.page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog).to_be_visible()
    password = dialog.get_by_label("Your password")
    expect(password).to_be_focused()
    # Both calls wait for this one prompt on the timeline.
    expect(laptop.page.locator("#timeline .step--queued")).to_have_count(2)
    expect(laptop.page.locator("#timeline .lane--reauth")).to_have_count(1)
    laptop.screenshot("password-prompt")
    password.fill("password")
    password.press("Enter")  # the keyboard is enough

    expect(dialog).to_be_hidden()
    expect(laptop.page.locator("#sessions-list > li")).to_have_count(1)
    expect(laptop.page.locator("#sessions-list > li[data-current='true']")).to_have_count(1)
    laptop.wait_until_idle()
    lane = laptop.page.locator("#timeline .lane--reauth")
    expect(lane).to_have_count(1)
    expect(lane).to_have_attribute("data-state", "ok")
    expect(laptop.page.locator("#timeline .step--replay")).to_have_count(2)
    assert backend_calls(laptop, "POST", "/auth/reauth") == 1
    assert backend_calls(laptop, "DELETE", "/sessions/.+") == 4  # two 403s, two replays
    # The re-authenticated laptop is still logged in, in a new session.
    laptop.expect_logged_in()
    laptop.screenshot("others-ended")


def test_cancelling_the_prompt_ends_nothing_and_a_wrong_password_asks_again(devices):
    laptop, phone = devices(LAPTOP, PHONE, REAUTH_MAX_AGE=REAUTH_MAX_AGE)
    laptop.log_in()
    phone.log_in()
    expect(list_sessions(laptop)).to_have_count(2)
    wait_until_password_is_old(REAUTH_MAX_AGE)

    end_others = laptop.page.get_by_role("button", name="End all other sessions")
    end_others.click()
    dialog = laptop.page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog).to_be_visible()
    laptop.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(laptop.page.locator("#sessions-status")).to_have_text("Cancelled: no session was ended.")
    expect(laptop.page.locator("#sessions-list > li")).to_have_count(2)
    expect(laptop.page.locator("#timeline .lane--reauth[data-state='failed']")).to_contain_text(
        "reauth_cancelled"
    )
    expect(end_others).to_be_focused()  # the focus goes back where it was

    end_others.click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Your password").fill("not the password")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_role("alert")).to_have_text("Wrong password: try again.")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Your password").fill("password")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    expect(laptop.page.locator("#sessions-status")).to_have_text("Other sessions ended: 1.")
    expect(laptop.page.locator("#sessions-list > li")).to_have_count(1)
    assert backend_calls(laptop, "POST", "/auth/reauth") == 2  # the wrong one, the right one


def test_the_panel_and_the_prompt_speak_chinese_on_the_chinese_page(devices):
    laptop, phone = devices(LAPTOP, PHONE, REAUTH_MAX_AGE=REAUTH_MAX_AGE)
    for device in (laptop, phone):
        device.page.goto(f"{device.page.url}&lang=zh-CN")
        device.page.locator("#login-button").click()
        expect(device.page.locator("#session-info")).to_be_visible()
    page = laptop.page
    wait_until_password_is_old(REAUTH_MAX_AGE)
    page.get_by_role("button", name="列出我的会话").click()
    expect(page.locator("#sessions-list > li")).to_have_count(2)
    expect(session_of(laptop, PHONE)).to_contain_text("其他设备")
    session_of(laptop, PHONE).get_by_role("button", name="结束").click()
    dialog = page.get_by_role("dialog", name="确认是你本人")
    expect(dialog).to_be_visible()
    # What is on screen, minus the user agents (data from the server, as received).
    text = page.evaluate("() => document.body.innerText")
    for agent in (LAPTOP, PHONE):
        text = text.replace(agent, "")
    # DELETE is an HTTP method on a timeline lane, as GET and POST are (allowed there).
    left = [word for word in leftover_english(text) if word != "DELETE"]
    assert left == [], "English left on the Chinese page"
    laptop.screenshot("prompt-zh")
    dialog.get_by_label("你的密码").fill("password")
    dialog.get_by_role("button", name="确认").click()
    expect(page.locator("#sessions-list > li")).to_have_count(1)
    expect(page.locator("#sessions-status")).to_contain_text("会话已结束")
