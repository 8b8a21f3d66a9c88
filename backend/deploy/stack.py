"""Run the deployment a team grows into, on loopback, in one command:

    nginx ──> app server A (gunicorn, N workers) ─┬─> PostgreSQL (sessions)
          └─> app server B (gunicorn, N workers) ─┴─> Redis (failed-login counts)

    make stack                                # http://127.0.0.1:8080/?api=/api
    .venv/bin/python backend/deploy/stack.py --help

Ctrl-C stops everything it started; nothing is left running. PostgreSQL is
DATABASE_URL when set; otherwise a throwaway cluster (initdb) in a temporary
folder, deleted at the end. The system's own PostgreSQL is never touched.
Redis and nginx are our own instances on free ports. The tests
(tests/stack/) and the benchmark (bench/stack.py) start the same Stack.
"""

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # loopback only, always


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def missing_tools(need_initdb: bool = True) -> list[str]:
    """What this machine lacks to run the stack (empty list: nothing)."""
    wanted = {"nginx": "nginx", "redis-server": "redis-server"}
    missing = [
        f"{name} (apt-get install {package})"
        for name, package in wanted.items()
        if not find_binary(name)
    ]
    if need_initdb and not postgres_bin("initdb"):
        missing.append("PostgreSQL's initdb (apt-get install postgresql), or set DATABASE_URL")
    return missing


def find_binary(name: str) -> str | None:
    # nginx lives in /usr/sbin, which a normal user's PATH may lack.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def postgres_bin(name: str) -> str | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/" + name),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return str(versions[-1]) if versions else shutil.which(name)


def wait_for(
    check,
    what: str,
    process: subprocess.Popen | None = None,
    timeout: float = 30.0,
    log: Path | None = None,
) -> None:
    """Poll `check()` until it is true: "is it answering?" can only be asked.
    A failure says what happened, with the last lines of `log` if given."""
    deadline = time.monotonic() + timeout
    try:
        while not check():
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{what} exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
            time.sleep(0.05)
    except RuntimeError as error:
        raise RuntimeError(f"{error}{last_lines(log)}") from None


def last_lines(log: Path | None, count: int = 10) -> str:
    if log is None or not log.exists():
        return ""
    lines = log.read_text(errors="replace").splitlines()[-count:]
    return f"\n--- the last lines of {log}:\n" + "\n".join(lines)


