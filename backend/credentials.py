"""Checking a username and password, and the failed-login rate limit's keys.

An unknown username and a wrong password get the same answer in about the
same time, so nobody can probe which usernames exist.
"""

import functools
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import ApiError
from .extensions import db
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


def login_username_key() -> str:
    """Rate-limit key: the username being tried (from the JSON body)."""
    body = json_body() if not request_too_large() else None
    username = body.get("username") if isinstance(body, dict) else None
    return f"login-user:{username}" if isinstance(username, str) else "login-user:?"


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def failed_login(response) -> bool:
    return response.status_code == 401
