"""Schemathesis fuzzes the app with backend/openapi.json.

The app runs in process (WSGI), with a fresh database per test and a high
login rate limit: fuzzing fails logins by the thousand, and a 429 for every
later login would hide the rest (tests/test_openapi.py checks the real 429
against the description). The checks: no 500, every status, content type,
body and header as described.
"""

from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import schemathesis
from helpers import add_user
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI_FILE = Path(__file__).resolve().parent.parent / "backend" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_path(OPENAPI_FILE)
schema.config.update(base_url="http://localhost")  # the WSGI app, in process


@pytest.fixture
def fuzzed_app(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="100000 per minute")
    add_user(app, "demo", "password")
    return app


# Bounded and repeatable: the same examples on every run, no example
# database, no deadline (a shared CI machine is slow now and then).
BOUNDED = settings(
    derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


@schema.parametrize()
@settings(BOUNDED, max_examples=80)
def test_every_operation_answers_as_described(case, fuzzed_app):
    """Explicit examples, then boundary and hostile values (wrong types,
    missing fields, odd headers and cookies, unknown methods), then random
    ones: every answer must be documented, JSON, and never a 500."""
    case.call_and_validate(app=fuzzed_app, checks=CHECKS)


def set_cookies(response) -> dict[str, str]:
    """Every cookie a response sets, by name (from all its Set-Cookie headers)."""
    jar = SimpleCookie()
    for header in response.headers.get("set-cookie", []):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def test_links_carry_a_session_from_login_to_logout(fuzzed_app):
    """Schemathesis follows the description's links: login -> /aaa or /bbb
    with the access token -> refresh with the cookie -> ... -> logout, with
    generated (hostile) data mixed in at every step."""
    answers = Counter()

    class SessionFlow(schema.as_state_machine()):
        def setup(self):
            # The refresh cookie each response set -> its CSRF twin.
            self.csrf_of = {}

        def get_call_kwargs(self, case):
            return {"app": fuzzed_app}

        def before_call(self, case):
            # What the links' X-CSRF-TOKEN expression says, done by hand:
            # Schemathesis reads only the first Set-Cookie header, and the
            # csrf_refresh_token cookie is the second. (Without a value it
            # makes one up, which the CSRF check refuses.)
            cookie = (case.cookies or {}).get("refresh_token_cookie")
            if cookie in self.csrf_of:
                # The browser holds both cookies and copies the readable one
                # into the header (logout compares the two: double submit).
                case.headers = {**(case.headers or {}), "X-CSRF-TOKEN": self.csrf_of[cookie]}
                case.cookies = {**case.cookies, "csrf_refresh_token": self.csrf_of[cookie]}

        def after_call(self, response, case):
            super().after_call(response, case)
            cookies = set_cookies(response)
            if cookies.get("refresh_token_cookie") and cookies.get("csrf_refresh_token"):
                self.csrf_of[cookies["refresh_token_cookie"]] = cookies["csrf_refresh_token"]
            body = response.json() if response.content else None
            code = body.get("error") if isinstance(body, dict) else None
            answers[(case.operation.label, response.status_code, code or bool(cookies))] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    SessionFlow.run(settings=settings(BOUNDED, max_examples=40, stateful_step_count=6))

    # The whole session happened, not only its error paths:
    assert answers[("POST /auth/login", 200, True)], answers
    assert answers[("GET /aaa", 200, False)] + answers[("GET /bbb", 200, False)], answers
    assert answers[("POST /auth/refresh", 200, True)], answers
    assert answers[("POST /auth/logout", 204, True)], answers  # cookies cleared: it went through
