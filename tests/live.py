"""Start the real servers as subprocesses on free loopback ports.

Used by every test that needs a live backend: the browser tests, newman,
curl, gunicorn with several workers, and the durability test. Each server
gets its own database and is stopped (and waited for) afterwards.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CHROMIUM_ARGS = [
    "--no-sandbox",  # containers and CI runners have no user namespaces
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str | None:
    """The system Chromium on PATH, which the tests and `make images` drive
    instead of a browser downloaded by Playwright."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Poll until the server answers (an event we can only observe by asking)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    env: dict = field(default_factory=dict)
    log_path: Path | None = None

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""


def backend_env(tmp_path: Path, **settings) -> dict:
    """Environment for a backend subprocess: its own SQLite file unless
    DATABASE_URL is given (or TEST_DATABASE_URL is set, as in CI)."""
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ENV", "DATABASE_URL")}
    env["JWT_SECRET_KEY"] = TEST_SECRET
    env["DATABASE_URL"] = (
        os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'live.sqlite'}"
    )
    env.update({k: str(v) for k, v in settings.items()})
    return env


def flask_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "backend", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def start_backend(
    tmp_path: Path,
    *,
    workers: int = 0,
    port: int | None = None,
    env: dict | None = None,
    create_demo_user: bool = True,
    **settings,
) -> LiveServer:
    """`flask run` (workers=0) or gunicorn with that many workers."""
    env = env or backend_env(tmp_path, **settings)
    port = port or free_port()
    flask_cli(env, "init-db")
    if create_demo_user:
        flask_cli(env, "create-user", "demo", "--password", "password", "--exist-ok")
    if workers:
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "backend:create_app()",
        ]
    else:
        command = [
            str(BIN / "flask"),
            "--app",
            "backend",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-reload",
            "--with-threads",
        ]
    log_path = tmp_path / f"backend-{port}.log"
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, env, log_path)
    try:
        wait_until_up(server.url + "/health", process)
    except RuntimeError as error:
        server.stop()
        raise RuntimeError(server.log()) from error
    return server


def serve_directory(directory: Path, first_page: str = "/", port: int | None = None) -> LiveServer:
    """Serve a folder of static files on loopback (Python's http.server) and
    wait until `first_page` answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        + ["--directory", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process)
    wait_until_up(server.url + first_page, process)
    return server


def start_frontend(tmp_path: Path, port: int | None = None) -> LiveServer:
    """Serve frontend/ exactly as `make run` does."""
    return serve_directory(ROOT / "frontend", port=port)
