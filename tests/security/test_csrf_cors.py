"""CSRF on /auth/refresh and /auth/logout, and CORS as browsers apply it.

The refresh cookie is sent by the browser automatically, so a forged
cross-site request carries it. What it cannot carry is the X-CSRF-TOKEN
header with the value inside that cookie's (signed) token: another site can
neither read our cookies nor, without a CORS preflight we refuse, send a
custom header. tests/test_auth.py covers a missing and a wrong header on
refresh; here: every variant, on both routes, and proof nothing changed.
"""

import pytest
from helpers import AuthActions

from backend.extensions import db
from backend.models import RefreshToken

from .helpers import add_user, assert_error, assert_safe_response

FRONTEND = "http://127.0.0.1:8000"


def live_rows(app) -> int:
    """Refresh-token rows still usable (neither spent nor revoked)."""
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.spent_at.is_(None), RefreshToken.revoked_at.is_(None))
        )


def new_session(app, username="demo", password="password") -> AuthActions:
    actions = AuthActions(app.test_client())
    assert actions.login(username, password).status_code == 200
    return actions


# --- CSRF ----------------------------------------------------------------

# How the X-CSRF-TOKEN header is wrong: name -> (headers for the request)
BAD_CSRF = {
    "absent": lambda right, other: {},
    "empty": lambda right, other: {"X-CSRF-TOKEN": ""},
    "wrong value": lambda right, other: {"X-CSRF-TOKEN": "not-the-right-value"},
    "another session's value": lambda right, other: {"X-CSRF-TOKEN": other},
    "right value with spaces": lambda right, other: {"X-CSRF-TOKEN": f" {right} "},
    "right value uppercased": lambda right, other: {"X-CSRF-TOKEN": right.upper()},
    "right value plus a character": lambda right, other: {"X-CSRF-TOKEN": right + "0"},
    "right value truncated": lambda right, other: {"X-CSRF-TOKEN": right[:-1]},
    "non-ASCII": lambda right, other: {"X-CSRF-TOKEN": right + "\u00e9"},
    "under Angular's header name": lambda right, other: {"X-XSRF-TOKEN": right},
    "two values in one header": lambda right, other: {"X-CSRF-TOKEN": f"{other}, {right}"},
}


@pytest.mark.parametrize("how", BAD_CSRF)
@pytest.mark.parametrize("route", ["/auth/refresh", "/auth/logout"])
def test_refresh_and_logout_refuse_a_bad_csrf_header_and_change_nothing(app, route, how):
    victim = new_session(app)
    other = new_session(app)  # the attacker's own session: a real, valid CSRF value
    rows_before = live_rows(app)
    headers = BAD_CSRF[how](victim.csrf(), other.csrf())
    response = victim._client.post(route, headers=headers)
    assert_error(response, 401, "csrf_failed")
    assert "Set-Cookie" not in response.headers  # no rotation, no cookie cleared
    assert live_rows(app) == rows_before  # nothing spent, nothing revoked
    assert victim.refresh().status_code == 200  # and the victim's session goes on


def test_a_csrf_value_is_only_good_with_its_own_cookie_even_for_another_user(app):
    add_user(app, "mallory", "pw")
    victim = new_session(app)
    attacker = new_session(app, "mallory", "pw")
    # The attacker knows their own CSRF value and rides the victim's cookie.
    response = victim._client.post("/auth/refresh", headers={"X-CSRF-TOKEN": attacker.csrf()})
    assert_error(response, 401, "csrf_failed")
    assert victim.refresh().status_code == 200


def test_cookie_tossing_the_csrf_cookie_does_not_help(app):
    """Double-submit done naively compares the header with the csrf cookie,
    which an attacker on a sibling subdomain can overwrite. Here the header
    is compared with the claim inside the signed refresh token."""
    victim = new_session(app)
    victim._client.set_cookie("csrf_refresh_token", "attacker-chosen")
    response = victim._client.post("/auth/refresh", headers={"X-CSRF-TOKEN": "attacker-chosen"})
    assert_error(response, 401, "csrf_failed")


