"""Benchmark the stack: GET /aaa through nginx, to one app server and to two.

    .venv/bin/python bench/stack.py            # what `make bench` runs after bench/server.py
    .venv/bin/python bench/stack.py --help

It starts the stack of `make stack` (backend/deploy/stack.py: Redis, a
throwaway PostgreSQL cluster of its own, two gunicorn app servers) plus a
second nginx in front of app server A alone, then loads three targets in
turn, one short slice each, round-robin (so other work on the machine hits
them alike), and prints req/s with the ratios of this one run:

  (1) app server A directly     one gunicorn, no nginx: the single-server figure
  (2) nginx -> app server A     what the proxy costs
  (3) nginx -> A + B            what a second app server adds (the scaling ratio)

/aaa verifies an access token and touches no database, so this measures the
app servers and nginx, not PostgreSQL. Only 127.0.0.1 is targeted; the
system's PostgreSQL is never touched. Exits 1 if any request failed.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import loadgen  # noqa: E402  (bench/ is this script's folder, so it is on sys.path)

from backend.deploy.stack import Stack, free_port, missing_tools  # noqa: E402

USERNAME, PASSWORD = "bench", "bench-password-not-secret"


def log_in(url: str) -> str:
    request = urllib.request.Request(
        url + "/api/auth/login",
        method="POST",
        data=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


def run_interleaved(loads: list, args) -> None:
    for _ in range(args.slices):
        for load in loads:
            remaining = args.max_requests - load.result.requests
            if remaining > 0:
                load.run_slice(args.duration / args.slices, remaining)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn workers per app server (default: one per core)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="virtual users (default 16)")
    parser.add_argument(
        "--duration", type=float, default=6.0, help="seconds per target (default 6)"
    )
    parser.add_argument("--slices", type=int, default=6, help="turns per target (default 6)")
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help="per target (default 50,000)"
    )
    args = parser.parse_args()

    if missing := missing_tools():
        print("bench/stack.py skipped: it needs " + "; ".join(missing))
        return 0
    settings = {"REQUEST_LOG": "false", "ACCESS_TOKEN_TTL": "900"}
    with Stack(app_servers=2, workers=args.workers, settings=settings) as stack:
        subprocess.run(
            [
                str(Path(sys.executable).parent / "flask"),
                "--app",
                "backend",
                "create-user",
                USERNAME,
                "--password",
                PASSWORD,
            ],
            cwd=ROOT,
            env=stack.app_env,
            check=True,
            capture_output=True,
        )
        one_port = free_port()
        stack.start_nginx(stack.apps[:1], one_port, name="nginx-one")
        bearer = {"Authorization": "Bearer " + log_in(stack.url)}
        app_a = stack.apps[0]
        targets = [
            ("(1) A directly", app_a.port),
            ("(2) nginx -> A", one_port),
            ("(3) nginx -> A + B", stack.port),
        ]
        users = {"concurrency": args.concurrency, "path": "/api/aaa", "headers": bearer}
        generators = [loadgen.PythonLoad]
        if loadgen.wrk_available():
            generators.append(loadgen.WrkLoad)
        print(
            f"stack: 2 app servers x {args.workers} gunicorn workers, nginx 1 worker,"
            f" {os.cpu_count()} cores, "
            f"{args.concurrency} users, GET /api/aaa, {args.slices} slices of "
            f"{args.duration / args.slices:.1f} s per target, load average {os.getloadavg()[0]:.2f}"
        )
        for generator in generators:
            warm = [generator("warm-up", port, **users) for _name, port in targets]
            for load in warm:
                load.run_slice(0.5, 2_000)
            loads = [generator(name, port, **users) for name, port in targets]
            run_interleaved(loads, args)
            report([load.result for load in loads])
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        failed = any(load.result.errors for load in loads)
    return 1 if failed else 0


def report(results: list) -> None:
    print(
        f"\n  {'target':<22} {'generator':<9} {'requests':>9} {'req/s':>8}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    for r in results:
        p50 = f"{r.p50_ms:.1f}" if r.p50_ms is not None else "-"
        p99 = f"{r.p99_ms:.1f}" if r.p99_ms is not None else "-"
        print(
            f"  {r.scenario:<22} {r.generator:<9} {r.requests:>9} {r.rps:>8.0f}"
            f" {p50:>7} {p99:>7} {r.errors:>6}"
        )
    direct, one, two = (r.rps for r in results)
    if direct and one:
        print(f"  nginx -> A   / A directly : {one / direct:.2f}   (the proxy hop)")
    if one and two:
        print(
            f"  nginx -> A+B / nginx -> A : {two / one:.2f}   (the scaling ratio;"
            " on one host both servers share its cores: see bench/README.md)"
        )


if __name__ == "__main__":
    sys.exit(main())
