"""Benchmark the production entry point: gunicorn on 127.0.0.1, SQLite and PostgreSQL.

    .venv/bin/python bench/server.py            # what `make bench` runs
    .venv/bin/python bench/server.py --help     # duration, concurrency, workers, ...

First it measures /aaa ÷ /health alone (guarded_ratio below: gunicorn -w 2,
SQLite, wrk -t2 -c16 or the Python generator, 1 s slices taking turns) and
prints the median and spread of the per-pair ratios; target >= 0.9.

Then, for each database, it starts `gunicorn -c backend/gunicorn.conf.py` with
APP_ENV=production, then loads five routes in turn with a fixed number of
virtual users, each run bounded in time (--duration) and in count:

  (a) GET /health        unguarded
  (b) GET /aaa           guarded: verifies the access token, no database
  (c) POST /auth/refresh each virtual user logs in once, then rotates its cookie
  (d) POST /auth/login   one password check (scrypt) per request
  (e) GET /sessions      a user with 3 sessions x 1,000 rotations (its own user)

and prints requests/s, p50/p99 latency, the workers' CPU time per request,
and ratios measured in this same run. The scenarios take turns in short
slices (a b c d e a b c d e ...), so a burst of other work on the machine hits
them all alike. (a) and (b) also run under wrk when it is installed; every
figure says which generator produced it.

Only 127.0.0.1 is ever targeted. SQLite uses a temporary file. PostgreSQL
uses BENCH_DATABASE_URL or TEST_DATABASE_URL (in a schema of its own, dropped
afterwards); without either, as root with Debian's PostgreSQL installed, it
runs .ci/postgres.sh to start the local cluster with a database of its own;
otherwise it prints "skipped PostgreSQL: <why>".
"""

import argparse
import glob
import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.client import HTTPConnection
from importlib.metadata import version
from pathlib import Path

import loadgen
from loadgen import HOST, Result

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCHEMA = "silent_refresh_bench"
USERNAME = "bench"
# GET /sessions is measured for a user of its own: the other scenarios log
# the bench user in over and over, and each login is one more session.
SESSIONS_USER = "bench-sessions"


# --- databases ----------------------------------------------------------------


def postgres_url() -> tuple[str | None, str]:
    """(URL, where it came from), or (None, why there is none)."""
    for name in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url:
            if not url.startswith("postgresql"):
                return None, f"{name} is not a postgresql+psycopg:// URL"
            return url, name
    if os.environ.get("BENCH_START_POSTGRES", "1") == "0":
        return None, "no TEST_DATABASE_URL, and BENCH_START_POSTGRES=0"
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres"):
        return (
            None,
            "no TEST_DATABASE_URL, and Debian's PostgreSQL is not installed"
            " (apt-get install postgresql)",
        )
    if os.geteuid() != 0:
        return (
            None,
            "no TEST_DATABASE_URL, and starting the local cluster needs root"
            " (sudo .ci/postgres.sh)",
        )
    started = subprocess.run(
        ["bash", str(ROOT / ".ci/postgres.sh")],
        capture_output=True,
        text=True,
        env={**os.environ, "PGTEST_DB": "silent_refresh_bench"},
        timeout=300,
    )
    found = re.search(r"TEST_DATABASE_URL='([^']+)'", started.stdout)
    if started.returncode != 0 or not found:
        return None, ".ci/postgres.sh failed: " + started.stderr.strip()[-300:]
    return found.group(1), ".ci/postgres.sh (local cluster, database silent_refresh_bench)"


def in_own_schema(url: str) -> str:
    """The same server and database, with every table in SCHEMA: the bench
    never touches tables it did not create."""
    from sqlalchemy.engine import make_url

    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={SCHEMA}"})
        .render_as_string(hide_password=False)
    )