@pytest.mark.parametrize("route", ["/auth/refresh", "/auth/logout"])
def test_the_csrf_value_is_not_accepted_from_a_form_field_or_the_query_string(app, route):
    """A cross-site HTML form can send fields, never headers."""
    victim = new_session(app)
    csrf = victim.csrf()
    as_form = victim._client.post(route, data={"csrf_token": csrf, "X-CSRF-TOKEN": csrf})
    assert_error(as_form, 401, "csrf_failed")
    in_query = victim._client.post(f"{route}?csrf_token={csrf}&X-CSRF-TOKEN={csrf}")
    assert_error(in_query, 401, "csrf_failed")
    assert victim.refresh().status_code == 200


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
@pytest.mark.parametrize("route", ["/auth/refresh", "/auth/logout", "/auth/login"])
def test_auth_routes_answer_only_post(app, route, method):
    """No state change through a link, an <img> or a redirect (all GET)."""
    victim = new_session(app)
    rows_before = live_rows(app)
    response = victim._client.open(route, method=method, headers={"X-CSRF-TOKEN": victim.csrf()})
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert_safe_response(response, method)
    assert live_rows(app) == rows_before


def test_the_right_header_name_is_case_insensitive(app):
    """Control for the cases above: HTTP header names are case-insensitive,
    so this is the right header and must pass (else the refusals above
    could be refusing everything)."""
    victim = new_session(app)
    response = victim._client.post("/auth/refresh", headers={"x-csrf-token": victim.csrf()})
    assert response.status_code == 200


# --- CORS ----------------------------------------------------------------

FOREIGN_ORIGINS = [
    "http://evil.example",
    "null",  # sandboxed iframes, file:// pages
    "http://127.0.0.1:8000.evil.example",  # allowed origin as a prefix
    "http://evil.127.0.0.1:8000",  # ... as a suffix
    "http://127.0.0.1:8000/",  # not an origin: origins have no path
    "https://127.0.0.1:8000",  # other scheme
    "http://127.0.0.1:8001",  # other port
    "http://127.0.0.1",  # default port
    "http://localhost:8000@evil.example",
    "*",
    "http://127.0.0.1:8000, http://evil.example",
]
# Not listed: a request with no Origin at all. Browsers send Origin on every
# cross-origin request, so such a request comes from a non-browser client,
# which CORS does not restrict anyway (flask-cors then sends its first
# allowed origin; always_send=False would turn that off).

CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
)


def api_requests(auth):
    """Each kind of API call, as the page makes it: (method, path, headers, json)."""
    access = auth.login().get_json()["access_token"]
    return [
        ("GET", "/health", {}, None),
        ("GET", "/aaa", {"Authorization": f"Bearer {access}"}, None),
        ("GET", "/bbb", {"Authorization": "Bearer bad"}, None),  # a 401
        ("POST", "/auth/login", {}, {"username": "demo", "password": "password"}),
        ("POST", "/auth/login", {}, {"username": "demo", "password": "wrong"}),  # a 401
        ("POST", "/auth/refresh", {"X-CSRF-TOKEN": auth.csrf()}, None),
        ("POST", "/auth/logout", {"X-CSRF-TOKEN": auth.csrf()}, None),
    ]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_foreign_origin_gets_no_cors_grant_on_any_request_or_preflight(auth, client, origin):
    for method, path, headers, body in api_requests(auth):
        response = client.open(
            path, method=method, headers={**headers, "Origin": origin}, json=body
        )
        preflight = client.options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": ", ".join(headers) or "content-type",
            },
        )
        for answer in (response, preflight):
            granted = [name for name in CORS_HEADERS if name in answer.headers]
            assert not granted, f"{origin!r} {method} {path}: {granted}"
        assert_safe_response(response, method)


