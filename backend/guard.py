"""@access_token_required, and current_claims() for the view it guards.

flask-jwt-extended checks the token (verify_jwt_in_request: signature,
expiry, type, our has_required_claims). A browser then sends the same token
with every call for 15 minutes, so the guard remembers, per worker process,
the header values that passed, and answers them again from memory while
their `exp` lies ahead and the key settings are the ones they were checked
with. docs/production-figures.md measures what that saves, and why it is
safe.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, request
from flask_jwt_extended import verify_jwt_in_request

# Access tokens live 15 minutes, so 1,024 entries (about 1.5 MB) cover 1,024
# users active in the last quarter of an hour, per worker process.
DEFAULT_CACHE_SIZE = 1024

# The settings flask-jwt-extended takes the verification key from.
KEY_SETTINGS = ("JWT_ALGORITHM", "JWT_PUBLIC_KEY", "JWT_SECRET_KEY", "SECRET_KEY")


def access_token_required(view):
    """Let the request through only with a valid access token in the
    Authorization header (never a cookie). Every failure raises the
    library's own exception, which errors.py turns into a 401
    (missing_token, token_expired, invalid_token)."""

    @wraps(view)
    def guarded_view(*args, **kwargs):
        g.access_token_claims = verified_claims()
        return current_app.ensure_sync(view)(*args, **kwargs)

    return guarded_view


def current_claims() -> dict:
    """The claims of the access token that @access_token_required accepted."""
    claims = g.get("access_token_claims")
    if claims is None:
        raise RuntimeError("current_claims() needs a view guarded by @access_token_required")
    return claims


@dataclass(frozen=True)
class VerifiedToken:
    claims: dict  # the payload the library returned
    key_settings: tuple  # what its key was read from, when it was checked


def verified_claims() -> dict:
    """A copy of the presented access token's claims (the view cannot change
    the cache through it), from memory when this exact header value passed
    the library's full check before."""
    settings = current_app.config
    cache = token_cache(current_app)
    presented = request.headers.get(settings["JWT_HEADER_NAME"], "")
    key_settings = tuple(settings.get(name) for name in KEY_SETTINGS)
    entry = cache.get(presented) if presented else None
    if entry is not None:
        if entry.key_settings != key_settings:
            cache.clear()  # a new key: nothing checked with the old one counts
        elif entry.claims["exp"] > time.time() - settings["JWT_DECODE_LEEWAY"]:
            return dict(entry.claims)
        else:
            # Expired: forget it, and let the full check below say
            # token_expired in the library's own words.
            cache.discard(presented)
    _header, claims = verify_jwt_in_request(locations=["headers"])  # the full check
    if presented:
        cache.put(presented, VerifiedToken(dict(claims), key_settings))
    return dict(claims)


class VerifiedTokenCache:
    """A bounded LRU cache: header value -> VerifiedToken.

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
    """This app's cache, created on first use: one per worker process.
    ACCESS_TOKEN_CACHE_SIZE sets its size; 0 turns it off."""
    cache = app.extensions.get("access_token_cache")
    if cache is None:
        size = app.config.get("ACCESS_TOKEN_CACHE_SIZE", DEFAULT_CACHE_SIZE)
        cache = app.extensions.setdefault("access_token_cache", VerifiedTokenCache(size))
    return cache
