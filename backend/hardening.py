"""Response headers and request logging that every route shares."""

import json
import logging
import sys
import time

from flask import Flask, g, request

request_log = logging.getLogger("backend.requests")


def add_security_headers(response):
    # Tokens and user data must never sit in a browser or proxy cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    # The API only ever returns JSON: forbid rendering, framing, sniffing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def add_hsts(response):
    # Only sent over HTTPS deployments: tells browsers never to try http://.
    response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def start_timer():
    g.request_started = time.perf_counter()


def log_request(response):
    """One JSON line per request. Deliberately no headers, no query string,
    no body: those are where tokens and passwords live."""
    started = g.pop("request_started", None)
    request_log.info(
        json.dumps(
            {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "client": request.remote_addr,
            }
        )
    )
    return response


def init_hardening(app: Flask) -> None:
    app.after_request(add_security_headers)
    if app.config["JWT_COOKIE_SECURE"]:
        app.after_request(add_hsts)
    if app.config["REQUEST_LOG"]:
        if not request_log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        app.before_request(start_timer)
        app.after_request(log_request)
