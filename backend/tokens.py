"""Token logic: issue a pair, spend a refresh token (rotation + reuse
detection), revoke a family. The routes in auth.py only call these.

Vocabulary:
- family: every refresh token descending from one login. Rotation keeps
  the family; logout or a detected reuse revokes all of it at once.
- spent: a refresh token that has already been exchanged. Seeing it again
  means two parties hold it, and we cannot tell which one is the thief
  (RFC 9700 §4.14.2), so the whole family is revoked.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import delete, select, update

from .errors import ApiError
from .extensions import db
from .models import RefreshToken, User, utcnow


@dataclass
class IssuedTokens:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    refresh_csrf: str  # the refresh token's `csrf` claim, for the readable cookie


def issue_tokens(
    user: User, family: str | None = None, auth_time: int | None = None
) -> IssuedTokens:
    """Create an access token and a refresh token, and record the latter.

    `family` and `auth_time` (when the user typed the password) are new on
    login and inherited on rotation. `auth_time` caps the family's life at
    SESSION_MAX_AGE: rotating forever never extends a login past it.
    The caller commits.
    """
    config = current_app.config
    # Whole seconds: that is what a JWT's `exp` holds, and what we report.
    now = datetime.now(UTC).replace(microsecond=0)
    family = family or str(uuid.uuid4())
    auth_time = auth_time or int(now.timestamp())
    session_ends = datetime.fromtimestamp(auth_time, UTC) + config["SESSION_MAX_AGE"]
    refresh_expires = min(now + config["JWT_REFRESH_TOKEN_EXPIRES"], session_ends)
    if refresh_expires <= now:
        raise ApiError(
            401, "token_expired", "The session has reached its maximum age; log in again."
        )
    access_expires = now + config["JWT_ACCESS_TOKEN_EXPIRES"]

    # We choose `jti`, `csrf` and `exp` ourselves (additional claims override the
    # library's defaults), so we know them without decoding our own tokens.
    identity = str(user.id)
    access_token = create_access_token(
        identity,
        additional_claims={"username": user.username, "exp": int(access_expires.timestamp())},
    )
    refresh_jti = str(uuid.uuid4())
    refresh_csrf = str(uuid.uuid4())
    refresh_token = create_refresh_token(
        identity,
        additional_claims={
            "jti": refresh_jti,
            "csrf": refresh_csrf,  # the double-submit value, known without decoding
            "exp": int(refresh_expires.timestamp()),
            "family": family,
            "auth_time": auth_time,
        },
    )
    db.session.add(
        RefreshToken(
            jti=refresh_jti,
            user_id=user.id,
            family=family,
            issued_at=now.replace(tzinfo=None),
            expires_at=refresh_expires.replace(tzinfo=None),
        )
    )
    return IssuedTokens(
        user=user,
        access_token=access_token,
        access_token_expires_at=access_expires,
        refresh_token=refresh_token,
        refresh_token_expires_at=refresh_expires,
        refresh_csrf=refresh_csrf,
    )


def lock_family(family: str) -> None:
    """Hold the family's lock until this transaction ends.

    Ending a family (logout, reuse detection) and rotating inside it must
    never overlap. Without a lock, on PostgreSQL's READ COMMITTED, the
    family-wide "revoke where family = F" does not see the child row that a
    concurrent rotation is still inserting, and that child outlives the
    logout (docs/05, "The race"). The family's oldest row (its login token)
    serves as the lock: every operation on the family takes it first, so
    they run one after the other, and each statement after the lock sees
    what the previous holder committed. SQLite ignores FOR UPDATE; it lets
    one writer at a time into the whole database, which is enough there.
    """
    db.session.execute(
        select(RefreshToken.id)
        .where(RefreshToken.family == family)
        .order_by(RefreshToken.id)
        .limit(1)
        .with_for_update()
    )


def spend_refresh_token(jti: str, user_id: int, family: str) -> None:
    """Mark a refresh token spent, or raise the reason it cannot be.

    The spend is ONE conditional UPDATE: "set spent_at where it is still
    unspent". The database applies it atomically, so when N requests race
    with the same token, exactly one sees rowcount == 1. A read followed by
    a write ("if not row.spent: row.spent = now") would let several win.
    """
    lock_family(family)
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == jti,
            # The token's user and family must match our record of it too, so
            # the record, not the token's claims, has the last word.
            RefreshToken.user_id == user_id,
            RefreshToken.family == family,
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(spent_at=utcnow())
    ).rowcount
    if spent == 1:
        return

    row = db.session.scalar(select(RefreshToken).where(RefreshToken.jti == jti))
    if row is None or (row.user_id, row.family) != (user_id, family):
        # Never issued by us, purged after expiry, or not the token we issued.
        raise ApiError(401, "invalid_token", "Unknown refresh token.")
    if row.revoked_at is not None:
        raise ApiError(401, "token_revoked", "This session has ended; log in again.")
    if within_reuse_grace(row):
        # A client that never saw the answer to its refresh (a lost
        # response) presents the same token again. It gets a new token in
        # the SAME family; the child it never saw is spent, so the family
        # still has exactly one live token.
        supersede_live_tokens(row.family)
        return
    # Spent but not revoked: somebody is replaying an old token.
    revoke_family(row.family)
    # Commit now, although the caller normally commits: raising ends the
    # request, and the session is rolled back at teardown. Without this
    # commit the revocation, the whole point of reuse detection, would be
    # undone together with the failed request.
    db.session.commit()
    raise ApiError(
        401,
        "token_reused",
        "This refresh token was already used; the session has been ended for safety.",
    )


def within_reuse_grace(row: RefreshToken) -> bool:
    """True when `row` was spent less than REFRESH_REUSE_GRACE_S ago (0 = never)."""
    grace = current_app.config["REFRESH_REUSE_GRACE_S"]
    return (
        grace > 0
        and row.spent_at is not None
        and utcnow() - row.spent_at <= timedelta(seconds=grace)
    )


def supersede_live_tokens(family: str) -> int:
    """Spend the family's live tokens (the grace window's re-issue). Caller commits."""
    return db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family == family,
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(spent_at=utcnow())
    ).rowcount


def revoke_family(family: str) -> int:
    """Revoke every live token of a family; returns how many. Caller commits."""
    lock_family(family)  # waits for a rotation in progress, then sees its child
    return db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def purge_expired_tokens() -> int:
    """Delete rows whose token has expired: they can never be accepted again,
    so they are no longer needed for reuse detection. Caller commits."""
    return db.session.execute(
        delete(RefreshToken).where(RefreshToken.expires_at < utcnow())
    ).rowcount


def token_response_body(tokens: IssuedTokens) -> dict:
    """The JSON both /auth/login and /auth/refresh answer with."""
    expires_at = tokens.access_token_expires_at
    # The real remaining life: `exp` holds whole seconds, so a token made at
    # 12:00:00.900 with a 900 s lifetime has 899.1 s left, and we say 899.
    # Reporting the full 900 would make a client refresh too late.
    remaining = (expires_at - datetime.now(UTC)).total_seconds()
    return {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": max(int(remaining), 0),
        "access_token_expires_at": expires_at.isoformat().replace("+00:00", "Z"),
        "user": tokens.user.to_json(),
    }


def token_response(tokens: IssuedTokens):
    """The one place that builds a token response: 200 with the JSON body,
    the refresh token in its HttpOnly cookie, and its CSRF value in the
    readable cookie (the same attributes flask-jwt-extended's
    set_refresh_cookies uses, without decoding the token it just made)."""
    config = current_app.config
    response = jsonify(token_response_body(tokens))
    # The cookies live exactly as long as the token inside them.
    max_age = tokens.refresh_token_expires_at - datetime.now(UTC)
    attributes = {
        "max_age": max(int(max_age.total_seconds()), 1),
        "secure": config["JWT_COOKIE_SECURE"],
        "domain": config["JWT_COOKIE_DOMAIN"],
        "samesite": config["JWT_COOKIE_SAMESITE"],
    }
    response.set_cookie(
        config["JWT_REFRESH_COOKIE_NAME"],
        tokens.refresh_token,
        httponly=True,
        path=config["JWT_REFRESH_COOKIE_PATH"],
        **attributes,
    )
    response.set_cookie(
        config["JWT_REFRESH_CSRF_COOKIE_NAME"],
        tokens.refresh_csrf,
        httponly=False,
        path=config["JWT_REFRESH_CSRF_COOKIE_PATH"],
        **attributes,
    )
    return response


# Our user ids are database integers: a signed `sub` beyond this range can
# match no user, and would make the driver raise (a 500) instead.
MAX_USER_ID = 2**31 - 1


# The claims each token type must carry, and their JSON types.
REQUIRED_CLAIMS = {
    "access": {"sub": str, "jti": str, "exp": int, "username": str},
    "refresh": {"sub": str, "jti": str, "exp": int, "family": str, "auth_time": int, "csrf": str},
}


def has_required_claims(_jwt_header: dict, claims: dict) -> bool:
    """flask-jwt-extended calls this after the signature checks out: a token
    missing a claim our routes read, or carrying it with the wrong type, is
    refused (401 invalid_token) here, instead of failing later with a
    KeyError or TypeError (a 500). Presence alone is not enough:
    flask-jwt-extended fills a missing `jti` with None, and PyJWT accepts
    "exp": "9999999999" (a string) as long as int() can read it."""
    kind = claims.get("type")
    required = REQUIRED_CLAIMS.get(kind) if isinstance(kind, str) else None
    if required is None:
        return False
    if not all(isinstance(claims.get(name), expected) for name, expected in required.items()):
        return False
    # `sub` must be ASCII digits. str.isdigit() alone is not enough: it is
    # also true for "²" (which int() rejects: a 500) and for "٣" (which int()
    # reads as 3).
    sub = claims["sub"]
    return sub.isascii() and sub.isdigit() and 0 < int(sub) <= MAX_USER_ID