def postgres_schema(url: str, create: bool) -> str:
    """Drop SCHEMA (and create it afresh); returns the server's version."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            if create:
                connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
            return connection.exec_driver_sql("SHOW server_version").scalar()
    finally:
        engine.dispose()


# --- the server -------------------------------------------------------------


class Gunicorn:
    """`make serve`'s command on a free loopback port, with its own log file."""

    def __init__(self, env: dict, workers: int, log_path: Path):
        import socket

        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.log_path = log_path
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "backend/gunicorn.conf.py",
                "--workers",
                str(workers),
                "--bind",
                f"{HOST}:{self.port}",
                "backend:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=1):
                    break
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = log_path.read_text()[-2000:]
                    raise RuntimeError("gunicorn did not start:\n" + log) from error
                time.sleep(0.1)

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the master and its workers."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            for stat in glob.glob("/proc/[0-9]*/stat"):
                try:
                    fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # the process ended meanwhile
                pid, ppid = int(stat.split("/")[2]), int(fields[1])
                if self.process.pid in (pid, ppid):
                    total += int(fields[11]) + int(fields[12])  # utime, stime
        except (ValueError, IndexError):
            return None
        return total / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def login(port: int, password: str) -> str:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/auth/login",
        method="POST",
        data=json.dumps({"username": USERNAME, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


def run_interleaved(server: Gunicorn, loads: list, args) -> list[Result]:
    """Run every load in turn, one time slice each, `args.slices` times over:
    a burst of other work on the machine then hits all scenarios alike, and
    the ratios between them stay meaningful. Each slice's worker CPU time is
    charged to the scenario that ran in it."""
    for load in loads:
        load.setup()
    cpu = {id(load): 0.0 for load in loads}
    for _ in range(args.slices):
        for load in loads:
            remaining = args.max_requests - load.result.requests
            if remaining <= 0:
                continue
            before = server.cpu_seconds()
            load.run_slice(args.duration / args.slices, remaining)
            after = server.cpu_seconds()
            if before is None or after is None:
                cpu[id(load)] = None
            elif cpu[id(load)] is not None:
                cpu[id(load)] += after - before
    for load in loads:
        if cpu[id(load)] is not None and load.result.requests:
            load.result.server_cpu_ms = cpu[id(load)] / load.result.requests * 1000
    return [load.result for load in loads]


def server_env(url: str) -> tuple[dict, str]:
    """The environment `make serve` would get, and the bench user's password."""
    password = secrets.token_urlsafe(16)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REQUEST_LOG", "TRUSTED_PROXY_COUNT", "REFRESH_DELAY_MS", "LOGIN_RATE_LIMIT")
    }
    env.update(
        APP_ENV="production",
        JWT_SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=url,
        REQUEST_LOG="false",
        ACCESS_TOKEN_TTL="900",
    )
    for username in (USERNAME, SESSIONS_USER):
        subprocess.run(
            [str(BIN / "flask"), "--app", "backend", "create-user", username]
            + ["--password", password],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env, password


def sessions_user_token(port: int, password: str, sessions: int, rotations: int) -> str:
    """Log SESSIONS_USER in `sessions` times and rotate each session
    `rotations` times (thousands of spent rows per family, as a long-lived
    login leaves behind); return the last session's access token."""
    body = json.dumps({"username": SESSIONS_USER, "password": password})
    for _ in range(sessions):
        connection = HTTPConnection(HOST, port, timeout=30)
        connection.request("POST", "/auth/login", body, {"Content-Type": "application/json"})
        for step in range(rotations + 1):
            response = connection.getresponse()
            payload = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"sessions set-up: {response.status} {payload}")
            cookies = dict(
                header.split(";", 1)[0].split("=", 1)
                for header in response.headers.get_all("Set-Cookie")
            )
            if step == rotations:
                break
            connection.request(
                "POST",
                "/auth/refresh",
                headers={
                    "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                    "X-CSRF-TOKEN": cookies["csrf_refresh_token"],
                },
            )
        connection.close()
    return payload["access_token"]


def slice_rps(load, seconds: float) -> float:
    """Run one slice of `load`; its requests/s in that slice alone."""
    requests, elapsed = load.result.requests, load.result.elapsed
    load.run_slice(seconds, 1_000_000)
    return (load.result.requests - requests) / max(load.result.elapsed - elapsed, 1e-9)


def guarded_ratio(args, workdir: Path) -> dict:
    """/aaa ÷ /health, the guard's whole cost as a throughput ratio.

    One gunicorn (--ratio-workers, 2) on SQLite; 1-second slices that
    alternate between the two routes, --ratio-pairs times (ABBA order, so a
    trend in the machine's load hits both alike). Each pair gives one ratio;
    the median and the spread of those ratios are reported."""
    path = workdir / "ratio.sqlite"
    env, password = server_env(f"sqlite:///{path}")
    server = Gunicorn(env, args.ratio_workers, workdir / "gunicorn-ratio.log")
    try:
        bearer = {"Authorization": f"Bearer {login(server.port, password)}"}
        if args.wrk:
            make, generator = (
                loadgen.WrkLoad,
                f"wrk -t{loadgen.WRK_THREADS} -c{args.ratio_connections}",
            )
        else:
            make, generator = loadgen.PythonLoad, f"python, {args.ratio_connections} users"
        health = make("/health", server.port, path="/health", concurrency=args.ratio_connections)
        aaa = make(
            "/aaa", server.port, path="/aaa", headers=bearer, concurrency=args.ratio_connections
        )
        for load in (health, aaa):  # warm-up, unmeasured
            load.setup()
            slice_rps(load, 1.0)
        health_rps, aaa_rps, ratios = [], [], []
        cpu = {id(health): 0.0, id(aaa): 0.0}
        for pair in range(args.ratio_pairs):
            order = (health, aaa) if pair % 2 == 0 else (aaa, health)
            measured = {}
            for load in order:
                before = server.cpu_seconds()
                measured[id(load)] = slice_rps(load, 1.0)
                after = server.cpu_seconds()
                cpu[id(load)] = (
                    None
                    if None in (before, after, cpu[id(load)])
                    else cpu[id(load)] + after - before
                )
            health_rps.append(measured[id(health)])
            aaa_rps.append(measured[id(aaa)])
            ratios.append(measured[id(aaa)] / measured[id(health)])
        # Worker CPU per request hardly depends on what else the machine runs.
        cpu_ms = {
            key: None if used is None else used / max(load.result.requests, 1) * 1000
            for key, used, load in (
                (id(health), cpu[id(health)], health),
                (id(aaa), cpu[id(aaa)], aaa),
            )
        }
        return {
            "generator": generator,
            "health": health_rps,
            "aaa": aaa_rps,
            "ratios": ratios,
            "health_cpu_ms": cpu_ms[id(health)],
            "aaa_cpu_ms": cpu_ms[id(aaa)],
            "errors": health.result.errors + aaa.result.errors,
        }
    finally:
        server.stop()


def print_guarded_ratio(figures: dict, workers: int) -> None:
    ratios = sorted(figures["ratios"])
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    print()
    print(
        f"Guarded ÷ unguarded throughput, /aaa ÷ /health: gunicorn -w {workers}, SQLite,"
        f" {figures['generator']}, {len(ratios)} pairs of 1 s slices taking turns (target >= 0.9):"
    )
    print()
    health_cpu, aaa_cpu = figures["health_cpu_ms"], figures["aaa_cpu_ms"]
    cpu_ratio = health_cpu / aaa_cpu if health_cpu and aaa_cpu else None
    print(
        "| /health req/s (median) | /aaa req/s (median) | /aaa ÷ /health median | spread (min–max) "
        "| middle half (quartiles) | worker CPU ms/req /health, /aaa | CPU ratio /health ÷ /aaa "
        "| errors |"
    )
    print("|---:|---:|---:|---|---|---|---:|---:|")
    print(
        f"| {statistics.median(figures['health']):,.0f} | {statistics.median(figures['aaa']):,.0f} "
        f"| **{statistics.median(ratios):.2f}** | {ratios[0]:.2f}–{ratios[-1]:.2f} "
        f"| {quartiles[0]:.2f}–{quartiles[2]:.2f} | {fmt(health_cpu, 2)}, {fmt(aaa_cpu, 2)} "
        f"| {fmt(cpu_ratio, 2)} | {figures['errors']} |"
    )


def bench_database(name: str, url: str, args, workdir: Path) -> list[Result]:
    env, password = server_env(url)
    server = Gunicorn(env, args.workers, workdir / f"gunicorn-{name}.log")
    try:
        port = server.port
        bearer = {"Authorization": f"Bearer {login(port, password)}"}
        token = sessions_user_token(port, password, 3, args.session_rotations)
        sessions_bearer = {"Authorization": f"Bearer {token}"}
        users = dict(concurrency=args.concurrency)
        # Warm every worker up (imports, first database connection), unmeasured.
        warm = [
            loadgen.PythonLoad("warm-up", port, path="/aaa", headers=bearer, **users),
            loadgen.PythonLoad("warm-up", port, refresh_as=(USERNAME, password), **users),
        ]
        for load in warm:
            load.setup()
            load.run_slice(1.0, 5000)

        results = run_interleaved(
            server,
            [
                loadgen.PythonLoad("(a) /health", port, path="/health", **users),
                loadgen.PythonLoad("(b) /aaa", port, path="/aaa", headers=bearer, **users),
                loadgen.PythonLoad(
                    "(c) /auth/refresh", port, refresh_as=(USERNAME, password), **users
                ),
                loadgen.PythonLoad(
                    "(d) /auth/login",
                    port,
                    method="POST",
                    path="/auth/login",
                    body={"username": USERNAME, "password": password},
                    **users,
                ),
                loadgen.PythonLoad(
                    "(e) /sessions", port, path="/sessions", headers=sessions_bearer, **users
                ),
            ],
            args,
        )
        if args.wrk:
            results[1:1] = run_interleaved(
                server,
                [
                    loadgen.WrkLoad("(a) /health", port, path="/health", **users),
                    loadgen.WrkLoad("(b) /aaa", port, path="/aaa", headers=bearer, **users),
                ],
                args,
            )
        return sorted(results, key=lambda r: (r.scenario, r.generator != "python"))
    finally:
        server.stop()


# --- the report -----------------------------------------------------------------


def password_check_ms() -> tuple[float, str]:
    """CPU cost of one password check with the backend's own hashing."""
    from werkzeug.security import check_password_hash, generate_password_hash

    stored = generate_password_hash("bench-password")
    timings = []
    for _ in range(5):
        started = time.process_time()
        check_password_hash(stored, "bench-password")
        timings.append(time.process_time() - started)
    return statistics.median(timings) * 1000, stored.split("$", 1)[0]


def token_check_us(workdir: Path) -> tuple[float, float]:
    """CPU cost of the /aaa guard alone, in µs: flask-jwt-extended's full
    verify_jwt_in_request(locations=["headers"]) with the app's own config,
    and a hit in the guard's cache of verified tokens (backend/guard.py)."""
    os.environ.setdefault("JWT_SECRET_KEY", secrets.token_hex(32))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'token-check.sqlite'}"
    sys.path.insert(0, str(ROOT))
    from flask_jwt_extended import create_access_token, verify_jwt_in_request

    from backend import create_app
    from backend.guard import verified_claims

    app = create_app()
    with app.app_context():
        claims = {"username": USERNAME, "sid": "bench", "auth_time": int(time.time())}
        token = create_access_token("1", additional_claims=claims)
    rounds, costs = 2000, []
    for check in (lambda: verify_jwt_in_request(locations=["headers"]), verified_claims):
        with app.test_request_context("/aaa", headers={"Authorization": f"Bearer {token}"}):
            check()
            started = time.process_time()
            for _ in range(rounds):
                check()
            costs.append((time.process_time() - started) / rounds * 1e6)
    return costs[0], costs[1]


