"""The blog versions of the axios interceptor, and axios-auth-refresh,
measured against the real backend (docs/17-the-classic-blog-code.md).

Each test starts a live backend (tests/live.py) whose refresh takes
REFRESH_DELAY_MS, as over a real network, so that the 401s of a burst come
back while the refresh runs. It then runs one scenario of
tests/js/blog/scenarios.mjs in Node (axios, with the runnable copies in
tests/js/blog/), which prints what every caller got; the backend's request
log (REQUEST_LOG) says what the server saw. Expired tokens are real: the
token's own claims, re-signed with `exp` in the past, so the server answers
401 token_expired.

axios and axios-auth-refresh are test-only dependencies, pinned in
tests/axios/package-lock.json: `npm ci --prefix tests/axios`
(`make test` does it).
"""

import json
import os
import shutil
import subprocess

import pytest
from helpers import TEST_SECRET, skip_or_fail
from live import ROOT, flask_cli

pytestmark = pytest.mark.slow

NODE_MODULES = ROOT / "tests" / "axios" / "node_modules"
SCENARIOS = ROOT / "tests" / "js" / "blog" / "scenarios.mjs"
REFRESH_DELAY_MS = 200


@pytest.fixture
def backend(live_backend):
    if not shutil.which("node"):
        skip_or_fail("the blog code runs in Node: no node on PATH (install Node 20+)")
    if not (NODE_MODULES / "axios").exists() or not (NODE_MODULES / "axios-auth-refresh").exists():
        skip_or_fail("axios not installed: run npm ci --prefix tests/axios (make test does)")
    server = live_backend(REQUEST_LOG="true", REFRESH_DELAY_MS=REFRESH_DELAY_MS)
    flask_cli(server.env, "create-user", "alice", "--password", "alice-password", "--exist-ok")
    return server


def run_scenario(server, name: str, options: dict | None = None) -> dict:
    command = ["node", str(SCENARIOS), name] + (
        [json.dumps(options)] if options is not None else []
    )
    env = {**os.environ, "API_URL": server.url, "JWT_SECRET_KEY": TEST_SECRET}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def phases(server) -> list[list[dict]]:
    """The request log, split at each GET /health: [before the first mark,
    after mark 1, after mark 2, ...]. The scenario's marks are the last
    /health lines (tests/live.py polls /health once before)."""
    entries = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    split = [[]]
    for entry in entries:
        if entry["path"] == "/health":
            split.append([])
        else:
            split[-1].append(entry)
    return split


def count(entries, method, path, status=None) -> int:
    return sum(
        1
        for e in entries
        if e["method"] == method and e["path"] == path and (status is None or e["status"] == status)
    )


def states(results) -> list[str]:
    return [r["state"] for r in results]


def test_the_subscribers_queue_is_never_emptied_so_every_refresh_resends_every_request_ever_queued(
    backend,
):
    result = run_scenario(backend, "never-emptied-queue")
    # Every caller gets its data: the bug is invisible from the callers' side...
    for round_ in result["rounds"]:
        assert states(round_["results"]) == ["fulfilled"] * 4
        assert {r["user"] for r in round_["results"]} == {"demo"}
    # ...and the server sees 4 replays, then 7, then 10, for bursts of 4 calls:
    # each refresh calls every callback ever queued again.
    rounds = phases(backend)[-4:-1]
    assert [count(r, "GET", "/aaa", 401) for r in rounds] == [4, 4, 4]
    assert [count(r, "GET", "/aaa", 200) for r in rounds] == [4, 7, 10]
    assert [count(r, "POST", "/auth/refresh", 200) for r in rounds] == [1, 1, 1]
    assert [round_["gets"] for round_ in result["rounds"]] == [8, 11, 14]


def test_the_const_queue_version_throws_a_typeerror_at_the_caller_that_started_the_refresh(backend):
    result = run_scenario(backend, "const-queue")
    typeerror = {
        "state": "rejected",
        "name": "TypeError",
        "message": "Assignment to constant variable.",
        "status": None,
        "code": None,
    }
    # One expired call: the refresh works, and its caller gets a TypeError.
    assert result["single"] == [typeerror]
    # A burst of 3: the two that queued are replayed; the one that refreshed fails.
    assert sorted(states(result["burst"])) == ["fulfilled", "fulfilled", "rejected"]
    assert [r for r in result["burst"] if r["state"] == "rejected"] == [typeerror]
    (log,) = phases(backend)[-1:]
    assert count(log, "POST", "/auth/refresh") == count(log, "POST", "/auth/refresh", 200) == 2
    # 4 calls, 4 first attempts with 401, and only the 2 queued ones replayed.
    assert count(log, "GET", "/aaa", 401) == 4
    assert count(log, "GET", "/aaa", 200) == 2


