"""backend/openapi.json cannot drift from the app, the Postman collection or
the .http file.

- it is a valid OpenAPI 3.1 document, served as-is at GET /openapi.json;
- the app's routes (app.url_map) and the described operations are the same set;
- every request in docs/postman/ and docs/http/ is a described operation;
- every error code the backend raises is described with its status, and a
  real request for each described error gets an answer that matches the
  description (status, JSON body, WWW-Authenticate, Retry-After, ...);
- every example validates against its schema.

tests/test_schemathesis.py then fuzzes the app with the description.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from helpers import add_user, make_token, unverified_claims
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from test_schemathesis import CHECKS, OPENAPI_FILE

from backend import errors

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = json.loads(OPENAPI_FILE.read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def described_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in DESCRIPTION["paths"].items()
        for method in item
        if method in METHODS
    }


def test_the_description_is_valid_openapi_3_1():
    assert DESCRIPTION["openapi"].startswith("3.1.")
    validate(DESCRIPTION)  # raises with the first problem it finds


def test_the_app_serves_the_description_as_json(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == DESCRIPTION


def app_routes(app) -> set[tuple[str, str]]:
    """(METHOD, /path/{param}) for every route, without Flask's automatic
    HEAD and OPTIONS (CORS preflights) and the static files."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_of_the_app_is_described_and_nothing_else(app):
    routes = app_routes(app)
    assert routes, "the app has no routes?"
    assert sorted(routes - described_operations()) == [], "routes missing from backend/openapi.json"
    assert sorted(described_operations() - routes) == [], (
        "described operations the app does not have"
    )


def postman_requests(items) -> list[tuple[str, str]]:
    found = []
    for item in items:
        if "item" in item:
            found += postman_requests(item["item"])
        if "request" in item:
            url = item["request"]["url"]
            path = "/" + "/".join(url["path"]) if isinstance(url, dict) else url.split("}}", 1)[1]
            found.append((item["request"]["method"].upper(), path.split("?")[0]))
    return found


def test_every_request_of_the_postman_collection_is_described():
    found = []
    for collection in sorted((ROOT / "docs" / "postman").glob("*.postman_collection.json")):
        found += postman_requests(json.loads(collection.read_text())["item"])
    assert len(found) >= 5, found
    assert sorted(set(found) - described_operations()) == []


def test_every_request_of_the_http_file_is_described():
    text = (ROOT / "docs" / "http" / "silent-refresh.http").read_text()
    found = re.findall(r"^([A-Z]+) \{\{baseUrl\}\}(/[^\s?]*)", text, re.MULTILINE)
    assert len(found) >= 5, found
    assert sorted(set(found) - described_operations()) == []


