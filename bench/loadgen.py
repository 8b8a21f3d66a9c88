"""Bounded load generators for bench/server.py: a small asyncio one, and wrk.

Both only ever connect to 127.0.0.1 (HOST below, not a parameter), and every
run stops at whichever comes first: its duration or its request count.

The Python generator opens one TCP connection per request, as gunicorn's
sync workers answer `Connection: close` anyway. It can also do what wrk
cannot without a long Lua script: each virtual user logs in once, then
refreshes in a loop carrying its own rotating refresh cookie.
"""

import asyncio
import json
import math
import re
import shutil
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"  # the only address this module ever targets
REQUEST_TIMEOUT = 10.0  # seconds; a slower answer counts as an error


@dataclass
class Result:
    scenario: str
    generator: str
    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, Python generator only
    statuses: Counter = field(default_factory=Counter)
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu_ms: float | None = None  # gunicorn workers' CPU time per request

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def finish(self) -> "Result":
        if self.latencies:
            ordered = sorted(self.latencies)
            self.p50_ms = percentile(ordered, 50) * 1000
            self.p99_ms = percentile(ordered, 99) * 1000
        return self


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --- the Python generator -----------------------------------------------------


def build_request(
    port: int, method: str, path: str, headers: dict | None = None, body: dict | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def exchange(port: int, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one request on a new connection; return (status, headers, body)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        headers = [
            tuple(part.strip() for part in line.split(":", 1))
            for line in header_lines
            if ":" in line
        ]
        length = next(
            (int(value) for name, value in headers if name.lower() == "content-length"), None
        )
        body = await (reader.readexactly(length) if length is not None else reader.read())
        return int(status_line.split()[1]), headers, body
    finally:
        writer.close()


class RefreshingUser:
    """One browser: logs in once, then rotates its refresh cookie forever."""

    def __init__(self, port: int, username: str, password: str):
        self.port, self.username, self.password = port, username, password
        self.cookies: dict[str, str] = {}
        self.alive = True

    def keep_cookies(self, headers) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookie_name, cookie_value = value.split(";", 1)[0].split("=", 1)
                self.cookies[cookie_name] = cookie_value

    async def login(self) -> None:
        status, headers, body = await exchange(
            self.port,
            build_request(
                self.port,
                "POST",
                "/auth/login",
                body={"username": self.username, "password": self.password},
            ),
        )
        if status != 200:
            raise RuntimeError(f"bench login failed: {status} {body[:200]!r}")
        self.keep_cookies(headers)

    def refresh_request(self) -> bytes:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return build_request(
            self.port,
            "POST",
            "/auth/refresh",
            headers={"Cookie": cookie, "X-CSRF-TOKEN": self.cookies["csrf_refresh_token"]},
        )


class PythonLoad:
    """One scenario under the Python generator, run in time slices that
    accumulate into one Result (bench/server.py interleaves the scenarios
    slice by slice, so other work on the machine hits them all alike).

    With refresh_as=(user, password), every virtual user logs in once (not
    measured), then refreshes in a loop, carrying its own rotating cookie."""

    def __init__(
        self,
        scenario: str,
        port: int,
        *,
        concurrency: int,
        path: str = "/health",
        method: str = "GET",
        headers: dict | None = None,
        body: dict | None = None,
        refresh_as: tuple[str, str] | None = None,
    ):
        self.port, self.concurrency = port, concurrency
        self.result = Result(scenario, "python")
        self.raw = build_request(port, method, path, headers, body)
        self.users = (
            [RefreshingUser(port, *refresh_as) for _ in range(concurrency)] if refresh_as else None
        )

    def setup(self) -> None:
        async def log_in_all() -> None:
            for user in self.users or []:  # one at a time: logins are slow on purpose
                await user.login()

        asyncio.run(log_in_all())

    def run_slice(self, duration: float, max_requests: int) -> None:
        """Load the route for `duration` seconds or `max_requests` requests,
        whichever comes first; then wait for the requests still in flight."""
        asyncio.run(self._slice(duration, max_requests))

    async def _slice(self, duration: float, max_requests: int) -> None:
        result = self.result
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + duration
        issued = 0

        async def virtual_user(index: int) -> None:
            nonlocal issued
            user = self.users[index] if self.users else None
            while loop.time() < deadline and issued < max_requests and (user is None or user.alive):
                issued += 1
                raw = user.refresh_request() if user else self.raw
                begun = time.perf_counter()
                try:
                    status, headers, _ = await asyncio.wait_for(
                        exchange(self.port, raw), REQUEST_TIMEOUT
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    status, headers = 0, []
                result.latencies.append(time.perf_counter() - begun)
                result.statuses[status] += 1
                if status != 200:
                    result.errors += 1
                    if user:  # a refused refresh ends that user's session
                        user.alive = False
                elif user:
                    user.keep_cookies(headers)

        await asyncio.gather(*(virtual_user(i) for i in range(self.concurrency)))
        result.elapsed += loop.time() - started
        result.requests = sum(result.statuses.values())
        result.finish()


# --- wrk --------------------------------------------------------------------

WRK_SCRIPT = Path(__file__).with_name("wrk_cap.lua")
WRK_THREADS = 2


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


class WrkLoad:
    """One GET scenario under wrk, run in whole-second slices accumulating
    into one Result. wrk reports percentiles per run, so p50 and p99 here
    are the medians of the slices' own p50 and p99."""

    def __init__(
        self,
        scenario: str,
        port: int,
        *,
        concurrency: int,
        path: str = "/health",
        headers: dict | None = None,
    ):
        self.port, self.concurrency, self.path, self.headers = (
            port,
            concurrency,
            path,
            headers or {},
        )
        self.result = Result(scenario, "wrk")
        self._p50s: list[float] = []
        self._p99s: list[float] = []

    def setup(self) -> None:
        pass

    def run_slice(self, duration: float, max_requests: int) -> None:
        per_thread = max(1, math.ceil(max_requests / WRK_THREADS))
        command = [
            "wrk",
            "-t",
            str(WRK_THREADS),
            "-c",
            str(self.concurrency),
            "-d",
            f"{max(1, round(duration))}s",
            "--timeout",
            f"{int(REQUEST_TIMEOUT)}s",
            "--latency",
            "-s",
            str(WRK_SCRIPT),
        ]
        for name, value in self.headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [f"http://{HOST}:{self.port}{self.path}", "--", str(per_thread)]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=duration + 30
        ).stdout
        one = parse_wrk(self.result.scenario, output)
        self.result.requests += one.requests
        self.result.elapsed += one.elapsed
        self.result.errors += one.errors
        self._p50s.append(one.p50_ms)
        self._p99s.append(one.p99_ms)
        self.result.p50_ms = statistics.median(v for v in self._p50s if v is not None)
        self.result.p99_ms = statistics.median(v for v in self._p99s if v is not None)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(scenario: str, output: str) -> Result:
    result = Result(scenario, "wrk")
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if not done:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    result.requests = int(done.group(1))
    result.elapsed = float(done.group(2)) * UNITS[done.group(3)] / 1000
    for pct, attr in (("50", "p50_ms"), ("99", "p99_ms")):
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if found:
            setattr(result, attr, float(found.group(1)) * UNITS[found.group(2)])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result.errors = int(errors.group(1)) if errors else 0
    # A read error on a `Connection: close` answer is wrk noticing the close,
    # not a failed request; connect errors and timeouts are real failures.
    if sockets:
        result.errors += int(sockets.group(1)) + int(sockets.group(4))
    return result
