"""`make run` / `make demo LAN=1` as a user starts them: real make, real Ctrl-C.

Only loopback names are used: the "LAN" is 127.0.0.1 bound as LAN_BIND and
`demo.test`, which Chromium maps to 127.0.0.1 (--host-resolver-rules): plain
http on a name that is not localhost, so not a secure context. No traffic
goes to a real LAN address and nothing binds to one.
"""

import os
import secrets
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from live import CHROMIUM_ARGS, find_chromium, free_port, wait_until_up
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def start_make(tmp_path, *args):
    env = {
        **os.environ,
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'make.sqlite'}",
    }
    env.pop("MAKEFLAGS", None)
    env.pop("CORS_ORIGINS", None)
    # A shell's Ctrl-C reaches the whole foreground group: its own session
    # here, with SIGINT at its default (a background job would ignore it).
    return subprocess.Popen(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def ctrl_c(process) -> str:
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def test_ctrl_c_stops_make_demo_with_a_goodbye_and_no_make_error(tmp_path):
    backend, frontend = free_port(), free_port()
    process = start_make(tmp_path, "demo", f"BACKEND_PORT={backend}", f"FRONTEND_PORT={frontend}")
    wait_until_up(f"http://127.0.0.1:{backend}/health", process)
    wait_until_up(f"http://127.0.0.1:{frontend}/", process)
    output = ctrl_c(process)
    assert "Stopped both servers. Bye!" in output, output
    # The banner says what `make demo` changed, so the room knows why tokens die fast.
    assert "Access tokens live 20 s" in output, output
    assert "Refresh tokens live 600 s" in output, output
    assert "Each refresh answers after 800 ms" in output, output
    assert "No safe retry (REFRESH_REUSE_GRACE_S=0" in output, output
    assert "Error" not in output.replace("WARNING", "") and "Interrupt" not in output, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    for port in (backend, frontend):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_make_demo_lan_prints_the_room_addresses_and_the_page_works_there_with_the_fallback_lock(
    tmp_path, playwright
):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium")
    backend, frontend = free_port(), free_port()
    process = start_make(
        tmp_path,
        "demo",
        "LAN=1",
        "LAN_BIND=127.0.0.1",
        "LAN_ADDRESSES=demo.test",
        f"BACKEND_PORT={backend}",
        f"FRONTEND_PORT={frontend}",
    )
    try:
        wait_until_up(f"http://127.0.0.1:{backend}/health", process)
        wait_until_up(f"http://127.0.0.1:{frontend}/", process)
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP demo.test 127.0.0.1"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://demo.test:{frontend}/?api=http://demo.test:{backend}")
            assert page.evaluate("isSecureContext") is False
            expect(page.locator("#lock-state")).to_have_attribute("data-lock", "fallback")
            expect(page.locator("#lock-state")).to_contain_text(
                "fallback lease (not a secure context)"
            )
            # CORS allows the room's origin: log in and call the API from it.
            page.get_by_role("button", name="Log in").click()
            expect(page.locator("#session-info")).to_be_visible()
            page.get_by_role("button", name="Call /aaa").click()
            expect(page.locator("#result")).to_contain_text('"data": "aaa"')
        finally:
            browser.close()
    finally:
        output = ctrl_c(process)
    assert f"In the room: http://demo.test:{frontend}/?api=http://demo.test:{backend}" in output, (
        output
    )
    assert "fallback lease lock" in output, output
    assert "Stopped both servers. Bye!" in output, output
