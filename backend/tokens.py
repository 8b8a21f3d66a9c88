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
from datetime import datetime, timezone

from flask import current_app
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


def issue_tokens(user: User, family: str | None = None, auth_time: int | None = None) -> IssuedTokens:
    """Create an access token and a refresh token, and record the latter.

    `family` and `auth_time` (when the user typed the password) are new on
    login and inherited on rotation. `auth_time` caps the family's life at
    SESSION_MAX_AGE: rotating forever never extends a login past it.
    The caller commits.
    """
    config = current_app.config
    # Whole seconds: that is what a JWT's `exp` holds, and what we report.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    family = family or str(uuid.uuid4())
    auth_time = auth_time or int(now.timestamp())
    session_ends = datetime.fromtimestamp(auth_time, timezone.utc) + config["SESSION_MAX_AGE"]
    refresh_expires = min(now + config["JWT_REFRESH_TOKEN_EXPIRES"], session_ends)
    if refresh_expires <= now:
        raise ApiError(401, "token_expired", "The session has reached its maximum age; log in again.")
    access_expires = now + config["JWT_ACCESS_TOKEN_EXPIRES"]

    # We choose `jti` and `exp` ourselves (additional claims override the
    # library's defaults), so we know them without decoding our own tokens.
    identity = str(user.id)
    access_token = create_access_token(
        identity,
        additional_claims={"username": user.username, "exp": int(access_expires.timestamp())},
    )
    refresh_jti = str(uuid.uuid4())
    refresh_token = create_refresh_token(
        identity,
        additional_claims={
            "jti": refresh_jti,
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
    )


def spend_refresh_token(jti: str, user_id: int, family: str) -> None:
    """Mark a refresh token spent, or raise the reason it cannot be.

    The spend is ONE conditional UPDATE: "set spent_at where it is still
    unspent". The database applies it atomically, so when N requests race
    with the same token, exactly one sees rowcount == 1. A read followed by
    a write ("if not row.spent: row.spent = now") would let several win.
    """
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
    # Spent but not revoked: somebody is replaying an old token.
    revoke_family(row.family)
    db.session.commit()
    raise ApiError(
        401, "token_reused", "This refresh token was already used; the session has been ended for safety."
    )


def revoke_family(family: str) -> int:
    """Revoke every live token of a family; returns how many. Caller commits."""
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
    return {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
        "access_token_expires_at": expires_at.isoformat().replace("+00:00", "Z"),
        "user": tokens.user.to_json(),
    }


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
    return claims["sub"].isascii() and claims["sub"].isdigit()
