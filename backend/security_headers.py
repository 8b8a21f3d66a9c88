"""Response headers that every route shares: no caching, no rendering,
and HTTPS only once deployed behind it."""

from flask import Flask


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


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
    if app.config["JWT_COOKIE_SECURE"]:
        app.after_request(add_hsts)
