"""The /auth blueprint: log in, refresh (rotate), log out.

The refresh cookie is scoped to /auth, so the browser sends it to these
routes only; the access token never appears in a cookie at all.
"""

import functools
import hmac
import secrets
import time
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    jwt_required,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import CSRF_FAILED_MESSAGE, ApiError
from .extensions import db, limiter
from .models import User
from .tokens import issue_tokens, revoke_family, spend_refresh_token, token_response_body

bp = Blueprint("auth", __name__, url_prefix="/auth")


def token_response(tokens):
    """200 with the token body, and the rotated refresh token as a cookie."""
    response = jsonify(token_response_body(tokens))
    # The cookie lives exactly as long as the token inside it.
    max_age = tokens.refresh_token_expires_at - datetime.now(timezone.utc)
    set_refresh_cookies(response, tokens.refresh_token, max_age=max(int(max_age.total_seconds()), 1))
    return response


def json_body():
    """The request's JSON, or None when it is not (valid) JSON.

    get_json(silent=True) only silences ValueError, but a body nested
    thousands deep ("[[[[...", still far under the size limit) makes the
    JSON parser raise RecursionError instead: that would be a 500 for
    hostile input. Such a body is simply "not JSON we accept"."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def read_credentials() -> tuple[str, str]:
    """Return (username, password) from a JSON body, or raise a 400."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", 'Send a JSON object: {"username": "...", "password": "..."}.')
    fields = []
    for name in ("username", "password"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(400, "bad_request", f"'{name}' must be a non-empty string.")
        # NUL and lone surrogates cannot be stored or hashed: say so now
        # instead of failing deep inside the database driver.
        if "\x00" in value or not _encodes(value):
            raise ApiError(400, "bad_request", f"'{name}' contains characters that are not allowed.")
        fields.append(value)
    return fields[0], fields[1]


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def dummy_password_hash() -> str:
    """A hash to check against when the user does not exist, so an unknown
    username costs the same time as a wrong password (no enumeration)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def login_username_key() -> str:
    body = json_body() if not _too_large() else None
    username = body.get("username") if isinstance(body, dict) else None
    return f"login-user:{username}" if isinstance(username, str) else "login-user:?"


def _too_large() -> bool:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return request.content_length is not None and request.content_length > limit


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def failed_login(response) -> bool:
    return response.status_code == 401


@bp.post("/login")
# Only failed attempts count, so a presenter logging in over and over is
# never locked out, while guessing passwords quickly hits a 429.
@limiter.limit(login_rate_limit, deduct_when=failed_login)  # per client address
@limiter.limit(login_rate_limit, key_func=login_username_key, deduct_when=failed_login)
def login():
    username, password = read_credentials()
    user = db.session.scalar(db.select(User).where(User.username == username))
    # Always run one password check, even for an unknown user.
    password_hash = user.password_hash if user else dummy_password_hash()
    password_ok = check_password_hash(password_hash, password)
    if user is None or not password_ok:
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    tokens = issue_tokens(user)
    db.session.commit()
    return token_response(tokens)


def ascii_csrf_header(view):
    """Refuse a non-ASCII X-CSRF-TOKEN header as a plain CSRF failure.

    flask-jwt-extended compares the header with hmac.compare_digest(str, str),
    which raises TypeError (a 500) for non-ASCII text. Our CSRF values are
    ASCII, so such a header can only be wrong: say so before that check runs.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        sent = request.headers.get(current_app.config["JWT_REFRESH_CSRF_HEADER_NAME"], "")
        if not sent.isascii():
            raise ApiError(401, "csrf_failed", CSRF_FAILED_MESSAGE)
        return view(*args, **kwargs)

    return wrapper


@bp.post("/refresh")
@ascii_csrf_header
@jwt_required(refresh=True, locations=["cookies"])  # checks signature, expiry, type, CSRF
def refresh():
    delay_ms = current_app.config["REFRESH_DELAY_MS"]
    if delay_ms:  # demo only: make the queue visible on the timeline
        time.sleep(delay_ms / 1000)
    claims = get_jwt()
    user_id = int(claims["sub"])
    # Raises token_reused / token_revoked, or invalid_token when the token's
    # jti, user and family do not all match our record.
    spend_refresh_token(claims["jti"], user_id, claims["family"])
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(401, "invalid_token", "The user no longer exists.")
    tokens = issue_tokens(user, family=claims["family"], auth_time=claims["auth_time"])
    db.session.commit()  # the spend and the new token land together, or neither
    return token_response(tokens)


@bp.post("/logout")
def logout():
    """Revoke the session's whole family and clear the cookies.

    A missing or invalid cookie still gets 204 and cleared cookies: the
    client wants to be logged out, and it is. A valid cookie without the
    matching CSRF header is refused, so another site cannot log you out.
    """
    claims = _refresh_claims_or_none()
    if claims is not None:
        sent_csrf = request.headers.get(current_app.config["JWT_REFRESH_CSRF_HEADER_NAME"], "")
        if not hmac.compare_digest(sent_csrf.encode(), claims["csrf"].encode()):
            raise ApiError(401, "csrf_failed", CSRF_FAILED_MESSAGE)
        revoke_family(claims["family"])
        db.session.commit()
    response = current_app.response_class(status=204)
    unset_jwt_cookies(response)
    return response


def _refresh_claims_or_none() -> dict | None:
    token = request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
    if not token:
        return None
    try:
        claims = decode_token(token)
    except Exception:  # any decoding problem means "no valid session"
        return None
    if claims.get("type") != "refresh" or "family" not in claims or "csrf" not in claims:
        return None
    return claims
