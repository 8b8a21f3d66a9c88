"""The demo page in English and in 中文.

Every word the page shows comes from one table per language in
frontend/demo/strings.js. These tests fail when a table lacks a key, when
a text is empty, when the page shows a key t() could not find (⟦key⟧ plus
a console error, which the console_problems fixture turns into a failure),
and when English words are left on the Chinese page outside the things
that stay as they are (paths, error codes, HTTP words, identifiers).

The key scenarios run in both languages, driven by element ids (the
English tests drive the page by its English labels), and check a few
Chinese texts written here by hand, not read back from the table.
"""

import re

import pytest
from playwright.sync_api import expect

from .demo_page import boxes_overlap

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFRESH_DELAY_MS = 300

# What each language must show, written here independently of strings.js.
EXPECTED = {
    "en": {
        "login": "Log in",
        "call": "Call /aaa",
        "step1": "1. Log in",
        "replayed": "replayed",
        "reuse": "Refresh token reuse detected.",
        "counter": "Refresh calls",
        "naive": "naive",
    },
    "zh-CN": {
        "login": "登录",
        "call": "调用 /aaa",
        "step1": "1. 登录",
        "replayed": "已重放",
        "reuse": "检测到刷新令牌被重用。",
        "counter": "刷新调用",
        "naive": "朴素版",
    },
}

# English that may stay on the Chinese page: protocol words, API and header
# names, identifiers the page prints as they are (the demo user, `make`),
# units, and the switch's own "English".
ALLOWED_WORDS = {
    "API",
    "GET",
    "POST",
    "DELETE",
    "URL",
    "HTTP",
    "CSRF",
    "JSON",
    "SVG",
    "PNG",
    "Bearer",
    "HttpOnly",
    "Cookie",
    "Authorization",
    "X-CSRF-TOKEN",
    "Web",
    "Locks",
    "English",
    "N",
    "ms",
    "demo",
    "make",
}
# Removed before looking for words: URLs, paths (/aaa, /auth/refresh,
# frontend/js/api.js), ?api=URL, and codes with underscores (token_reused,
# csrf_refresh_token, REFRESH_TOKEN_TTL).
NOT_WORDS = re.compile(r"https?://\S+|\?\w+=\w+|[\w.-]*/[\w./-]*|\b[A-Za-z]+(?:_[A-Za-z]+)+\b")

# The page's visible text, minus #result (the server's raw response body).
VISIBLE_TEXT = """() => {
  const result = document.getElementById('result').innerText;
  return document.body.innerText.replace(result, '');
}"""


def leftover_english(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z-]*", NOT_WORDS.sub(" ", text))
    return sorted({w for w in words if w not in ALLOWED_WORDS})


@pytest.fixture
def open_in(page, frontend, live_backend, console_problems):
    """open_in(lang, **backend_settings) -> page showing the demo in `lang` via ?lang=."""

    def start(lang: str, **settings):
        backend = live_backend(CORS_ORIGINS=frontend.url, **settings)
        page.goto(f"{frontend.url}/?api={backend.url}&lang={lang}")
        expect(page.locator("#login-form:visible, #session-info:visible")).to_have_count(1)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        return page

    return start


def test_both_tables_have_the_same_keys_and_placeholders_and_no_empty_text(open_in):
    page = open_in("en")
    tables = page.evaluate("async () => (await import('./demo/strings.js')).tables")
    en, zh = tables["en"], tables["zh-CN"]
    assert sorted(set(en) - set(zh)) == [], "keys missing from zh-CN"
    assert sorted(set(zh) - set(en)) == [], "keys missing from en"
    for lang, table in tables.items():
        assert [k for k, v in table.items() if not v.strip()] == [], f"empty texts in {lang}"
    placeholders = re.compile(r"\{(\w+)\}")
    for key in en:
        assert set(placeholders.findall(en[key])) == set(placeholders.findall(zh[key])), key


def test_an_unknown_key_is_shown_as_itself_and_logged_as_an_error(open_in, console_problems):
    page = open_in("zh-CN")
    with page.expect_console_message(lambda m: m.type == "error" and "no.such.key" in m.text):
        shown = page.evaluate("async () => (await import('./demo/strings.js')).t('no.such.key')")
    assert shown == "⟦no.such.key⟧"
    # That error was the point; the fixture fails the test on any other.
    assert [p for p in console_problems if "no.such.key" not in p] == []
    console_problems.clear()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_key_scenarios_in_each_language(open_in, lang):
    words = EXPECTED[lang]
    # Strict reuse detection (no safe retry), so the naive burst below ends the session.
    page = open_in(
        lang, ACCESS_TOKEN_TTL=60, REFRESH_DELAY_MS=REFRESH_DELAY_MS, REFRESH_REUSE_GRACE_S=0
    )
    expect(page.locator("#login-button")).to_have_text(words["login"])

    # Tour step 1, run by its own button: it logs in.
    page.locator("#tour-open").click()
    expect(page.locator("#tour-title")).to_have_text(words["step1"])
    page.locator("#tour-do").click()
    expect(page.locator("#session-info")).to_be_visible()

    expect(page.locator("#call-aaa")).to_have_text(words["call"])
    page.locator("#call-aaa").click()
    expect(page.locator("#result")).to_contain_text('"data": "aaa"')

    # A burst with a broken token: five 401s, one refresh, five replays.
    page.locator("#corrupt-token").click()
    page.locator("#burst-size").fill("5")
    page.locator("#fire-burst").click()
    expect(page.locator('[data-counter="replays"]')).to_have_text("5")
    expect(page.locator('[data-counter="refreshes"]')).to_have_text("1")
    expect(page.locator(".counter--refresh dt")).to_have_text(words["counter"])
    expect(page.locator("#timeline .step--replay").first).to_contain_text(words["replayed"])

    # The naive interceptor, same burst: reuse detection ends the session.
    page.locator('input[name="mode"][value="naive"]').check()
    expect(page.locator("#session-mode")).to_have_text(words["naive"])
    page.locator("#corrupt-token").click()
    page.locator("#fire-burst").click()
    ended = page.locator("#session-ended")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text(words["reuse"])
    expect(ended).to_contain_text("(token_reused)")  # the code is never translated
    expect(page.locator("#timeline")).to_have_attribute("data-pending", "0")

    text = page.evaluate(VISIBLE_TEXT)
    assert "⟦" not in text, "a key without a text is on the page"
    if lang == "zh-CN":
        assert leftover_english(text) == [], "English left on the Chinese page"
    page.screenshot(path=f"tests/browser/screenshots/language-{lang}.png", full_page=True)


@pytest.mark.parametrize("large_type", [False, True], ids=["normal-type", "large-type"])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_during_the_tour_the_log_out_button_covers_no_words(open_in, lang, large_type):
    # The tour narrows the session panel and puts "Log out" beside its first
    # line; a short line (Chinese fits the intro on one line) must not run under it.
    page = open_in(lang)
    page.set_viewport_size({"width": 1280, "height": 720})
    if large_type:
        page.locator("#large-type").click()
    page.locator("#tour-open").click()
    page.locator("#tour-do").click()  # step 1 logs in
    expect(page.locator("#session-info")).to_be_visible()
    logout = page.locator("#logout").bounding_box()
    words = "#session-info p, .countdown__label, .countdown__bar, .countdown__text"
    for element in page.locator(words).all():
        covered = element.evaluate("e => e.outerHTML")
        assert not boxes_overlap(logout, element.bounding_box()), covered


def test_the_language_follows_the_browser_when_nothing_was_chosen(browser, frontend):
    for locale, lang, login in [
        ("zh-CN", "zh-CN", "登录"),
        ("zh-TW", "zh-CN", "登录"),
        ("en-US", "en", "Log in"),
    ]:
        context = browser.new_context(locale=locale)
        try:
            page = context.new_page()
            page.goto(f"{frontend.url}/?api=http://127.0.0.1:9")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            expect(page.locator("#login-button")).to_have_text(login)
        finally:
            context.close()


def test_the_chosen_language_is_remembered_across_a_reload(open_in):
    page = open_in("en")
    page.goto(page.url.replace("&lang=en", ""))  # no override: the default (English here)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
    assert "lang=" not in page.url  # remembered by the page, not carried in the address
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#login-button")).to_have_text("登录")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#login-button")).to_have_text("Log in")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
