"""Real-browser tests of the demo page (Playwright + Debian's Chromium).

A package on purpose: its conftest.py is then imported as
`browser.conftest` and does not replace tests/conftest.py as the module
named `conftest`, which tests/live.py imports from.
"""
