"""Flask extensions, created once here and bound to the app in create_app().

Creating them at import time without an app (and calling init_app later) is
what lets tests build many independent apps from one codebase.
"""

import functools

from flask import Blueprint, Flask
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from limits.errors import StorageError

from .errors import limiter_store_down

db = SQLAlchemy()
jwt = JWTManager()
cors = CORS()
# No default limits: only the routes that check a password are limited (credentials.py).
# wrap_exceptions: a store that is down (Redis) raises limits' StorageError,
# which errors.py turns into a 503: login fails closed, never unthrottled.
limiter = Limiter(key_func=get_remote_address, storage_options={"wrap_exceptions": True})


def fail_closed(after_request_hook):
    """The limiter counts a failed login AFTER the view ran (deduct_when),
    and reads its counters again for the X-RateLimit headers. An error
    raised by an after-request hook skips Flask's error handlers and becomes
    a 500, so a store failing between the check and the count would answer
    500 and leave the attempt uncounted: answer the same 503 as a store that
    failed at the check instead."""

    @functools.wraps(after_request_hook)
    def hook(response):
        try:
            return after_request_hook(response)
        except StorageError as error:
            return limiter_store_down(error)

    return hook


def init_limiter(app: Flask, *limited: Blueprint) -> None:
    """limiter.init_app(app), with the limiter's request hooks scoped to the
    blueprints that have limits.

    Flask-Limiter hooks into every request of the app (before, after and
    teardown), even where no limit applies: about 120 µs per request,
    nearly as much as the rest of /health. Only the routes that check a
    password are limited, so its hooks run for their blueprints only. If you add
    default_limits or application_limits, call limiter.init_app(app) instead.
    """
    hook_lists = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(hooks.get(None, [])) for hooks in hook_lists]
    limiter.init_app(app)
    # Move what init_app added from the app (key None) to the blueprint's
    # name: the same place Flask keeps a blueprint's own request hooks.
    for hooks, existing in zip(hook_lists, before, strict=True):
        added = [hook for hook in hooks.get(None, []) if hook not in existing]
        if hooks is app.after_request_funcs:
            added = [fail_closed(hook) for hook in added]
        if added:
            hooks[None] = existing
            for blueprint in limited:
                hooks.setdefault(blueprint.name, []).extend(added)
