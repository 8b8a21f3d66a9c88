"""The request log: one JSON line per request, when REQUEST_LOG is on."""

import json
import logging
import sys
import time

from flask import Flask, g, request

request_log = logging.getLogger("backend.requests")


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


def init_request_log(app: Flask) -> None:
    if not app.config["REQUEST_LOG"]:
        return
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    app.before_request(start_timer)
    app.after_request(log_request)
