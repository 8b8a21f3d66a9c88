"""CORS: which other origins may call the API with credentials.

The page (:8000) and the API (:5001) are different origins, so the browser
asks first (a preflight OPTIONS) before every request that carries an
Authorization or X-CSRF-TOKEN header, which after login is every request.
"""

import re

from flask import Flask, request

from .extensions import cors

# Methods a preflight may ask for. Allowing them in CORS grants nothing: each
# route still answers 405 for methods it does not have, and the page can read
# that 405 instead of a "network error".
PREFLIGHT_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def answer_preflight(app: Flask):
    """Let a preflight to ANY path pass, so the browser sends the real request
    and the page can read the real 404 or 405 JSON.

    Flask answers OPTIONS itself for paths it routes; for an unknown path it
    would answer 404, the browser would see a failed preflight, and
    `api.get('/nope')` would reject as network_error instead of not_found.
    Runs before routing errors are raised; flask-cors then adds its headers
    to this empty answer only when the Origin is allowed, so a foreign
    origin's preflight still fails in the browser."""

    def hook():
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            # Lists the path's real methods in Allow (empty for unknown paths).
            return app.make_default_options_response()
        return None

    return hook


def exact_matchers(origins: list[str]) -> list[re.Pattern]:
    """One pattern per origin that matches exactly that origin and nothing else.

    flask-cors reads a plain string as a regular expression as soon as it
    contains a character such as [ or *, and then matches only its start:
    "http://[::1]:8000" would never match itself, and "https://.*" would
    match every site. config.py lets only exact origins through; escaping
    them here means flask-cors never has a pattern to guess at."""
    return [re.compile(re.escape(origin) + r"\Z", re.IGNORECASE) for origin in origins]


def init_cors(app: Flask) -> None:
    cors.init_app(
        app,
        origins=exact_matchers(app.config["CORS_ORIGINS"]),
        supports_credentials=True,  # the refresh cookie must cross origins
        allow_headers=["Authorization", "Content-Type", "X-CSRF-TOKEN"],
        methods=PREFLIGHT_METHODS,
        expose_headers=["Retry-After"],  # so the page can say when to retry a 429
        always_send=False,  # no CORS headers at all for requests without an Origin
        max_age=600,
    )
    app.before_request(answer_preflight(app))