def described_errors() -> set[tuple[int, str]]:
    """(status, code) for every error response of every operation, from the
    `enum` of its `error` property (components/responses included)."""
    found = set()

    def walk(node, status=None):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/components/responses/"):
                walk(DESCRIPTION["components"]["responses"][node["$ref"].rsplit("/", 1)[1]], status)
            for key, value in node.items():
                if key == "error" and isinstance(value, dict) and "enum" in value and status:
                    found.update((status, code) for code in value["enum"])
                walk(value, status)
        elif isinstance(node, list):
            for value in node:
                walk(value, status)

    for item in DESCRIPTION["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                walk(response, int(status))
    for response in DESCRIPTION["components"]["responses"].values():
        for code in response["content"]["application/json"]["schema"]["allOf"][1]["properties"][
            "error"
        ]["enum"]:
            found.add((HTTP_STATUS_OF_COMPONENT[code], code))
    return found


# components/responses that no operation can name (any path, any method).
HTTP_STATUS_OF_COMPONENT = {
    "bad_request": 400,
    "payload_too_large": 413,
    "rate_limited": 429,
    "not_found": 404,
    "method_not_allowed": 405,
    "internal_error": 500,
}


def raised_errors() -> set[tuple[int, str]]:
    """Every (status, code) the backend's source can answer with: ApiError(...)
    calls, the token error table, and the HTTP errors given their own code."""
    found = set()
    for source in (ROOT / "backend").glob("**/*.py"):
        found |= {
            (int(s), c)
            for s, c in re.findall(r'ApiError\(\s*(\d{3}),\s*"([a-z_]+)"', source.read_text())
        }
    found |= {(401, code) for _, code, _ in errors.TOKEN_ERROR_CODES} | {(401, "invalid_token")}
    found |= {(413, "payload_too_large"), (429, "rate_limited"), (500, "internal_error")}
    return found


def test_every_error_code_the_backend_raises_is_described_with_its_status():
    assert sorted(raised_errors() - described_errors()) == []


@pytest.fixture
def spec():
    return schemathesis.openapi.from_dict(DESCRIPTION)


def conforms(spec, method, path, response, checks=CHECKS):
    """Run Schemathesis's checks on a real response to (method, path)."""
    operation = spec[path][method]
    # A path parameter's value: the last segment of the path that was asked.
    names = re.findall(r"{(\w+)}", path)
    parameters = {name: response.request.path.rsplit("/", 1)[1] for name in names}
    operation.Case(path_parameters=parameters or None).validate_response(response, checks=checks)
    return response.get_json()["error"] if response.status_code >= 400 else None


def test_every_described_error_is_real_and_matches_the_description(app_factory, monkeypatch, spec):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    add_user(app, "demo", "password")
    client = app.test_client()
    produced = set()

    def check(method, path, response, status, checks=CHECKS):
        code = conforms(spec, method, path, response, checks)
        assert response.status_code == status
        produced.add((status, code))

    def login(password="password"):
        return client.post("/auth/login", json={"username": "demo", "password": password})

    def csrf():
        return {"X-CSRF-TOKEN": client.get_cookie("csrf_refresh_token").value}

    check("POST", "/auth/login", client.post("/auth/login", data="nope"), 400)
    check(
        "POST",
        "/auth/login",
        client.post("/auth/login", json={"username": "x" * 20_000, "password": "p"}),
        413,
    )
    tokens = login().get_json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    check("GET", "/aaa", client.get("/aaa", headers=bearer), 200)
    check("GET", "/sessions", client.get("/sessions", headers=bearer), 200)
    made_up = "/sessions/0b3c2a7e-1111-4222-8333-444455556666"
    check("DELETE", "/sessions/{session_id}", client.delete(made_up, headers=bearer), 404)
    check("POST", "/sessions/end-others", client.post("/sessions/end-others", headers=bearer), 200)
    claims = unverified_claims(tokens["access_token"])
    stale = make_token(
        app, username="demo", sid=claims["sid"], auth_time=1, fresh=901.0
    )  # a login long ago
    stale_bearer = {"Authorization": f"Bearer {stale}"}
    check(
        "POST",
        "/sessions/end-others",
        client.post("/sessions/end-others", headers=stale_bearer),
        403,
    )  # reauth_required
    weak = {"current_password": "password", "new_password": "short"}
    check(
        "POST",
        "/account/password",
        client.post("/account/password", json=weak, headers=bearer),
        400,
    )
    check("GET", "/bbb", client.get("/bbb"), 401)  # missing_token
    expired = make_token(app, expires=timedelta(seconds=-10), username="demo")
    check("GET", "/aaa", client.get("/aaa", headers={"Authorization": f"Bearer {expired}"}), 401)
    check("GET", "/aaa", client.get("/aaa", headers={"Authorization": "Bearer not-a-jwt"}), 401)
    check("POST", "/auth/refresh", client.post("/auth/refresh"), 401)  # csrf_failed
    spent_cookie = client.get_cookie("refresh_token_cookie", path="/auth").value
    spent_csrf = csrf()
    check("POST", "/auth/refresh", client.post("/auth/refresh", headers=spent_csrf), 200)
    check("POST", "/auth/refresh", client.post("/auth/refresh", headers=csrf()), 200)
    client.set_cookie("refresh_token_cookie", spent_cookie, path="/auth")
    check(
        "POST", "/auth/refresh", client.post("/auth/refresh", headers=spent_csrf), 401
    )  # token_reused
    check(
        "POST", "/auth/refresh", client.post("/auth/refresh", headers=spent_csrf), 401
    )  # token_revoked
    login()
    reauth = client.post("/auth/reauth", json={"password": "password"}, headers=csrf())
    check("POST", "/auth/reauth", reauth, 200)
    check("POST", "/auth/logout", client.post("/auth/logout", headers=csrf()), 204)
    client.delete_cookie("refresh_token_cookie", path="/auth")
    check(
        "POST", "/auth/refresh", client.post("/auth/refresh", headers={"X-CSRF-TOKEN": "x"}), 401
    )  # missing_token
    for _ in range(3):
        check("POST", "/auth/login", login("wrong"), 401)  # invalid_credentials
    check("POST", "/auth/login", login("wrong"), 429)
    check("GET", "/openapi.json", client.get("/openapi.json"), 200)

    # The app-wide answers: the JSON bodies must match components/responses.
    for response, name in [
        (client.get("/no-such-path"), "NotFound"),
        (client.post("/health"), "MethodNotAllowed"),
    ]:
        assert_matches_component(response, name)
        produced.add((response.status_code, response.get_json()["error"]))
    assert "Allow" in response.headers

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr("backend.openapi.openapi_description", broken)
    app.logger.disabled = True  # the traceback it logs is expected here
    # Every check but "not a server error", which is the point here.
    check("GET", "/openapi.json", client.get("/openapi.json"), 500, checks=CHECKS[1:])

    assert sorted(described_errors() - produced) == [], "described but never produced here"


def resolving_validator(schema: dict) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) that resolves
    the description's own #/components/... references."""
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(DESCRIPTION))
    return Draft202012Validator({"$ref": "urn:openapi#" + schema}, registry=registry)


def assert_matches_component(response, name):
    component = DESCRIPTION["components"]["responses"][name]
    assert response.mimetype == "application/json"
    pointer = f"/components/responses/{name}/content/application~1json/schema"
    errors_found = [
        e.message for e in resolving_validator(pointer).iter_errors(response.get_json())
    ]
    assert errors_found == []
    for header, definition in component.get("headers", {}).items():
        assert not definition.get("required") or header in response.headers


def examples_with_their_schemas():
    """(pointer to schema, example value, where) for every example."""
    found = []

    def walk(node, pointer):
        if isinstance(node, dict):
            if "schema" in node:
                schema_pointer = pointer + "/schema"
                if "example" in node:
                    found.append((schema_pointer, node["example"], pointer + "/example"))
                for name, example in node.get("examples", {}).items():
                    found.append((schema_pointer, example["value"], f"{pointer}/examples/{name}"))
            for key, value in node.items():
                walk(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")

    walk(DESCRIPTION, "")
    return found


def test_every_example_matches_its_schema():
    examples = examples_with_their_schemas()
    assert len(examples) >= 20
    for schema_pointer, value, where in examples:
        problems = [e.message for e in resolving_validator(schema_pointer).iter_errors(value)]
        assert problems == [], where
