"""The production entry point, proven with real gunicorn processes.

Every server here is started exactly as `make serve` starts it:
`gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'`, with several
worker processes, talking to SQLite (a temporary file, WAL mode) or to the
PostgreSQL server named by TEST_DATABASE_URL. Requests go over real TCP
connections, one connection per request, as separate browsers would.

- 50 concurrent refreshes with one refresh token, spread over the workers:
  exactly one wins, every other one is refused as reuse, and the family is
  revoked (the winner's new token is refused too).
- One session alternating between two gunicorn instances that share the
  database rotates normally, and reuse is still caught across instances.
- Production config: no secret, no boot; Secure cookies; X-Forwarded-For
  believed only with TRUSTED_PROXY_COUNT; the request log has one JSON line
  per request and never a token, a cookie, a password or a hash.
- A guarded route answers with no database at all: why it is cheap.

The PostgreSQL cases skip (fail in CI) without TEST_DATABASE_URL; they carry
the `postgres` marker, so the SQLite pass of CI deselects them with
`-m "not postgres"` and `make test-postgres` runs them.
"""

import http.client
import itertools
import json
import os
import signal
import subprocess
import threading
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from helpers import skip_or_fail
from live import BIN, ROOT, LiveServer, backend_env, flask_cli, free_port, wait_until_up

pytestmark = pytest.mark.slow

SERVE = [str(BIN / "gunicorn"), "-c", "backend/gunicorn.conf.py", "backend:create_app()"]
NO_POSTGRES = (
    "no PostgreSQL server configured: set TEST_DATABASE_URL="
    "postgresql+psycopg://USER:PASSWORD@127.0.0.1:5432/DB (as root, "
    "`source .ci/postgres.sh` starts Debian's PostgreSQL and sets it; then `make test-postgres`)"
)


# --- servers and databases -------------------------------------------------


@pytest.fixture
def serve(tmp_path):
    """Start `make serve`'s gunicorn command with N workers; stopped afterwards."""
    servers = []

    def start(env: dict, workers: int) -> LiveServer:
        port = free_port()
        log_path = tmp_path / f"gunicorn-{port}.log"
        with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [*SERVE, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{port}", process, env, log_path)
        servers.append(server)
        try:
            wait_until_up(server.url + "/health", process)
        except RuntimeError as error:
            server.stop()
            raise RuntimeError(f"{error}\n{server.log()}") from None
        return server

    yield start
    for server in servers:
        server.stop()


def prepare(env: dict) -> dict:
    """Create the demo user (and the tables: create_app() makes missing ones)."""
    flask_cli(env, "create-user", "demo", "--password", "password", "--exist-ok")
    return env


def drop_tables(url: str) -> None:
    import backend.models  # noqa: F401  (registers the tables on db.metadata)
    from backend.extensions import db  # the backend's own table definitions

    engine = sa.create_engine(url)
    try:
        db.metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        pytest.param(("sqlite", 2), id="sqlite-2-workers"),
        pytest.param(("postgresql", 4), id="postgresql-4-workers", marks=pytest.mark.postgres),
    ]
)
def database(request, tmp_path):
    """(DATABASE_URL, workers): a temporary SQLite file with 2 workers, or
    TEST_DATABASE_URL's PostgreSQL with 4 (tables dropped before and after)."""
    kind, workers = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.sqlite'}", workers
        return
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        skip_or_fail(NO_POSTGRES)
    drop_tables(url)  # a clean start, even after an interrupted run
    yield url, workers
    drop_tables(url)