def answers_http(url: str) -> bool:
    """True once `url` answers 2xx or 3xx; False while nothing answers. Any
    other answer will not fix itself by waiting: it stops start-up at once,
    saying what answered (a 403 from nginx that cannot read the page, say)."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url} answered {error.code} {error.reason}") from None
    except OSError:
        return False


@dataclass
class Service:
    """One process of the stack, in a process group of its own (so that
    killing it takes its gunicorn workers along), logging to a file."""

    name: str
    command: list[str]
    log_path: Path
    env: dict | None = None
    process: subprocess.Popen | None = None

    def start(self) -> "Service":
        with self.log_path.open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if not self.running():
            return
        try:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            self.process.wait()

    def kill(self) -> None:
        """A crash: SIGKILL to the master and every worker at once."""
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class AppServer(Service):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Stack:
    """Everything `make stack` runs. Use as a context manager, or start()/stop()."""

    app_servers: int = 2
    workers: int = 3
    port: int = 0  # nginx; 0 = a free port
    api_prefix: str = "/api"
    database_url: str | None = None  # None: a throwaway cluster (initdb)
    fail_timeout: str = "10s"  # how long nginx leaves out a server it could not reach
    settings: dict = field(default_factory=dict)  # extra app settings (ACCESS_TOKEN_TTL=...)
    run_dir: Path | None = None

    def __post_init__(self):
        self.services: list[Service] = []
        self.apps: list[AppServer] = []
        self._temp_dirs: list[str] = []
        self._postgres: tuple[list[str], str] | None = None  # (run-as prefix, cluster folder)

    # --- start ---------------------------------------------------------------
    def start(self) -> "Stack":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self.run_dir is None:
            self.run_dir = Path(self._temp_dir("silent-refresh-stack-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, 0o755)  # nginx's workers (user nobody under root) write in it
        self.port = self.port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.redis_port = free_port()
        self.redis = self._service(
            "redis",
            [
                find_binary("redis-server"),
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.run_dir),
            ],
        ).start()
        self.database_url = self.database_url or self._throwaway_postgres()
        wait_for(self.redis_answers, "redis-server", self.redis.process, log=self.redis.log_path)

        self.app_env = self._app_env()
        init_db = subprocess.run(
            [str(BIN / "flask"), "--app", "backend", "init-db"],
            cwd=ROOT,
            env=self.app_env,
            capture_output=True,
            text=True,
        )
        if init_db.returncode:
            tail = "\n".join(init_db.stderr.splitlines()[-10:])
            raise RuntimeError(f"flask init-db failed with status {init_db.returncode}:\n{tail}")
        for index in range(self.app_servers):
            self.apps.append(self._app_server("app-" + "abcdefgh"[index]))
        for app in self.apps:
            self.wait_until_up(app)
        self.nginx = self.start_nginx(self.apps, self.port)

    @property
    def redis_url(self) -> str:
        # Timeouts: a Redis that hangs must not hang every login with it.
        return f"redis://{HOST}:{self.redis_port}/0?socket_connect_timeout=1&socket_timeout=1"

    def _app_env(self) -> dict:
        env = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")
        }
        env.update(
            {
                "APP_ENV": "production",
                "JWT_SECRET_KEY": os.environ.get("JWT_SECRET_KEY")
                or secrets.token_hex(32),  # one key for all
                "DATABASE_URL": self.database_url,
                "RATELIMIT_STORAGE_URI": self.redis_url,
                "API_PREFIX": self.api_prefix,
                "TRUSTED_PROXY_COUNT": "1",  # nginx
                "CORS_ORIGINS": self.url,  # same origin: CORS is not needed, but say who we are
                # Plain http on loopback here; behind TLS leave it at its production default (true).
                "COOKIE_SECURE": "false",
                "REQUEST_LOG": "true",
                "WEB_CONCURRENCY": str(self.workers),
            }
        )
        env.update({k: str(v) for k, v in self.settings.items()})
        return env

    def _app_server(self, name: str, port: int = 0) -> AppServer:
        port = port or free_port()
        app = AppServer(
            name,
            [
                str(BIN / "gunicorn"),
                "-c",
                "backend/gunicorn.conf.py",
                "--bind",
                f"{HOST}:{port}",
                "backend:create_app()",
            ],
            self.run_dir / f"{name}.log",
            env=self.app_env,
            port=port,
        )
        self.services.append(app)
        return app.start()

    def wait_until_up(self, app: AppServer) -> None:
        url = app.url + self.api_prefix + "/health"
        wait_for(lambda: answers_http(url), app.name, app.process, log=app.log_path)

    def restart(self, app: AppServer) -> None:
        """Start a stopped (or killed) app server again on its own port."""
        app.stop()
        app.start()
        self.wait_until_up(app)

    def start_nginx(self, apps: list[AppServer], port: int, name: str = "nginx") -> Service:
        """An nginx in front of `apps`, on `port` (the benchmark adds a second
        one, in front of one app server only)."""
        servers = "\n".join(
            f"        server {HOST}:{app.port} max_fails=1 fail_timeout={self.fail_timeout};"
            for app in apps
        )
        folder = self.run_dir / name
        folder.mkdir(exist_ok=True)
        values = {
            "RUN_DIR": str(folder),
            "UPSTREAM_SERVERS": servers,
            "LISTEN": f"{HOST}:{port}",
            "FRONTEND_ROOT": str(self.readable_frontend()),
            "API_PREFIX": self.api_prefix,
        }
        text = (HERE / "nginx.conf.template").read_text()
        for key, value in values.items():
            text = text.replace("${" + key + "}", value)
        config = folder / "nginx.conf"
        config.write_text(text)
        nginx = self._service(
            name,
            [
                find_binary("nginx"),
                "-c",
                str(config),
                "-p",
                str(folder),
                "-e",
                str(folder / "nginx-error.log"),
                "-g",
                "daemon off;",
            ],
        ).start()
        error_log = folder / "nginx-error.log"
        wait_for(lambda: answers_http(f"http://{HOST}:{port}/"), name, nginx.process, log=error_log)
        return nginx

    def readable_frontend(self) -> Path:
        """A copy of frontend/ that every user can read, made once per stack.

        nginx started by root serves files as `nobody`, who cannot read a
        checkout inside a private folder (/root, a 0700 home): the page would
        be a 403. The copy lives in the run folder (0755, files 0644).
        Edits to frontend/ show after a restart of the stack."""
        copy = self.run_dir / "frontend"
        if not copy.exists():
            shutil.copytree(ROOT / "frontend", copy)
            for path in [copy, *copy.rglob("*")]:
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        return copy

    def _service(self, name: str, command: list[str]) -> Service:
        service = Service(name, command, self.run_dir / f"{name}.log")
        self.services.append(service)
        return service

    def redis_command(self, command: bytes) -> bytes:
        with socket.create_connection((HOST, self.redis_port), timeout=2) as s:
            s.sendall(command + b"\r\n")
            return s.recv(64)

    def redis_answers(self) -> bool:
        try:
            return self.redis_command(b"PING").startswith(b"+PONG")
        except OSError:
            return False

    def flush_redis(self) -> None:
        """Forget every failed-login count (tests start from zero)."""
        assert self.redis_command(b"FLUSHALL").startswith(b"+OK")

    def restart_redis(self) -> None:
        self.redis.stop()
        self.redis.start()
        wait_for(self.redis_answers, "redis-server", self.redis.process, log=self.redis.log_path)

    # --- a throwaway PostgreSQL ------------------------------------------------
    def _throwaway_postgres(self) -> str:
        """initdb a cluster of our own in a temporary folder, on a free port.
        PostgreSQL refuses to run as root, so under root it runs as `postgres`."""
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        data = Path(self._temp_dir("silent-refresh-pg-"))
        password = secrets.token_hex(16)
        pwfile = data / "password"
        pwfile.write_text(password)
        if as_postgres:
            shutil.chown(data, "postgres")
            shutil.chown(pwfile, "postgres")
        port = free_port()
        cluster = data / "cluster"
        quiet = {"check": True, "capture_output": True, "cwd": "/"}
        subprocess.run(
            [
                *as_postgres,
                postgres_bin("initdb"),
                "-D",
                str(cluster),
                "-U",
                "silent_refresh",
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--no-sync",
            ],
            **quiet,
        )
        self._postgres = (as_postgres, str(cluster))
        subprocess.run(
            [
                *as_postgres,
                postgres_bin("pg_ctl"),
                "-D",
                str(cluster),
                "-w",
                "-l",
                str(data / "postgres.log"),
                "-o",
                f"-p {port} -c listen_addresses={HOST} -k {data} -c fsync=off",
                "start",
            ],
            **quiet,
        )
        subprocess.run(
            [
                postgres_bin("createdb"),
                "-h",
                HOST,
                "-p",
                str(port),
                "-U",
                "silent_refresh",
                "silent_refresh",
            ],
            **quiet,
            env={**os.environ, "PGPASSWORD": password},
        )
        return f"postgresql+psycopg://silent_refresh:{password}@{HOST}:{port}/silent_refresh"

    def _temp_dir(self, prefix: str) -> str:
        path = tempfile.mkdtemp(prefix=prefix)
        self._temp_dirs.append(path)
        return path

    # --- stop ------------------------------------------------------------------
    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        if self._postgres:
            as_postgres, cluster = self._postgres
            subprocess.run(
                [*as_postgres, postgres_bin("pg_ctl"), "-D", cluster, "-m", "fast", "-w", "stop"],
                capture_output=True,
                cwd="/",
            )
            self._postgres = None
        for path in self._temp_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self._temp_dirs = []

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("STACK_PORT", 8080)),
        help="nginx's port on 127.0.0.1 (default 8080, STACK_PORT)",
    )
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "").strip() or 3),
        help="gunicorn workers per app server (default 3)",
    )
    args = parser.parse_args()
    if missing := missing_tools(need_initdb=not os.environ.get("DATABASE_URL")):
        print("make stack needs: " + "; ".join(missing), file=sys.stderr)
        return 1
    try:
        socket.create_server((HOST, args.port)).close()
    except OSError:
        print(f"Port {args.port} is in use: try make stack STACK_PORT=8081", file=sys.stderr)
        return 1
    # Ctrl-C reaches the whole terminal's process group; our services run in
    # groups of their own, so they are stopped in order, by us, below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stack = Stack(
        app_servers=args.app_servers,
        workers=args.workers,
        port=args.port,
        database_url=os.environ.get("DATABASE_URL"),
    )
    print(
        "Starting Redis, PostgreSQL, "
        + f"{args.app_servers} app servers x {args.workers} workers, nginx ..."
    )
    try:
        stack.start()
        subprocess.run(
            [
                str(BIN / "flask"),
                "--app",
                "backend",
                "create-user",
                "demo",
                "--password",
                "password",
                "--exist-ok",
            ],
            cwd=ROOT,
            env=stack.app_env,
            check=True,
            capture_output=True,
        )
        apps = ", ".join(f"{a.name} on :{a.port}" for a in stack.apps)
        database = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "a throwaway cluster"
        print(
            f"""
  Demo page:  {stack.url}/?api={stack.api_prefix}
  API:        {stack.url}{stack.api_prefix}/health   (through nginx)
  App servers {apps}; Redis on :{stack.redis_port}
  PostgreSQL: {database}{"" if os.environ.get("DATABASE_URL") else ", deleted at the end"}
  Logs:       {stack.run_dir}/  (one JSON line per API request in app-*.log)
  Log in as demo / password. Ctrl-C stops everything.
""",
            flush=True,
        )
        while all(service.running() for service in stack.services):
            time.sleep(0.5)  # nothing to wait on but Ctrl-C or a crash
        crashed = [s.name for s in stack.services if not s.running()]
        print(f"stopped: {', '.join(crashed)} exited; see its log above", file=sys.stderr)
        for service in stack.services:
            if not service.running():
                print(f"--- {service.name}.log\n{service.log()[-2000:]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
        print("Stack stopped. Goodbye.")


if __name__ == "__main__":
    sys.exit(main())
