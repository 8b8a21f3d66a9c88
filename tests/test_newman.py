"""The Postman collection in docs/postman/ passes with newman against a live backend.

Two runs:
- default 15-minute access tokens: every request and check passes, and the
  collection's pre-request script never needs to refresh;
- 4-second access tokens and a 5-second wait mid-collection: the token
  expires, and the pre-request script must refresh it (the server's request
  log shows that POST /auth/refresh) before the next request, which passes.

newman comes from npm: `npm ci --prefix tests/newman` installs it into
tests/newman/node_modules (git-ignored).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import skip_or_fail
from live import ROOT

pytestmark = pytest.mark.slow

POSTMAN = ROOT / "docs" / "postman"
COLLECTION = POSTMAN / "silent-refresh.postman_collection.json"
ENVIRONMENT = POSTMAN / "silent-refresh.postman_environment.json"
NEWMAN = ROOT / "tests" / "newman" / "node_modules" / ".bin" / "newman"
ROUTES = {
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("GET", "/aaa"),
    ("GET", "/bbb"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/logout"),
}


def requests_in(items):
    for item in items:
        if "item" in item:
            yield from requests_in(item["item"])
        else:
            yield item


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_collection_is_v2_1_with_every_route_and_an_auto_refresh_script():
    collection = load(COLLECTION)
    assert (
        collection["info"]["schema"]
        == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    )
    routes = {
        (r["request"]["method"], r["request"]["url"]["raw"].replace("{{baseUrl}}", ""))
        for r in requests_in(collection["item"])
    }
    assert routes == ROUTES
    pre = [e for e in collection["event"] if e["listen"] == "prerequest"]
    assert len(pre) == 1
    script = "\n".join(pre[0]["script"]["exec"])
    for needed in (
        "pm.cookies.jar()",
        "csrf_refresh_token",
        "X-CSRF-TOKEN",
        "/auth/refresh",
        "pm.sendRequest",
        "accessTokenExpiresAt",
    ):
        assert needed in script, needed
    assert collection["auth"]["bearer"][0]["value"] == "{{accessToken}}"
    for request in requests_in(collection["item"]):
        tests = [e for e in request.get("event", []) if e["listen"] == "test"]
        assert (
            tests
            and "pm.test(" in "\n".join(tests[0]["script"]["exec"])
            or request["name"].startswith("Let ")
        ), f"{request['name']} checks nothing"
    environment = load(ENVIRONMENT)
    keys = {v["key"] for v in environment["values"]}
    assert {
        "baseUrl",
        "username",
        "password",
        "accessToken",
        "accessTokenExpiresAt",
        "waitSeconds",
    } <= keys


def run_newman(server_url: str, tmp_path: Path, **env_vars) -> tuple[dict, dict]:
    if not shutil.which("node"):
        skip_or_fail(
            "newman not installed: no node on PATH"
            " (install Node 20+, then npm ci --prefix tests/newman)"
        )
    if not NEWMAN.exists():
        skip_or_fail("newman not installed: run npm ci --prefix tests/newman")
    report, final_env = tmp_path / "newman.json", tmp_path / "environment.json"
    command = [
        str(NEWMAN),
        "run",
        str(COLLECTION),
        "-e",
        str(ENVIRONMENT),
        "--env-var",
        f"baseUrl={server_url}",
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
        "--export-environment",
        str(final_env),
        "--color",
        "off",
        "--disable-unicode",
    ]
    for key, value in env_vars.items():
        command += ["--env-var", f"{key}={value}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"newman failed:\n{done.stdout}\n{done.stderr}"
    variables = {v["key"]: v["value"] for v in load(final_env)["values"]}
    return load(report)["run"], variables


def refresh_calls(server) -> list[int]:
    """Statuses of POST /auth/refresh in the server's request log (REQUEST_LOG=true)."""
    statuses = []
    for line in server.log().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry["method"] == "POST" and entry["path"].split("?")[0] == "/auth/refresh":
                statuses.append(entry["status"])
    return statuses


def check_run(run: dict) -> None:
    requests_in_collection = len(list(requests_in(load(COLLECTION)["item"])))
    assert run["stats"]["requests"]["failed"] == 0
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["failures"] == []
    # (a pm.sendRequest made by a script shows up as one more execution of its item)
    executed = list(dict.fromkeys(e["item"]["name"] for e in run["executions"]))
    assert len(executed) == requests_in_collection, executed
    assert run["stats"]["assertions"]["total"] >= requests_in_collection


def test_newman_runs_the_collection_without_needing_a_silent_refresh(live_backend, tmp_path):
    server = live_backend(REQUEST_LOG="true")
    run, variables = run_newman(server.url, tmp_path)
    check_run(run)
    # Only the collection's own refresh requests: the two explicit rotations
    # (200), the replayed and revoked tokens, the missing CSRF header, after logout.
    assert refresh_calls(server) == [200, 200, 401, 401, 401, 401]
    assert variables.get("silentRefreshCount", "0") in ("", "0")


def test_newman_refreshes_silently_when_the_token_expires_mid_collection(live_backend, tmp_path):
    ttl, wait = 4, 5  # the wait IS the scenario: the token has to age past its expiry
    server = live_backend(REQUEST_LOG="true", ACCESS_TOKEN_TTL=ttl)
    run, variables = run_newman(server.url, tmp_path, waitSeconds=wait)
    check_run(run)
    assert int(variables["silentRefreshCount"]) >= 1
    calls = refresh_calls(server)
    assert calls.count(200) >= 2, calls  # the explicit rotation, and at least one silent refresh
    # The request right after the wait was preceded by a passing silent-refresh check.
    names = [
        a["assertion"]
        for e in run["executions"]
        if e["item"]["name"].startswith("Call /bbb (silently")
        for a in e.get("assertions", [])
        if not a.get("error")
    ]
    assert "silent refresh before /bbb answers 200" in names, names
    assert "after the wait the request went out with a new access token" in names, names
