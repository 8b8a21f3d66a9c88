"""@access_token_required: the guard for routes that need an access token.

It is flask-jwt-extended's @jwt_required(locations=["headers"]), plus a
small per-process cache. The first request with a token runs the library's
full check (signature, expiry, token type, our has_required_claims). The
cache then remembers the header value and the claims it produced, so later
requests with the same token skip re-checking the signature and re-parsing
the JSON, which is most of a guarded request's cost. Each hit still
re-checks everything that can change over time. docs/04-guarding-routes.md
explains why this is safe.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, request
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback

# Internals of flask-jwt-extended 4 (pyproject allows <5) that its own
# verify_jwt_in_request uses: the blocklist check, the key loader and what
# it leaves behind for get_jwt(). tests/test_access_cache.py fails if an
# upgrade moves them.
from flask_jwt_extended.internal_utils import verify_token_not_blocklisted
from flask_jwt_extended.view_decorators import _load_user

# Access tokens live 15 minutes, so 1,024 entries (about 1.5 MB) cover 1,024
# users active in the last quarter of an hour, per worker process.
DEFAULT_CACHE_SIZE = 1024


@dataclass(frozen=True)
class VerifiedToken:
    header: dict  # the JWT's header, as the library decoded it
    claims: dict  # its payload
    key: object  # the key its signature was checked with


class VerifiedTokenCache:
    """A bounded LRU cache: Authorization header value -> VerifiedToken.

    Only values that passed the library's full check are ever put here, so
    a forged, expired or wrong-type token can never be found in it."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._entries: OrderedDict[str, VerifiedToken] = OrderedDict()
        self._lock = threading.Lock()  # `flask run` serves requests in threads

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, presented: str) -> VerifiedToken | None:
        with self._lock:
            entry = self._entries.get(presented)
            if entry is not None:
                self._entries.move_to_end(presented)  # most recently used
            return entry

    def put(self, presented: str, entry: VerifiedToken) -> None:
        with self._lock:
            self._entries[presented] = entry
            self._entries.move_to_end(presented)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)  # the least recently used

    def discard(self, presented: str) -> None:
        with self._lock:
            self._entries.pop(presented, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def token_cache(app: Flask) -> VerifiedTokenCache:
    """This app's cache, created on first use: one per worker process."""
    cache = app.extensions.get("access_token_cache")
    if cache is None:
        size = app.config.get("ACCESS_TOKEN_CACHE_SIZE", DEFAULT_CACHE_SIZE)
        cache = app.extensions.setdefault("access_token_cache", VerifiedTokenCache(size))
    return cache


def access_token_required(view):
    """Let the request through only with a valid access token in the
    Authorization header; get_jwt() then returns its claims, as with
    @jwt_required. Every failure raises the library's own exception, which
    errors.py turns into a 401 (missing_token, token_expired, invalid_token)."""

    @wraps(view)
    def guarded_view(*args, **kwargs):
        verify_access_token()
        return current_app.ensure_sync(view)(*args, **kwargs)

    return guarded_view


def verify_access_token() -> None:
    # Every `current_app`, `request` and `g` is a lookup in the request's
    # context. A hit costs only a few microseconds, so those lookups were
    # most of it: take each object once and pass it on.
    app = current_app._get_current_object()
    environ = request.environ
    cache = token_cache(app)
    # The whole header value is the key: the library reads the token out of
    # it the same way every time, so the same value means the same token.
    # (request.headers["Authorization"] reads environ["HTTP_AUTHORIZATION"].)
    header_name = app.config["JWT_HEADER_NAME"]
    presented = environ.get("HTTP_" + header_name.upper().replace("-", "_"), "")
    # (The library lets OPTIONS through unchecked: leave that to it.)
    if presented and cache.max_size > 0 and environ["REQUEST_METHOD"] not in config.exempt_methods:
        entry = cache.get(presented)
        if entry is not None and serve_from_cache(app, cache, presented, entry):
            return
    verified = verify_jwt_in_request(locations=["headers"])  # the full check
    if verified and presented and cache.max_size > 0:
        header, claims = verified
        cache.put(
            presented, VerifiedToken(dict(header), dict(claims), signing_key(app, header, claims))
        )


def signing_key(app: Flask, header: dict, claims: dict) -> object:
    """What the key the library checks this token with depends on today.

    With the library's default decode-key loader, that is four settings
    (config.decode_key picks JWT_PUBLIC_KEY or JWT_SECRET_KEY, falling back
    to SECRET_KEY, by JWT_ALGORITHM): same settings, same key. An app that
    registers its own decode_key_loader (key rotation) is asked each time."""
    manager = app.extensions["flask-jwt-extended"]
    if manager._decode_key_callback is default_decode_key_callback:
        settings = app.config
        return (
            settings["JWT_ALGORITHM"],
            settings["JWT_PUBLIC_KEY"],
            settings["JWT_SECRET_KEY"],
            settings.get("SECRET_KEY"),
        )
    return manager._decode_key_callback(header, claims)


def serve_from_cache(
    app: Flask, cache: VerifiedTokenCache, presented: str, entry: VerifiedToken
) -> bool:
    """Finish the check for a token the library verified earlier. Returns
    False when the entry is stale: the caller then runs the full check."""
    header, claims = entry.header, entry.claims
    if signing_key(app, header, claims) != entry.key:
        cache.clear()  # a new signing key: nothing verified with the old one counts
        return False
    # Time moves on: an expired entry is dropped, and the full check then
    # says "token_expired" in the library's own words. (JWT_DECODE_LEEWAY is
    # the same leeway the library allows.)
    if "exp" in claims and claims["exp"] <= time.time() - app.config["JWT_DECODE_LEEWAY"]:
        cache.discard(presented)
        return False
    # A blocklist can change at any time (token_in_blocklist_loader, if the
    # app registers one): ask it on every hit, as the library would. The type
    # and our has_required_claims cannot change: the entry is our own copy
    # of claims that already passed them.
    verify_token_not_blocklisted(header, claims)
    # What verify_jwt_in_request leaves behind for get_jwt(), get_jwt_header()
    # and current_user. The view gets copies, so it cannot change the cache.
    header, claims = dict(header), dict(claims)
    request_globals = g._get_current_object()
    request_globals._jwt_extended_jwt_user = _load_user(header, claims)
    request_globals._jwt_extended_jwt_header = header
    request_globals._jwt_extended_jwt = claims
    request_globals._jwt_extended_jwt_location = "headers"
    return True
