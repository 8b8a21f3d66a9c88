"""`make images` still runs: each picture's scenario drives the real page to
the state the guide describes (five 401s and one refresh; the naive burst
ending the session; the tour's queued burst) before it is taken.

The scenarios assert that state, so a change to the page or the server that
breaks what a picture claims fails here, not only when someone next runs
`make images`. The pictures go to a temporary folder; docs/images/ is left
alone.
"""

import make_images  # docs/tools/make_images.py
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_make_images_reaches_every_pictured_state_in_both_languages(tmp_path, browser):
    make_images.take_pictures(browser, tmp_path)
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.png")}
    assert made == set(make_images.IMAGES)
