"""The workshop tour, reset, break-it, the lock display and export, in a real Chromium.

Every tour step is driven through its own "Do it" button, and each test
checks what the step promises the room: the timeline, the counters, the
highlight, and (at 1280x720) that what the step needs is above the fold.
"""

import re

import pytest
from playwright.sync_api import expect

from .demo_page import boxes_overlap, server_refresh_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEWEST = "#timeline > .burst:first-child"
# export.js: lane labels sit left of this x (its PAD + LABEL_W), the track right of it.
LABEL_COLUMN_END = 316


class Tour:
    def __init__(self, demo):
        self.demo = demo
        self.page = demo.page

    def open(self, step: int = 1) -> "Tour":
        self.page.locator("#tour-open").click()
        expect(self.page.locator("#tour")).to_be_visible()
        while int(self.page.locator("#tour").get_attribute("data-step")) < step:
            self.next()
        return self

    def next(self):
        self.page.get_by_role("button", name="Next", exact=True).click()

    def back(self):
        self.page.get_by_role("button", name="Back", exact=True).click()

    def do_it(self):
        self.page.get_by_role("button", name="Do it", exact=True).click()
        expect(self.page.get_by_role("button", name="Do it", exact=True)).to_be_enabled(
            timeout=15_000
        )
        self.demo.wait_until_idle()
        self.expect_what_matters_above_the_fold()

    def expect_step(self, number: int, step_id: str):
        expect(self.page.locator("#tour")).to_have_attribute("data-step", str(number))
        expect(self.page.locator("#tour")).to_have_attribute("data-step-id", step_id)
        expect(self.page.locator("#tour-title")).to_contain_text(f"{number}. ")

    def expect_what_matters_above_the_fold(self, height=720):
        """The tour, its Do it button, every highlight outside the timeline,
        and the first highlight in it (the newest burst is on top) are on screen."""

        def bottom(locator):
            box = locator.bounding_box()
            return box["y"] + min(box["height"], 40) if box else 0

        step = self.page.locator("#tour").get_attribute("data-step")
        for locator in [
            self.page.locator("#tour"),
            self.page.locator("#tour-do"),
            *self.page.locator(".tour-focus:visible:not(#timeline *)").all(),
        ]:
            assert bottom(locator) <= height, (step, locator)
        in_timeline = self.page.locator("#timeline .tour-focus:visible")
        if in_timeline.count():
            assert bottom(in_timeline.first) <= height, (step, "timeline")


def test_tour_steps_one_to_six_run_and_highlight_what_matters(open_demo):
    demo = open_demo(REFRESH_DELAY_MS=300, REFRESH_REUSE_GRACE_S=0)  # as `make demo`
    demo.page.set_viewport_size({"width": 1280, "height": 720})
    tour = Tour(demo).open()

    tour.expect_step(1, "login")
    tour.do_it()
    demo.expect_logged_in()
    expect(demo.page.locator("#countdown.tour-focus")).to_be_visible()

    tour.next()
    tour.expect_step(2, "call")
    tour.do_it()
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    expect(demo.page.locator(f"{NEWEST} .lane--request.tour-focus")).to_have_count(1)
    demo.expect_counters(requests=1, successes=1, refreshes=0)

    tour.next()
    tour.expect_step(3, "corrupt")
    tour.do_it()
    demo.expect_counters(unauthorized=1, refreshes=1, replays=1, successes=2)
    expect(demo.page.locator(f"{NEWEST} .lane--refresh.tour-focus")).to_have_count(1)

    tour.next()
    tour.expect_step(4, "burst")
    refreshes_before = server_refresh_count(demo.backend)
    tour.do_it()
    expect(demo.page.locator(f"{NEWEST} .lane--request[data-state='ok']")).to_have_count(5)
    expect(demo.page.locator(f"{NEWEST} .lane--refresh")).to_have_count(1)
    expect(demo.page.locator(f"{NEWEST} .lane--refresh")).to_contain_text("refresh #2")
    expect(demo.page.locator(f"{NEWEST} .phase--wait.tour-focus").first).to_be_attached()
    assert server_refresh_count(demo.backend) - refreshes_before == 1

    tour.next()
    tour.expect_step(5, "naive")
    tour.do_it()
    expect(demo.page.locator("#session-mode")).to_have_text("naive")
    # A new client numbers its refreshes from #1: the burst's are #1..#5.
    expect(demo.page.locator(f"{NEWEST} .lane--refresh")).to_have_count(5)
    expect(demo.page.locator(f"{NEWEST} .lane--refresh").first).to_contain_text("refresh #1")
    demo.expect_logged_out()
    expect(demo.page.locator("#session-ended.tour-focus")).to_contain_text("reuse detected")

    tour.next()
    tour.expect_step(6, "revoke")
    tour.do_it()
    expect(demo.page.locator("#session-mode")).to_have_text("queued")
    demo.expect_logged_out()
    expect(demo.page.locator("#session-ended")).to_contain_text("No refresh cookie")
    expect(demo.page.locator(f"{NEWEST} .lane--request[data-state='failed']")).to_contain_text(
        "session_expired"
    )
    expect(demo.page.locator("#timeline .lane[data-state='pending']")).to_have_count(0)

    tour.back()
    tour.expect_step(5, "naive")


