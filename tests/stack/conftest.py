"""Fixtures for the whole-stack tests: nginx in front of two gunicorn app
servers (3 workers each) that share PostgreSQL and Redis, started once per
module by backend/deploy/stack.py, exactly as `make stack` runs them.

PostgreSQL is TEST_DATABASE_URL when set (CI's `make test-postgres` pass),
otherwise a throwaway cluster made with initdb. Missing nginx, redis-server
or PostgreSQL skips with the reason (and fails in CI, through skip_or_fail).
"""

import json
import os
import sys
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

# Debian's Chromium, launched exactly as tests/browser/ launches it: the same
# fixture, not a copy of it.
from browser.conftest import browser_type_launch_args  # noqa: F401  (a fixture)
from helpers import skip_or_fail

from backend.deploy.stack import Stack, missing_tools

ROOT = Path(__file__).resolve().parents[2]


def start_stack(**options) -> Stack:
    database_url = os.environ.get("TEST_DATABASE_URL")
    missing = missing_tools(need_initdb=not database_url)
    if missing:
        skip_or_fail("the stack needs " + "; ".join(missing))
    stack = Stack(database_url=database_url, **options).start()
    stack.create_user = lambda name, password: _flask(
        stack, "create-user", name, "--password", password, "--exist-ok"
    )
    stack.create_user("demo", "password")
    return stack


def _flask(stack: Stack, *args: str) -> None:
    import subprocess

    subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "backend", *args],
        cwd=ROOT,
        env=stack.app_env,
        check=True,
        capture_output=True,
    )


def stop_stack(stack: Stack) -> None:
    stack.stop()
    if os.environ.get("TEST_DATABASE_URL"):
        # The shared test database must be empty for the tests that follow.
        import sqlalchemy as sa

        from backend.extensions import db

        engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
        db.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture(scope="module")
def stack():
    # fail_timeout 2s: a restarted app server gets traffic again soon.
    started = start_stack(fail_timeout="2s")
    yield started
    stop_stack(started)


class Client:
    """An HTTP client with a cookie jar, talking to nginx as a browser would."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, method: str, path: str, body=None, headers=None, cookie_header: str | None = None
    ):
        """(status, parsed JSON body or None, headers)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            req.add_header("Content-Type", "application/json")
        opener = self.opener
        if cookie_header is not None:  # send exactly these cookies, outside the jar
            req.add_header("Cookie", cookie_header)
            opener = urllib.request.build_opener()
        try:
            with opener.open(req, timeout=30) as response:
                status, raw, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, response_headers = error.code, error.read(), error.headers
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed, response_headers

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def cookie_path(self, name: str) -> str | None:
        return next((c.path for c in self.jar if c.name == name), None)

    def login(self, username="demo", password="password"):
        return self.request("POST", "/api/auth/login", {"username": username, "password": password})

    def refresh(self):
        return self.request(
            "POST",
            "/api/auth/refresh",
            headers={"X-CSRF-TOKEN": self.cookie("csrf_refresh_token") or ""},
        )


def served(app, method: str, path: str) -> list[dict]:
    """The requests an app server logged (REQUEST_LOG: one JSON line each)."""
    lines = []
    for line in app.log().splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("method") == method and entry.get("path") == path:
                lines.append(entry)
    return lines
