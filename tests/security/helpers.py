"""Shared checks and tools for the security suite."""

import json
from collections import Counter

import helpers as shared
from werkzeug.security import generate_password_hash

# Case counts per fuzz test, filled while the suite runs and printed at the
# end of the session (see conftest.pytest_terminal_summary).
CASE_COUNTS: dict[str, Counter] = {}

TRACEBACK_MARKERS = (b"Traceback", b'File "')

# The headers every response must carry, whatever the input (backend/security_headers.py).
REQUIRED_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def record_cases(name: str, statuses: Counter) -> int:
    """Remember how many cases a fuzz test ran, by response status."""
    CASE_COUNTS[name] = statuses
    return sum(statuses.values())


def cheap_hash(password: str) -> str:
    """A PBKDF2 hash with one iteration: the same code path as the real scrypt
    hash (check_password_hash reads the method from the hash), ~1000x
    faster. Only for tests that hash thousands of times and are not about
    the hash's cost; the enumeration timing test uses the real one."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


def add_user(app, username: str, password: str, *, fast: bool = True) -> int:
    return shared.add_user(app, username, password, cheap_hash(password) if fast else None)


def assert_safe_response(response, method: str = "GET") -> None:
    """The invariants every response must hold, for any input at all:
    never a 5xx, never a traceback, every error is the spec's JSON shape,
    and the security headers are always there."""
    status = response.status_code
    body = response.get_data()
    detail = f"{method} -> {status}: {body[:300]!r}"
    assert status < 500, detail
    for marker in TRACEBACK_MARKERS:
        assert marker not in body, detail
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} missing on {detail}"
    if status >= 400:
        assert response.mimetype == "application/json", detail
        if method != "HEAD":  # HEAD answers carry headers only
            error = json.loads(body)
            assert isinstance(error, dict) and set(error) == {"error", "message"}, detail
            assert isinstance(error["error"], str) and error["error"], detail
            assert isinstance(error["message"], str) and error["message"], detail
    if status == 401:
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), detail
    if status == 405:
        assert response.headers.get("Allow"), detail


def assert_error(response, status: int, code: str) -> None:
    """A specific error: status, code, and the full JSON shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.get_json()["error"] == code, response.get_json()
    assert_safe_response(response, "POST")


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def cookie_attributes(header: str) -> dict[str, str]:
    """'name=value; Path=/auth; HttpOnly' -> {'path': '/auth', 'httponly': ''}."""
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


class HttpSession:
    """A minimal browser stand-in for live servers: keeps cookies (honouring
    Path and deletion), sends JSON, and returns (status, headers, body)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, tuple[str, str]] = {}  # name -> (value, path)

    def cookie(self, name: str) -> str | None:
        return self.cookies[name][0] if name in self.cookies else None

    def request(self, method: str, path: str, body=None, headers=None):
        import urllib.error
        import urllib.request

        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        sent = [
            f"{name}={value}"
            for name, (value, cookie_path) in self.cookies.items()
            if path.startswith(cookie_path)
        ]
        if sent:
            headers["Cookie"] = "; ".join(sent)
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, response_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, response_headers, raw = error.code, error.headers, error.read()
        for header in response_headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            attributes = cookie_attributes(header)
            if not value or attributes.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, attributes.get("path", "/"))
        return status, response_headers, json.loads(raw) if raw else None

    def login(self, username: str, password: str):
        return self.request("POST", "/auth/login", {"username": username, "password": password})

    def refresh(self):
        return self.request(
            "POST",
            "/auth/refresh",
            headers={"X-CSRF-TOKEN": self.cookie("csrf_refresh_token") or ""},
        )

    def logout(self):
        return self.request(
            "POST",
            "/auth/logout",
            headers={"X-CSRF-TOKEN": self.cookie("csrf_refresh_token") or ""},
        )

    def get(self, path: str, access_token: str):
        return self.request("GET", path, headers={"Authorization": f"Bearer {access_token}"})