def test_the_is_refreshing_queue_wakes_requests_left_by_a_failed_refresh_at_the_next_users_refresh(
    backend,
):
    result = run_scenario(backend, "is-refreshing-queue")
    # The burst it was written for works: one refresh, five replays.
    assert states(result["healthy"]) == ["fulfilled"] * 5
    # demo's refresh is refused (revoked): the caller that started it fails...
    # (Which of the 3 calls starts the refresh is whichever 401 the client
    # reads first, not always i=0: the calls travel on separate connections.)
    after_failure = result["afterFailure"]
    queued = [i for i, entry in enumerate(after_failure) if entry["state"] == "pending"]
    starter = [entry for entry in after_failure if entry["state"] != "pending"]
    assert starter == [
        {
            "state": "rejected",
            "name": "AxiosError",
            "message": "Request failed with status code 401",
            "status": 401,
            "code": "token_revoked",
        }
    ]
    # ...and the two queued behind it neither fail nor replay: still waiting.
    assert len(queued) == 2
    # alice logs in on the same page; her first refresh wakes demo's requests,
    # which replay with alice's token and return alice's data to demo's code.
    assert result["alice"]["user"] == "alice"
    at_the_end = result["demoCallsAtTheEnd"]
    assert [
        (at_the_end[i]["state"], at_the_end[i]["user"], at_the_end[i]["data"]) for i in queued
    ] == [("fulfilled", "alice", "aaa")] * 2
    healthy, revoked, alice = phases(backend)[-3:]
    assert count(healthy, "POST", "/auth/refresh", 200) == 1
    assert count(revoked, "POST", "/auth/refresh", 401) == 1
    assert count(revoked, "GET", "/aaa", 200) == 0
    assert count(alice, "POST", "/auth/refresh", 200) == 1
    assert count(alice, "GET", "/bbb", 200) == 1
    assert count(alice, "GET", "/aaa", 200) == 2  # demo's two requests, on alice's session


def test_the_refresh_promise_version_hangs_every_caller_when_the_refresh_is_refused(backend):
    result = run_scenario(backend, "refresh-promise")
    assert states(result["healthy"]) == ["fulfilled"] * 5
    # The refused refresh went through the same interceptor and awaits itself:
    # once the network is quiet, all three callers are still waiting, for good.
    assert states(result["failed"]) == ["pending"] * 3
    healthy, revoked = phases(backend)[-2:]
    assert count(healthy, "POST", "/auth/refresh") == 1
    assert (
        count(revoked, "POST", "/auth/refresh") == count(revoked, "POST", "/auth/refresh", 401) == 1
    )
    assert count(revoked, "GET", "/aaa") == 3  # the three first attempts; nothing after the refusal


def auth_refresh_version() -> str:
    return json.loads((NODE_MODULES / "axios-auth-refresh" / "package.json").read_text())["version"]


def test_axios_auth_refresh_with_default_options_fails_9_of_10_concurrent_expired_calls(backend):
    assert auth_refresh_version() == "5.0.2"  # the figures below are this version's
    result = run_scenario(backend, "axios-auth-refresh", {})
    # The first 401 starts the refresh; the 9 that arrive while it runs are
    # handed to their callers as they are (reported upstream as axios-auth-refresh #307).
    assert sorted(states(result["results"])) == ["fulfilled"] + ["rejected"] * 9
    rejected = [r for r in result["results"] if r["state"] == "rejected"]
    assert {(r["status"], r["code"]) for r in rejected} == {(401, "token_expired")}
    (log,) = phases(backend)[-1:]
    assert count(log, "POST", "/auth/refresh") == count(log, "POST", "/auth/refresh", 200) == 1
    assert count(log, "GET", "/aaa", 200) == 1


def test_axios_auth_refresh_with_deduplicate_refresh_false_passes_all_10_on_one_refresh(backend):
    assert auth_refresh_version() == "5.0.2"
    result = run_scenario(backend, "axios-auth-refresh", {"deduplicateRefresh": False})
    assert states(result["results"]) == ["fulfilled"] * 10
    (log,) = phases(backend)[-1:]
    assert count(log, "POST", "/auth/refresh") == count(log, "POST", "/auth/refresh", 200) == 1
    assert count(log, "GET", "/aaa", 401) == 10
    assert count(log, "GET", "/aaa", 200) == 10
