"""`make stack` from a checkout nobody else may read (a clone in /root, or
under any 0700 folder), as root: nginx started by root serves files as
`nobody`. The page must still load, and a failure must say what answered."""

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers import skip_or_fail

from backend.deploy.stack import free_port, missing_tools, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def status_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_the_stack_serves_a_checkout_inside_a_private_folder(tmp_path):
    database_url = os.environ.get("TEST_DATABASE_URL")
    if missing := missing_tools(need_initdb=not database_url):
        skip_or_fail("the stack needs " + "; ".join(missing))
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    checkout = private / "silent-refresh"
    for folder in ("backend", "frontend"):
        shutil.copytree(ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("*.pyc"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    if database_url:
        env["DATABASE_URL"] = database_url
    log_path = tmp_path / "stack.log"
    with log_path.open("w") as log:
        stack = subprocess.Popen(
            [sys.executable, str(checkout / "backend" / "deploy" / "stack.py"), "--port", str(port)]
            + ["--app-servers", "1", "--workers", "1"],
            cwd=tmp_path,  # not the checkout: it runs from any folder
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "Ctrl-C stops everything" in log_path.read_text(), "the stack", stack)
        assert status_of(f"http://127.0.0.1:{port}/") == 200
        assert status_of(f"http://127.0.0.1:{port}/js/api.js") == 200
        assert status_of(f"http://127.0.0.1:{port}/api/health") == 200
    except RuntimeError as error:
        pytest.fail(f"{error}\n{log_path.read_text()[-3000:]}")
    finally:
        stack.send_signal(signal.SIGINT)  # Ctrl-C: the stack stops what it started
        stack.wait(timeout=60)
        if database_url:
            import sqlalchemy as sa

            from backend.extensions import db

            engine = sa.create_engine(database_url)
            db.metadata.drop_all(engine)
            engine.dispose()
