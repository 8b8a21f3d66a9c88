"""After PostgreSQL restarts, the first request is not a 500 (docs/16,
"When the database restarts").

The app's pooled connections die with the server. With pool_pre_ping
(backend/database.py::engine_options) the pool tests a connection before
lending it out and replaces a dead one. The test makes its OWN throwaway
cluster with initdb on a free port and restarts that one; the shared
cluster is never touched. The same app without pre-ping is run too, to show
that the restart really does break a pooled connection.
"""

import glob
import os
import shutil
import subprocess
import tempfile

import pytest
from helpers import TEST_SECRET, add_user, skip_or_fail
from live import free_port

from backend import create_app
from backend.database import engine_options

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def postgres_tool(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def as_postgres(*command: str) -> list[str]:
    """initdb and postgres refuse to run as root: run them as user postgres."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@pytest.fixture
def throwaway_cluster():
    initdb, pg_ctl = postgres_tool("initdb"), postgres_tool("pg_ctl")
    if not initdb or not pg_ctl:
        skip_or_fail(
            "initdb not found: install Debian's postgresql package (source .ci/postgres.sh)"
        )
    data = tempfile.mkdtemp(prefix="silent-refresh-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        as_postgres(initdb, "-D", data, "--auth=trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"

    def ctl(*args: str) -> None:
        subprocess.run(
            as_postgres(pg_ctl, "-D", data, "-o", options, "-w", "-l", f"{data}/log", *args),
            check=True,
            capture_output=True,
        )

    ctl("start")
    try:
        yield (
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
            lambda: ctl("restart", "-m", "fast"),
        )
    finally:
        subprocess.run(
            as_postgres(pg_ctl, "-D", data, "-m", "immediate", "stop"), capture_output=True
        )
        shutil.rmtree(data, ignore_errors=True)


def logins(app) -> callable:
    client = app.test_client()
    return lambda: (
        client.post("/auth/login", json={"username": "demo", "password": "password"}).status_code
    )


def test_the_first_request_after_a_database_restart_succeeds(throwaway_cluster, monkeypatch):
    url, restart = throwaway_cluster
    monkeypatch.setenv("JWT_SECRET_KEY", TEST_SECRET)
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    app = create_app(config)
    without_ping = create_app(
        {**config, "SQLALCHEMY_ENGINE_OPTIONS": {**engine_options(url), "pool_pre_ping": False}}
    )
    add_user(app, "demo", "password")
    login, login_without_ping = logins(app), logins(without_ping)
    assert login() == 200 and login_without_ping() == 200  # both now hold a pooled connection

    restart()

    assert login_without_ping() == 503  # the dead pooled connection: what pre-ping prevents
    assert login() == 200
    assert login() == 200