def token_rows(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT family, spent_at, revoked_at FROM refresh_tokens ORDER BY id")
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


# --- HTTP, one fresh connection per request ---------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.set_cookies = headers.get_all("Set-Cookie") or []
        self.headers = headers
        self.json = json.loads(body) if body else None

    @property
    def error(self):
        return (self.json or {}).get("error")


def send(base_url: str, method: str, path: str, body=None, headers=None) -> Response:
    parts = urlsplit(base_url)
    assert parts.hostname == "127.0.0.1"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class Session:
    """What a browser holds: the access token in memory, the refresh and
    CSRF cookies in its jar. Works against any server (same database)."""

    def __init__(self):
        self.access_token = None
        self.cookies = {}

    def keep(self, response: Response) -> Response:
        if response.status == 200:
            self.access_token = response.json["access_token"]
            for header in response.set_cookies:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        return response

    def login(self, url, username="demo", password="password") -> Response:
        return self.keep(
            send(url, "POST", "/auth/login", {"username": username, "password": password})
        )

    def refresh_headers(self) -> dict:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Cookie": cookie, "X-CSRF-TOKEN": self.cookies["csrf_refresh_token"]}

    def refresh(self, url) -> Response:
        return self.keep(send(url, "POST", "/auth/refresh", headers=self.refresh_headers()))

    def get(self, url, path) -> Response:
        return send(url, "GET", path, headers={"Authorization": f"Bearer {self.access_token}"})


# --- multi-process correctness ----------------------------------------------


def refresh_all_at_once(server: LiveServer, headers: dict, count: int) -> list[Response]:
    """POST /auth/refresh `count` times with the same headers, each from its
    own thread and TCP connection, all released together by a barrier."""
    parts = urlsplit(server.url)
    barrier = threading.Barrier(count)
    results: list[Response | BaseException | None] = [None] * count

    def fire(i: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            connection.connect()  # every connection is open before any request is sent
            barrier.wait(timeout=30)
            connection.request("POST", "/auth/refresh", headers=headers)
            response = connection.getresponse()
            results[i] = Response(response.status, response.headers, response.read())
        except BaseException as error:  # reported by the assertion below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(result, Response) for result in results), results
    return results


# Several rounds, each with a new login: in the first one the workers are
# still opening their database connections, which spreads the requests out;
# later rounds hit warm workers, where a non-atomic spend (read, then write)
# lets 2 to 4 refreshes win nearly every time.
ROUNDS = 4


def test_50_concurrent_refreshes_with_one_token_have_exactly_one_winner(database, serve, tmp_path):
    url, workers = database
    # Strict reuse detection: with the safe retry on, the 49 others would get
    # the winner's token instead (tests/test_safe_retry.py).
    env = backend_env(tmp_path, DATABASE_URL=url, REFRESH_REUSE_GRACE_S=0)
    server = serve(prepare(env), workers=workers)
    for round_ in range(ROUNDS):
        session = Session()
        assert session.login(server.url).status == 200
        # The same cookie and CSRF header, sent 50 times at once: the user's
        # browser and a thief who copied the cookie, many times over.
        results = refresh_all_at_once(server, session.refresh_headers(), count=50)

        winners = [r for r in results if r.status == 200]
        losers = [r for r in results if r.status != 200]
        assert len(winners) == 1, (round_, [(r.status, r.error) for r in results])
        assert {(r.status, r.error) for r in losers} <= {
            (401, "token_reused"),
            (401, "token_revoked"),
        }
        assert any(r.error == "token_reused" for r in losers)  # reuse detected, not just refused

        # The family is revoked: the winner's brand-new token is refused as well.
        winner = Session()
        winner.keep(winners[0])
        again = winner.refresh(server.url)
        assert (again.status, again.error) == (401, "token_revoked")

    # In the database, per login: its token, spent once, and the single
    # token the winner got (no loser ever got one); all of them revoked.
    rows = token_rows(url)
    families = {row["family"] for row in rows}
    assert len(families) == ROUNDS
    for family in families:
        tokens = [row for row in rows if row["family"] == family]
        assert [row["spent_at"] is not None for row in tokens] == [True, False]
        assert all(row["revoked_at"] is not None for row in tokens)
    if url.startswith("sqlite"):
        assert journal_mode(url) == "wal"  # what lets several workers share the file


def journal_mode(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    finally:
        engine.dispose()


def test_a_session_alternating_between_two_instances_rotates(database, serve, tmp_path):
    url, workers = database
    # Strict reuse detection, so that the replay below is reuse at once.
    env = prepare(backend_env(tmp_path, DATABASE_URL=url, REFRESH_REUSE_GRACE_S=0))
    first, second = serve(env, workers=workers), serve(env, workers=workers)
    assert first.url != second.url

    session = Session()
    assert session.login(first.url).status == 200
    previous = None
    for step in range(6):
        refresh_on, use_on = (second, first) if step % 2 == 0 else (first, second)
        previous = dict(session.cookies)
        response = session.refresh(refresh_on.url)
        assert response.status == 200, (step, response.json)
        assert session.cookies["refresh_token_cookie"] != previous["refresh_token_cookie"]
        # The new access token is good on the other instance (same key, stateless check).
        guarded = session.get(use_on.url, "/aaa")
        assert guarded.status == 200 and guarded.json["user"]["username"] == "demo"

    rows = token_rows(url)
    assert len(rows) == 7 and len({row["family"] for row in rows}) == 1
    assert sum(row["spent_at"] is not None for row in rows) == 6
    assert all(row["revoked_at"] is None for row in rows)

    # Replaying the spent cookie on the *other* instance is still caught...
    thief = Session()
    thief.cookies = previous
    reused = thief.refresh(first.url)
    assert (reused.status, reused.error) == (401, "token_reused")
    # ...and ends the session everywhere.
    ended = session.refresh(second.url)
    assert (ended.status, ended.error) == (401, "token_revoked")
    assert all(row["revoked_at"] is not None for row in token_rows(url))


# --- production configuration -----------------------------------------------


def sqlite_env(tmp_path, **settings) -> dict:
    """These tests are about configuration, not the database: always SQLite,
    even in the PostgreSQL pass (which must not be left with their rows)."""
    return backend_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'config.sqlite'}", **settings)


def production_env(tmp_path, **settings) -> dict:
    return sqlite_env(tmp_path, APP_ENV="production", **settings)


def test_production_refuses_to_boot_without_an_explicit_secret(tmp_path):
    env = production_env(tmp_path)
    del env["JWT_SECRET_KEY"]
    try:
        finished = subprocess.run(
            [*SERVE, "--workers", "2", "--bind", f"127.0.0.1:{free_port()}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("gunicorn started (and kept running) without JWT_SECRET_KEY in production")
    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    assert "APP_ENV=production needs an explicit JWT_SECRET_KEY" in output


@pytest.mark.parametrize(
    "name,value",
    [
        ("WEB_CONCURRENCY", "0"),  # a listening socket with no worker to answer
        ("GUNICORN_BIND", ":5001"),  # every interface, by accident
        ("ACCESS_TOKEN_TTL", "300000000000"),  # past year 9999: every login a 500
        ("DATABASE_URL", "postgresql+psycopg://app:pw@127.0.0.1:{free_port}/app"),
        ("DATABASE_URL", "mysql://app:pw@127.0.0.1/app"),  # no driver installed
    ],
)
def test_gunicorn_stops_on_a_bad_setting_with_a_message_naming_it(tmp_path, name, value):
    env = production_env(tmp_path)
    env[name] = value.format(free_port=free_port())
    env["JWT_SECRET_KEY"] = "9f1c3e7a5b2d4f6081a3c5e7092b4d6f8a1c3e5f7091b3d5f7a9c1e3f5a7b9d1"
    try:
        finished = subprocess.run(
            SERVE, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn started (and kept running) with {name}={value!r}")
    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    assert name in output, output


def test_make_serve_reads_an_empty_web_concurrency_as_the_default(tmp_path):
    port = free_port()
    env = production_env(tmp_path, WEB_CONCURRENCY="", BACKEND_PORT=str(port))
    env["JWT_SECRET_KEY"] = "9f1c3e7a5b2d4f6081a3c5e7092b4d6f8a1c3e5f7091b3d5f7a9c1e3f5a7b9d1"
    log_path = tmp_path / "make-serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make, its shell and gunicorn: stopped together below
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, timeout=60)
    except RuntimeError as error:
        pytest.fail(f"{error}\n{log_path.read_text()}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def cookie_attributes(set_cookie_headers: list[str]) -> dict[str, set[str]]:
    """{cookie name: {lower-cased attributes, e.g. 'secure', 'path=/auth'}}"""
    parsed = {}
    for header in set_cookie_headers:
        name_value, *attributes = (part.strip() for part in header.split(";"))
        parsed[name_value.split("=", 1)[0]] = {a.lower() for a in attributes}
    return parsed


@pytest.mark.parametrize("app_env", ["production", "development"])
def test_cookies_are_secure_in_production(app_env, serve, tmp_path):
    env = prepare(sqlite_env(tmp_path, APP_ENV=app_env))
    server = serve(env, workers=2)
    response = send(server.url, "POST", "/auth/login", {"username": "demo", "password": "password"})
    assert response.status == 200
    cookies = cookie_attributes(response.set_cookies)
    assert set(cookies) == {"refresh_token_cookie", "csrf_refresh_token"}
    production = app_env == "production"
    for attributes in cookies.values():
        assert ("secure" in attributes) is production
        assert "samesite=strict" in attributes
    assert {"httponly", "path=/auth"} <= cookies["refresh_token_cookie"]
    assert ("Strict-Transport-Security" in response.headers) is production


def request_log(server: LiveServer, since: int = 0) -> list[dict]:
    """The JSON request lines a stopped server wrote after offset `since`,
    minus any late answer to the start-up probe (a GET /health that timed
    out on a slow machine can still be served, and logged, afterwards)."""
    lines = server.log()[since:].splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return list(
        itertools.dropwhile(lambda e: (e["method"], e["path"]) == ("GET", "/health"), entries)
    )


@pytest.mark.parametrize("trusted_proxies", [None, 1])
def test_x_forwarded_for_is_believed_only_behind_a_configured_proxy(
    trusted_proxies, serve, tmp_path
):
    settings = {"TRUSTED_PROXY_COUNT": trusted_proxies} if trusted_proxies else {}
    server = serve(production_env(tmp_path, **settings), workers=2)
    start = len(server.log())
    send(server.url, "GET", "/probe-1")  # 404s, logged like any request
    send(server.url, "GET", "/probe-2", headers={"X-Forwarded-For": "203.0.113.7"})
    # A client can prepend anything; one trusted proxy means only the last
    # address (the one our proxy appended) is believed.
    send(server.url, "GET", "/probe-3", headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"})
    server.stop()
    entries = request_log(server, start)
    assert [entry["path"] for entry in entries] == ["/probe-1", "/probe-2", "/probe-3"]
    clients = [entry["client"] for entry in entries]
    if trusted_proxies:
        assert clients == ["127.0.0.1", "203.0.113.7", "203.0.113.7"]
    else:
        assert clients == ["127.0.0.1", "127.0.0.1", "127.0.0.1"]


def test_request_log_has_one_line_per_request_and_no_secrets(serve, tmp_path):
    env = prepare(sqlite_env(tmp_path, REQUEST_LOG="true"))
    url = env["DATABASE_URL"]
    password, wrong = "correct horse 7Qx!battery", "Tr0ub4dor&3-guess"
    flask_cli(env, "create-user", "alice", "--password", password)
    server = serve(env, workers=2)
    start = len(server.log())

    session = Session()
    expected, secrets = [], {password, wrong}

    def record(method, path, response):
        expected.append((method, path, response.status))
        secrets.update(session.cookies.values())
        if session.access_token:
            secrets.add(session.access_token)

    record("POST", "/auth/login", session.login(server.url, "alice", wrong))
    record("POST", "/auth/login", session.login(server.url, "alice", password))
    record("GET", "/aaa", session.get(server.url, "/aaa"))
    # A token in a query string (clients must never do this) must not be logged either.
    record("GET", "/bbb", send(server.url, "GET", "/bbb?access_token=" + session.access_token))
    spent = dict(session.cookies)
    record("POST", "/auth/refresh", session.refresh(server.url))
    # Once more, so the spent cookie is reuse even within the safe retry's window.
    record("POST", "/auth/refresh", session.refresh(server.url))
    thief = Session()
    thief.cookies = spent
    record("POST", "/auth/refresh", thief.refresh(server.url))
    record(
        "POST",
        "/auth/logout",
        send(server.url, "POST", "/auth/logout", headers=session.refresh_headers()),
    )
    record("GET", "/health", send(server.url, "GET", "/health"))
    server.stop()

    assert [status for _, _, status in expected] == [401, 200, 200, 401, 200, 200, 401, 204, 200]
    entries = request_log(server, start)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == expected
    assert all(set(e) == {"method", "path", "status", "ms", "client"} for e in entries)

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        secrets.add(
            connection.execute(
                sa.text("SELECT password_hash FROM users WHERE username = 'alice'")
            ).scalar_one()
        )
    engine.dispose()
    log = server.log()
    assert len(secrets) >= 8  # two passwords, tokens, cookie values, the hash
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == []
    # No JWT of any kind (they all start with base64 '{"'), no hash format.
    for marker in ("eyJ", "scrypt:", "pbkdf2:", "access_token="):
        assert marker not in log


def test_guarded_routes_answer_without_any_database(tmp_path):
    """Why /aaa is cheap: the access token is checked with the signing key
    alone. With a database that can no longer be opened, /aaa still answers,
    while /auth/login (which must read the users table) cannot."""
    import shutil

    from helpers import make_token

    from backend import create_app

    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'app.sqlite'}"})
    shutil.rmtree(folder)  # start-up closed its connections: none can be opened now
    client = app.test_client()
    token = make_token(app, user_id=7, username="demo")

    guarded = client.get("/aaa", headers={"Authorization": f"Bearer {token}"})
    assert guarded.status_code == 200
    assert guarded.json["user"] == {"id": 7, "username": "demo"}
    login = client.post("/auth/login", json={"username": "demo", "password": "password"})
    assert (login.status_code, login.json["error"]) == (503, "database_unavailable")