def test_tour_step_seven_opens_a_second_tab_that_takes_the_new_token(open_demo):
    demo = open_demo(REFRESH_DELAY_MS=500)
    tour = Tour(demo).open(step=7)
    tour.expect_step(7, "tabs")
    expect(demo.page.locator("#lock-state.tour-focus")).to_have_text(
        "Web Locks"
    )  # 127.0.0.1 is a secure context
    with demo.page.context.expect_page() as opened:
        tour.do_it()
    second = opened.value
    expect(second.locator("#session-info")).to_be_visible()  # restored from the shared cookie
    expect(demo.page.locator("#status")).to_contain_text("Second tab opened")
    # The second tab carries the tour, at this step, so the room is never lost there.
    expect(second.locator("#tour")).to_be_visible()
    expect(second.locator("#tour")).to_have_attribute("data-step", "7")

    refresh_calls = []
    demo.page.context.on(
        "request",
        lambda r: (
            refresh_calls.append(r.url)
            if r.method == "POST" and r.url.endswith("/auth/refresh")
            else None
        ),
    )
    tour.do_it()
    expect(demo.page.locator(f"{NEWEST} .lane--request[data-state='ok']")).to_have_count(3)
    expect(second.locator('[data-counter="shared"]')).not_to_have_text("0")
    assert len(refresh_calls) == 1, refresh_calls
    expect(second.locator("#session-info")).to_be_visible()


def test_tour_step_eight_shows_a_proactive_refresh_before_expiry(open_demo):
    demo = open_demo(ACCESS_TOKEN_TTL=3)
    tour = Tour(demo).open(step=8)
    tour.expect_step(8, "proactive")
    demo.set_proactive_refresh(False)
    # Do it logs in, turns proactive refresh back on, and waits for the
    # proactive refresh, saying so on the button and on the timeline.
    demo.page.get_by_role("button", name="Do it", exact=True).click()
    expect(demo.page.locator("#tour-do")).to_have_text("Running…")
    expect(demo.page.locator(NEWEST)).to_contain_text("Waiting for the proactive refresh")
    expect(demo.page.get_by_label("Proactive refresh")).to_be_checked()
    expect(demo.page.locator("#proactive-help")).to_contain_text("On:")
    proactive = demo.page.locator("#timeline .lane--refresh", has_text="proactive")
    expect(demo.page.locator("#tour-do")).to_have_text("Do it", timeout=10_000)
    expect(proactive.first).to_have_attribute("data-state", "ok", timeout=10_000)
    expect(demo.page.locator("#countdown")).not_to_have_attribute("data-state", "expired")
    demo.expect_counters(unauthorized=0)


@pytest.mark.parametrize("kind", ["503", "drop"])
def test_break_it_makes_the_next_refresh_fail_without_reaching_the_server(open_demo, kind):
    demo = open_demo()
    demo.log_in()
    demo.page.get_by_label("Fail with").select_option(kind)
    demo.page.get_by_role("button", name="Break the next refresh").click()
    expect(demo.page.locator("#break-state")).to_have_attribute("data-armed", "true")
    refreshes_before = server_refresh_count(demo.backend)

    demo.click("Corrupt the access token")
    demo.click("Call /aaa")
    demo.wait_until_idle()

    expect(demo.page.locator("#break-state")).to_have_attribute(
        "data-armed", "false"
    )  # one refresh only
    failed = demo.refresh_lanes("failed").first
    expect(failed).to_contain_text("503" if kind == "503" else "network")
    expect(demo.request_lanes("failed")).to_have_count(1)
    assert server_refresh_count(demo.backend) == refreshes_before  # the page made the failure up


def test_tour_step_nine_breaks_the_refresh_and_highlights_it(open_demo):
    demo = open_demo()
    tour = Tour(demo).open(step=9)
    tour.expect_step(9, "failure")
    tour.do_it()
    expect(demo.page.locator("#break-state")).to_have_attribute("data-armed", "false")  # used up
    expect(demo.page.locator(f"{NEWEST} .lane--refresh.tour-focus").first).to_contain_text("503")


