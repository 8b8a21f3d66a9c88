"""Fixtures for the security suite, and the case-count report."""

import pytest

from backend.extensions import limiter

from .helpers import CASE_COUNTS, add_user, cheap_hash


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts and ends with empty rate-limit counters.

    `limiter` is one module-level object shared by every app in the process;
    each create_app() rebinds it to a new in-memory storage, so counters do
    not normally survive from one test's app to the next. Resetting here
    makes that explicit instead of relying on it."""
    _reset_limiter()
    yield
    _reset_limiter()


def _reset_limiter():
    if getattr(limiter, "_storage", None) is not None:
        limiter.reset()


@pytest.fixture
def cheap_dummy_hash(monkeypatch):
    """Unknown usernames are checked against a cheap hash instead of the
    real scrypt dummy (see helpers.cheap_hash). The login code runs
    unchanged; only the hash's cost differs."""
    import backend.credentials

    dummy = cheap_hash("not-anybody's-password")
    monkeypatch.setattr(backend.credentials, "dummy_password_hash", lambda: dummy)


@pytest.fixture
def fast_app(app_factory, cheap_dummy_hash):
    """For tests that log in hundreds of times: cheap hashes, and a login
    rate limit too high to ever be reached."""
    app = app_factory(LOGIN_RATE_LIMIT="1000000 per minute")
    add_user(app, "demo", "password")
    return app


def pytest_terminal_summary(terminalreporter):
    if not CASE_COUNTS:
        return
    terminalreporter.section("security suite: fuzz cases")
    total = 0
    for name, statuses in CASE_COUNTS.items():
        count = sum(statuses.values())
        total += count
        spread = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        terminalreporter.write_line(f"{name:<34} {count:>6} cases  ({spread})")
    terminalreporter.write_line(f"{'total':<34} {total:>6} cases")


@pytest.fixture
def app(app_factory, cheap_dummy_hash):
    """The suite's default app: like tests/conftest.py's, but the demo user
    gets a cheap hash (helpers.cheap_hash), so the hundreds of logins the
    suite makes stay fast. Tests about the hash itself (enumeration timing)
    build their own app with the real one."""
    app = app_factory()
    add_user(app, "demo", "password")
    return app