def fmt(value, digits=1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(numerator: Result | None, denominator: Result | None) -> float | None:
    if numerator is None or denominator is None or not denominator.rps:
        return None
    return numerator.rps / denominator.rps


def report(all_results: dict[str, list[Result]], costs: dict) -> int:
    print()
    print(
        "| database | scenario | generator | requests | req/s | p50 ms | p99 ms "
        "| worker CPU ms/req | errors |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for database, results in all_results.items():
        for r in results:
            print(
                f"| {database} | {r.scenario} | {r.generator} | {r.requests:,} | {fmt(r.rps)} | "
                f"{fmt(r.p50_ms, 2)} | {fmt(r.p99_ms, 2)} | {fmt(r.server_cpu_ms, 2)} "
                f"| {r.errors} |"
            )
    print()
    print("Ratios, each from this run (same server, same generator):")
    print()
    print(
        "| database | guarded/unguarded req/s | guarded/unguarded worker CPU "
        "| refresh/unguarded req/s | login/unguarded req/s | sessions/guarded req/s |"
    )
    print("|---|---|---:|---:|---:|---:|")
    failures = 0
    for database, results in all_results.items():
        pick = {(r.scenario[:3], r.generator): r for r in results}
        health, aaa = pick.get(("(a)", "python")), pick.get(("(b)", "python"))
        guarded = [
            f"{fmt(ratio(pick.get(('(b)', g)), pick.get(('(a)', g))), 2)} ({g})"
            for g in ("wrk", "python")
            if ("(a)", g) in pick
        ]
        cpu = (
            aaa.server_cpu_ms / health.server_cpu_ms
            if health and aaa and health.server_cpu_ms and aaa.server_cpu_ms
            else None
        )
        print(
            f"| {database} | {', '.join(guarded)} | {fmt(cpu, 2)} | "
            f"{fmt(ratio(pick.get(('(c)', 'python')), health), 2)} (python) | "
            f"{fmt(ratio(pick.get(('(d)', 'python')), health), 3)} (python) | "
            f"{fmt(ratio(pick.get(('(e)', 'python')), aaa), 2)} (python) |"
        )
        failures += sum(r.errors for r in results)
    print()
    cores = os.cpu_count() or 1
    cached = (
        f" A token already seen is answered from the guard's cache of verified tokens"
        f" (backend/guard.py) for {costs['cached_us']:.0f} us."
        if costs.get("cached_us") is not None
        else ""
    )
    print(
        "- guarded/unguarded, target >= 0.9: /aaa makes no database query (so SQLite and"
        " PostgreSQL do not matter), but verifying an access token in full costs CPU:"
        f" {costs['token_us']:.0f} us"
        f" in-process here (PyJWT {version('pyjwt')}, flask-jwt-extended"
        f" {version('flask-jwt-extended')}, which decodes each token twice).{cached} Every virtual"
        " user here sends the same token, as a browser does for 15 minutes."
    )
    print(
        "- refresh/unguarded: a refresh verifies the cookie's JWT and CSRF value, spends one row"
        " (conditional UPDATE), inserts the next one and commits: one write transaction per"
        " request."
    )
    print(
        "- sessions/guarded: GET /sessions ÷ GET /aaa, for a user with 3 sessions of"
        f" {costs['session_rotations']:,} rotations each: one indexed query over the live rows"
        " only (the partial index in backend/models.py), however many spent rows there are."
    )
    print(
        f"- login/unguarded: one password check ({costs['hash_method']}) costs"
        f" {costs['hash_ms']:.0f} ms of CPU, on purpose (it makes guessing passwords slow):"
        f" {cores} cores allow at most ~{cores * 1000 / costs['hash_ms']:.0f} logins/s,"
        " whatever the database. Access-token checks"
        " and refreshes never hash a password."
    )
    print(
        "- The python generator shares the CPU with the server; wrk (when installed) needs far"
        " less, so its throughput figures are closer to the server's own limit. The worker-CPU"
        " column does"
        " not depend on the generator."
    )
    if failures:
        print(f"\n{failures} request(s) failed.")
    return 1 if failures else 0


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=4.0,
        help="seconds of load per scenario (default 4, at most 30)",
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=4,
        help="the scenarios take turns in this many slices (default 4: 1 s each)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="virtual users / connections (default 8)"
    )
    parser.add_argument(
        "--session-rotations",
        type=int,
        default=1000,
        help="rotations per session of the GET /sessions user (default 1000; 3 sessions)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (default 2 x cores + 1, as backend/gunicorn.conf.py)",
    )
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help="cap per scenario (default 50000)"
    )
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated (default both)"
    )
    parser.add_argument(
        "--generator",
        choices=["auto", "python"],
        default="auto",
        help="auto: also run (a) and (b) under wrk when installed",
    )
    parser.add_argument(
        "--ratio-pairs",
        type=int,
        default=20,
        help="/aaa ÷ /health: pairs of 1 s slices (default 20; 0 skips it)",
    )
    parser.add_argument(
        "--ratio-workers", type=int, default=2, help="/aaa ÷ /health: gunicorn workers (default 2)"
    )
    parser.add_argument(
        "--ratio-connections",
        type=int,
        default=16,
        help="/aaa ÷ /health: connections (default 16, as wrk -c16)",
    )
    parser.add_argument("--only-ratio", action="store_true", help="measure /aaa ÷ /health only")
    parser.add_argument("--keep", metavar="DIR", help="keep databases and gunicorn logs in DIR")
    args = parser.parse_args()
    if not (
        0 < args.duration <= 30
        and 0 < args.concurrency <= 64
        and 0 < args.max_requests <= 1_000_000
        and 0 < args.slices <= args.duration
        and 0 <= args.ratio_pairs <= 60
        and 0 < args.ratio_workers <= 16
        and 0 < args.ratio_connections <= 64
    ):
        parser.error(
            "bounded runs only: 0 < duration <= 30, 0 < concurrency <= 64, "
            "0 < max-requests <= 1000000, 0 < slices <= duration (slices of 1 s or more), "
            "ratio-pairs <= 60, ratio-workers <= 16, ratio-connections <= 64"
        )
    args.wrk = args.generator == "auto" and loadgen.wrk_available()

    started = time.monotonic()
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    print(
        f"bench/server.py: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"gunicorn {version('gunicorn')} with {args.workers} sync workers, APP_ENV=production"
    )
    print(
        f"load: {args.concurrency} concurrent users on {HOST}, a new connection per request;"
        f" per scenario {args.duration:g} s or {args.max_requests:,} requests, whichever comes"
        f" first, in {args.slices}"
        " slices taking turns with the other scenarios"
    )
    print(
        "generators: python (asyncio, bench/loadgen.py) for every scenario"
        + (
            "; wrk also for (a) and (b)"
            if args.wrk
            else "; wrk not used ("
            + (
                "--generator python"
                if args.generator == "python"
                else "not installed: apt-get install wrk; the Python generator measures alone"
            )
            + ")"
        )
    )
    workdir = (
        Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="silent-refresh-bench-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    hash_ms, hash_method = password_check_ms()
    token_us, cached_us = token_check_us(workdir)
    costs = {
        "session_rotations": args.session_rotations,
        "hash_ms": hash_ms,
        "hash_method": hash_method,
        "token_us": token_us,
        "cached_us": cached_us,
    }
    print(
        f"one access-token check, in-process: {token_us:.0f} µs in full (flask-jwt-extended),"
        + (f" {cached_us:.0f} µs from the guard's cache" if cached_us is not None else " no cache")
    )
    print(
        f"load average before: {load_average()} (other work on this machine skews throughput;"
        " worker CPU per request much less)"
    )
    ratio = None
    if args.ratio_pairs:
        ratio = guarded_ratio(args, workdir)
        print_guarded_ratio(ratio, args.ratio_workers)
        print()
    all_results = {}
    databases = (
        [] if args.only_ratio else [d.strip() for d in args.databases.split(",") if d.strip()]
    )
    for database in databases:
        if database == "sqlite":
            path = workdir / "bench.sqlite"
            for leftover in workdir.glob("bench.sqlite*"):
                leftover.unlink()
            print(f"SQLite {sqlite3.sqlite_version}: {path} (WAL)")
            all_results["SQLite"] = bench_database("sqlite", f"sqlite:///{path}", args, workdir)
        elif database == "postgresql":
            url, source = postgres_url()
            if url is None:
                print(f"skipped PostgreSQL: {source}")
                continue
            try:
                server_version = postgres_schema(url, create=True)
            except Exception as error:  # no server, wrong password, no CREATE privilege
                print(
                    f"skipped PostgreSQL: cannot prepare schema {SCHEMA}"
                    f" ({error.__class__.__name__}: "
                    f"{str(error).strip().splitlines()[0]})"
                )
                continue
            print(f"PostgreSQL {server_version}: {source}, schema {SCHEMA} (dropped afterwards)")
            try:
                all_results["PostgreSQL"] = bench_database(
                    "postgresql", in_own_schema(url), args, workdir
                )
            finally:
                postgres_schema(url, create=False)
        else:
            parser.error(f"unknown database {database!r}")
    if all_results or ratio:
        status = report(all_results, costs) if all_results else 0
        if ratio:
            print_guarded_ratio(ratio, args.ratio_workers)
            status = status or (1 if ratio["errors"] else 0)
        print(f"load average after: {load_average()}")
    else:
        status = 1
        print("nothing was measured")
    if args.keep or (status and all_results):
        print(f"databases and gunicorn logs kept in {workdir}")
    else:
        shutil.rmtree(workdir)
    print(f"\nbench/server.py took {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