def test_reset_really_resets_session_counters_and_refresh_numbering(open_demo):
    demo = open_demo(REFRESH_DELAY_MS=200)
    demo.log_in()
    demo.click("Corrupt the access token")
    demo.fire(3)
    demo.wait_until_idle()
    demo.expect_counters(refreshes=1, requests=3)
    old_token = demo.page.evaluate("document.cookie")

    demo.click("Reset everything")
    demo.wait_until_idle()
    demo.expect_logged_in()  # a fresh login, not the old session
    demo.expect_counters(
        requests=0, unauthorized=0, refreshes=0, replays=0, successes=0, failures=0
    )
    expect(demo.page.locator("#timeline .lane--request")).to_have_count(0)
    assert demo.page.evaluate("document.cookie") != old_token  # a new CSRF cookie: a new session

    demo.click("Corrupt the access token")
    demo.click("Call /aaa")
    demo.wait_until_idle()
    expect(demo.refresh_lanes()).to_have_count(1)
    expect(demo.refresh_lanes()).to_contain_text("refresh #1")


def test_switching_interceptors_keeps_the_token_without_a_refresh(open_demo):
    demo = open_demo()
    demo.log_in()
    countdown = demo.page.locator("#countdown-text")
    refreshes_before = server_refresh_count(demo.backend)
    demo.use_interceptor("naive")
    expect(demo.page.locator("#session-mode")).to_have_text("naive")
    demo.expect_logged_in()
    expect(countdown).to_contain_text("left")
    demo.click("Call /aaa")
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    demo.use_interceptor("queued")
    demo.click("Corrupt the access token")
    demo.click("Call /bbb")
    demo.wait_until_idle()
    expect(demo.refresh_lanes()).to_have_count(1)
    expect(demo.refresh_lanes()).to_contain_text("refresh #1")
    assert server_refresh_count(demo.backend) - refreshes_before == 1  # no restore on the switches


@pytest.mark.parametrize("large_type", [False, True], ids=["normal-type", "large-type"])
def test_each_tour_step_fits_a_1280x720_screen_and_works_from_the_keyboard(open_demo, large_type):
    demo = open_demo()
    demo.page.set_viewport_size({"width": 1280, "height": 720})
    if large_type:
        demo.click("Large type")
    demo.log_in()
    demo.fire(5)
    demo.wait_until_idle()
    tour = Tour(demo).open()
    demo.page.locator("#tour-title").click()  # focus off the buttons: the keys are the tour's
    for number in range(1, 10):
        expect(demo.page.locator("#tour")).to_have_attribute("data-step", str(number))
        for selector in ("#tour", "#tour-do", ".tour-focus:visible"):
            for box in [el.bounding_box() for el in demo.page.locator(selector).all()]:
                if box:
                    assert box["y"] + min(box["height"], 60) <= 720, (number, selector, box)
        close = demo.page.locator("#tour-close").bounding_box()
        for words in ("#tour-title", "#tour-text"):
            text = demo.page.locator(words).bounding_box()
            assert not boxes_overlap(close, text), (number, words)
        demo.page.keyboard.press("ArrowRight")
    tour.expect_step(9, "failure")
    demo.page.keyboard.press("ArrowLeft")
    tour.expect_step(8, "proactive")
    for _ in range(6):
        demo.page.keyboard.press("ArrowLeft")
    tour.expect_step(2, "call")
    demo.page.keyboard.press("Space")  # runs the step: call /aaa
    expect(demo.page.locator("#result")).to_contain_text('"data": "aaa"')
    demo.screenshot(f"tour-1280x720-{'large' if large_type else 'normal'}")


def test_timeline_exports_as_svg_and_png(open_demo, tmp_path):
    demo = open_demo()
    demo.log_in()
    demo.click("Call /aaa")
    demo.wait_until_idle()
    with demo.page.expect_download() as svg_download:
        demo.click("Export SVG")
    svg_path = tmp_path / "timeline.svg"
    svg_download.value.save_as(svg_path)
    svg = svg_path.read_text()
    assert svg.startswith("<svg") and "#1 GET /aaa" in svg and "<circle" in svg
    # No marker is drawn over a word: marks start right of the label column,
    # and a note's row (words across the width) has no marks at all.
    marks = [
        (float(cx), float(cy), float(r))
        for cx, cy, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    ]
    assert marks and min(cx - r for cx, _, r in marks) > LABEL_COLUMN_END
    note_rows = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" font-style', svg)]
    assert note_rows, "the login note is in the picture"
    assert all(abs(cy - (y - 5)) > 10 for y in note_rows for _, cy, _ in marks)

    with demo.page.expect_download() as png_download:
        demo.click("Export PNG")
    png_path = tmp_path / "timeline.png"
    png_download.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_download.value.suggested_filename == "silent-refresh-timeline.png"