def test_cors_origins_setting_replaces_the_defaults(app_factory):
    app = app_factory(CORS_ORIGINS=["https://app.example"])
    client = app.test_client()
    assert (
        client.get("/health", headers={"Origin": "https://app.example"}).headers[
            "Access-Control-Allow-Origin"
        ]
        == "https://app.example"
    )
    for default in ("http://127.0.0.1:8000", "http://localhost:8000"):
        assert (
            "Access-Control-Allow-Origin"
            not in client.get("/health", headers={"Origin": default}).headers
        )


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://localhost:8000"])
def test_the_frontend_origin_gets_credentialed_cors_on_every_answer_including_errors(
    auth, client, origin
):
    """The page must be able to read every answer, errors included (its
    interceptor switches on the JSON `error` code), with credentials."""
    for method, path, headers, body in api_requests(auth):
        response = client.open(
            path, method=method, headers={**headers, "Origin": origin}, json=body
        )
        assert response.headers["Access-Control-Allow-Origin"] == origin, (method, path)
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert "Origin" in response.headers.get("Vary", "")  # caches must key on it


# (path, method, request headers) for each preflight the page triggers
PREFLIGHTS = [
    ("/auth/login", "POST", "content-type"),
    ("/auth/refresh", "POST", "x-csrf-token"),
    ("/auth/logout", "POST", "x-csrf-token"),
    ("/aaa", "GET", "authorization"),
    ("/bbb", "GET", "authorization"),
]


@pytest.mark.parametrize("path,method,request_headers", PREFLIGHTS)
def test_preflights_for_the_api_behave_as_browsers_expect(client, path, method, request_headers):
    response = client.options(
        path,
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": request_headers,
        },
    )
    # A preflight never carries credentials, so it must not need any.
    assert 200 <= response.status_code < 300
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert request_headers in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0  # browsers may cache it
    assert "Set-Cookie" not in response.headers
    assert_safe_response(response, "OPTIONS")


def test_preflights_grant_no_other_headers(client):
    response = client.options(
        "/aaa",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-evil, authorization",
        },
    )
    assert "x-evil" not in response.headers.get("Access-Control-Allow-Headers", "").lower()


@pytest.mark.parametrize("path", ["/nope", "/auth/nope", "/aaa/extra"])
def test_a_preflight_to_an_unknown_path_passes_so_the_page_can_read_the_404(client, path):
    preflight = client.options(
        path,
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert 200 <= preflight.status_code < 300
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    real = client.get(path, headers={"Origin": FRONTEND, "Authorization": "Bearer x"})
    assert_error_shape(real, 404, "not_found")
    assert real.headers["Access-Control-Allow-Origin"] == FRONTEND  # readable by the page


def test_a_preflight_for_a_method_the_route_lacks_lists_the_routes_methods(client):
    """The DELETE may go out, so the page reads the 405 JSON instead of a network error;
    granting it in CORS grants nothing: the route still refuses DELETE."""
    preflight = client.options(
        "/aaa",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert 200 <= preflight.status_code < 300
    assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]
    assert {m.strip() for m in preflight.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    real = client.delete("/aaa", headers={"Origin": FRONTEND})
    assert_error_shape(real, 405, "method_not_allowed")
    assert "GET" in real.headers["Allow"]
    assert real.headers["Access-Control-Allow-Origin"] == FRONTEND


@pytest.mark.parametrize("path", ["/nope", "/aaa", "/auth/refresh"])
def test_a_foreign_origins_preflight_gets_no_cors_headers_on_any_path(client, path):
    preflight = client.options(
        path,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert not [h for h in preflight.headers if h[0].lower().startswith("access-control-")]


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == code
    assert_safe_response(response)


def test_a_preflight_is_answered_even_while_login_is_rate_limited(app_factory, cheap_dummy_hash):
    """A 429 the page cannot read is a CORS error in its console: both the
    preflight and the 429 itself must carry the CORS grant."""
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    headers = {"Origin": FRONTEND}
    for _ in range(2):
        assert (
            client.post(
                "/auth/login", json={"username": "x", "password": "y"}, headers=headers
            ).status_code
            == 401
        )
    limited = client.post("/auth/login", json={"username": "x", "password": "y"}, headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Access-Control-Allow-Origin"] == FRONTEND
    preflight = client.options(
        "/auth/login",
        headers={
            **headers,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONTEND
