"""Regenerate docs/images/ from the real demo page in Chromium (`make images`).

Each picture in the guide is a scenario run here against a real backend,
in the system Chromium through Playwright, so the images cannot drift from
what the page shows: change the page, run `make images`, commit.
"""

import sys
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from live import CHROMIUM_ARGS, find_chromium, start_backend, start_frontend  # noqa: E402
from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

IMAGES_DIR = ROOT / "docs" / "images"
TTL = 3  # seconds: short, so a scenario waits a few seconds for expiry

# The scenarios drive the page by element id, so each runs in both languages.


def page_for(browser, frontend, backend, lang, width=1280, height=900):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{frontend.url}/?api={backend.url}&lang={lang}")
    expect(page.locator("#login-form:visible, #session-info:visible")).to_have_count(1)
    return page


def log_in_and_let_the_token_expire(page):
    proactive = page.locator("#proactive")
    if proactive.is_enabled():  # the naive client has none
        proactive.set_checked(False)
    page.locator("#login-button").click()
    expect(page.locator("#session-info")).to_be_visible()
    expect(page.locator("#countdown")).to_have_attribute(
        "data-state", "expired", timeout=(TTL + 5) * 1000
    )


def fire_five(page):
    page.locator("#burst-size").fill("5")
    page.locator("#fire-burst").click()
    expect(page.locator("#timeline")).to_have_attribute("data-pending", "0", timeout=15_000)
    expect(page.locator("[aria-busy='true']")).to_have_count(0)


def queued_one_refresh(page):
    log_in_and_let_the_token_expire(page)
    fire_five(page)
    expect(page.locator('[data-counter="refreshes"]')).to_have_text("1")


def naive_reuse_detected(page):
    page.locator('input[name="mode"][value="naive"]').check()
    log_in_and_let_the_token_expire(page)
    fire_five(page)
    expect(page.locator("#session-ended")).to_be_visible()


def tour_queued_burst(page):
    page.locator("#login-button").click()
    expect(page.locator("#session-info")).to_be_visible()
    page.locator("#tour-open").click()
    for _ in range(3):
        page.locator("#tour-next").click()
    page.locator("#tour-do").click()
    expect(page.locator("#tour-do")).to_be_enabled(timeout=15_000)
    expect(page.locator("#timeline")).to_have_attribute("data-pending", "0")
    page.locator("#tour-title").click()  # no focus ring in the picture


# The pictures of the English guide, by file name -> (scenario, viewport height).
SCENARIOS = {
    "demo-queued-one-refresh.png": (queued_one_refresh, 900),
    "demo-naive-reuse-detected.png": (naive_reuse_detected, 900),
    "demo-tour-queued-burst.png": (tour_queued_burst, 720),
}
# The Chinese edition shows the same pictures of the page in Chinese, under zh-CN/.
LANGUAGES = {"en": "", "zh-CN": "zh-CN/"}
# Path under docs/images/ -> (scenario, viewport height, language). The guide may show only these.
IMAGES = {
    f"{folder}{name}": (scenario, height, lang)
    for lang, folder in LANGUAGES.items()
    for name, (scenario, height) in SCENARIOS.items()
}


def take_pictures(browser: Browser, images_dir: Path = IMAGES_DIR) -> None:
    """Run every scenario against a fresh backend and save its picture."""
    images_dir.mkdir(exist_ok=True)
    with TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        frontend = start_frontend(tmp_path)
        try:
            for name, (scenario, height, lang) in IMAGES.items():
                home = tmp_path / name.replace("/", "-")
                home.mkdir()  # each picture starts from an empty database
                backend = start_backend(
                    home,
                    ACCESS_TOKEN_TTL=TTL,
                    REFRESH_DELAY_MS=500,
                    # Strict reuse detection, as `make demo` runs it, so the
                    # naive client's burst ends the session on the picture.
                    REFRESH_REUSE_GRACE_S=0,
                    CORS_ORIGINS=frontend.url,
                )
                try:
                    page = page_for(browser, frontend, backend, lang, height=height)
                    scenario(page)
                    # The picture must not show this run's random port.
                    page.locator("#api-url").evaluate(
                        "el => { el.textContent = 'http://127.0.0.1:5001'; }"
                    )
                    (images_dir / name).parent.mkdir(exist_ok=True)
                    page.screenshot(path=images_dir / name, full_page=height != 720)
                    print(f"  {name}")
                    page.context.close()
                finally:
                    backend.stop()
        finally:
            frontend.stop()


def main() -> None:
    chromium = find_chromium()
    if chromium is None:
        sys.exit("make images needs Chromium: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            take_pictures(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
