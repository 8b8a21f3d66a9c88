"""The /auth blueprint: log in, refresh (rotate), re-authenticate, log out.

Routes only: reading input safely lives in request_checks.py, checking a
password in credentials.py, and every token rule in tokens.py. The refresh
cookie is scoped to /auth, so the browser sends it to these routes only;
the access token never appears in a cookie at all.
"""

import time

from flask import Blueprint, current_app, request
from flask_jwt_extended import get_jwt, jwt_required, unset_refresh_cookies

from .credentials import authenticate, failed_password_limits
from .csrf import CSRF_FAILED_MESSAGE, ascii_csrf_header, csrf_matches, refresh_claims_or_none
from .errors import ApiError
from .extensions import db
from .models import User
from .request_checks import read_credentials, read_fields
from .tokens import (
    TokenReused,
    issue_tokens,
    revoke_family,
    rotate_refresh_token,
    spend_refresh_token,
    token_response,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.post("/login")
# Only failed attempts count, so a presenter logging in over and over is
# never locked out, while guessing passwords quickly hits a 429. The same
# counters serve every password check (credentials.py).
@failed_password_limits
def login():
    user = authenticate(*read_credentials())
    # One browser, one session: the session of a refresh cookie still held
    # here (whoever it belonged to) ends, instead of lingering unseen.
    previous = refresh_claims_or_none(
        request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
    )
    if previous is not None:
        revoke_family(previous["family"])
    tokens = issue_tokens(user)
    response = token_response(tokens)  # built before the commit: no reload after it
    db.session.commit()
    return response


@bp.post("/refresh")
@ascii_csrf_header
@jwt_required(refresh=True, locations=["cookies"])  # checks signature, expiry, type, CSRF
def refresh():
    delay_ms = current_app.config["REFRESH_DELAY_MS"]
    if delay_ms:  # demo only: make the queue visible on the timeline
        time.sleep(delay_ms / 1000)
    try:
        # Raises token_reused / token_revoked, or invalid_token when the
        # token's jti, user and family do not all match our record.
        tokens = rotate_refresh_token(get_jwt())
    except TokenReused:
        db.session.commit()  # the family's revocation outlives this failed request
        raise
    response = token_response(tokens)
    db.session.commit()  # the spend and the new token land together, or neither
    return response


@bp.post("/reauth")
@ascii_csrf_header
@jwt_required(refresh=True, locations=["cookies"])
@failed_password_limits  # inside jwt_required: its keys read the verified token
def reauth():
    """Check the password again and move to a new session (new family, new
    cookie) with a fresh auth_time; the old session ends. A wrong password
    changes nothing: the old cookie still refreshes."""
    claims = get_jwt()
    user = db.session.get(User, int(claims["sub"]))
    (password,) = read_fields("password")
    if user is None:
        raise ApiError(401, "invalid_token", "The user no longer exists.")
    authenticate(user.username, password)
    try:
        # The presented token must still be this session's (or its safe retry).
        spend_refresh_token(claims["jti"], user.id, claims["family"])
    except TokenReused:
        db.session.commit()
        raise
    revoke_family(claims["family"])
    tokens = issue_tokens(user)
    response = token_response(tokens)
    db.session.commit()
    return response


@bp.post("/logout")
def logout():
    """Revoke the session's whole family and clear the two refresh cookies.

    Only a request whose X-CSRF-TOKEN header matches the csrf_refresh_token
    cookie changes anything: another site can make the browser post here,
    but it can neither read that cookie nor set the header. Anything else
    is a 401 csrf_failed with no Set-Cookie at all. A request with neither
    cookie nor header has no session to end: 204, nothing changed.
    """
    sent = request.headers.get(current_app.config["JWT_REFRESH_CSRF_HEADER_NAME"], "")
    expected = request.cookies.get(current_app.config["JWT_REFRESH_CSRF_COOKIE_NAME"], "")
    refresh_cookie = request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
    if not (sent or expected or refresh_cookie):
        return current_app.response_class(status=204)
    if not (sent and expected and csrf_matches(sent, expected)):
        raise ApiError(401, "csrf_failed", CSRF_FAILED_MESSAGE)
    claims = refresh_claims_or_none(refresh_cookie)
    if claims is not None:
        if not csrf_matches(sent, claims["csrf"]):
            raise ApiError(401, "csrf_failed", CSRF_FAILED_MESSAGE)
        revoke_family(claims["family"])
        db.session.commit()
    response = current_app.response_class(status=204)
    unset_refresh_cookies(response)  # the two cookies we set; nothing else
    return response
