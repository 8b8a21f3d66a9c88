"""Checking a username and password, and the failed-login rate limit's keys.

An unknown username and a wrong password get the same answer in about the
same time, so nobody can probe which usernames exist.
"""

import functools
import secrets

from flask import current_app, g
from flask_jwt_extended import get_jwt
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import ApiError
from .extensions import db, limiter
from .models import User
from .request_checks import json_body, request_too_large


@functools.cache
def dummy_password_hash() -> str:
    """A hash to check against when the user does not exist, so an unknown
    username costs the same time as a wrong password (no enumeration).
    Built once at start-up (init_credentials): built on first use, it would
    make each worker's first unknown-user login cost two hashes, not one."""
    return generate_password_hash(secrets.token_urlsafe(16))


def init_credentials() -> None:
    """Build the dummy hash now, in the process that forks the workers."""
    dummy_password_hash()


def authenticate(username: str, password: str) -> User:
    """The user with this username and password, or a 401."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    # Always run one password check, even for an unknown user.
    password_hash = user.password_hash if user else dummy_password_hash()
    password_ok = check_password_hash(password_hash, password)
    if user is None or not password_ok:
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    return user


# --- The failed-password limit ----------------------------------------------
# Every place that checks a password (login, re-authentication, password
# change) counts its failures against the same two counters: per client
# address and per username. Otherwise a guesser would simply move to the
# route with the fresh counter.


def login_username_key() -> str:
    """Rate-limit key: the username being tried. On /auth/login it comes
    from the JSON body; where the user is already known from a verified
    token (re-authentication, password change), from that token's user."""
    claims = verified_token_claims()
    if claims:
        user = db.session.get(User, int(claims["sub"]))
        username = user.username if user else None
    else:
        body = json_body() if not request_too_large() else None
        username = body.get("username") if isinstance(body, dict) else None
    return f"login-user:{username}" if isinstance(username, str) else "login-user:?"


def verified_token_claims() -> dict:
    """The claims of the token this request was let in with: by our guard
    (@access_token_required) or by the library's @jwt_required; {} before
    either ran (login)."""
    if g.get("access_token_claims") is not None:
        return g.access_token_claims
    try:
        return get_jwt()
    except RuntimeError:  # no @jwt_required ran for this request
        return {}


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def failed_login(response) -> bool:
    """Only a wrong password counts (not, say, an expired session)."""
    body = response.get_json(silent=True) if response.status_code == 401 else None
    return isinstance(body, dict) and body.get("error") == "invalid_credentials"


def failed_password_limits(view):
    """The two shared failed-password limits, for any route that checks one."""
    per_address = limiter.shared_limit(
        login_rate_limit, scope="failed-password", deduct_when=failed_login
    )
    per_username = limiter.shared_limit(
        login_rate_limit,
        scope="failed-password",
        key_func=login_username_key,
        deduct_when=failed_login,
    )
    return per_address(per_username(view))
