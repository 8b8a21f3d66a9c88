"""Token logic: issue a pair, rotate a refresh token (with reuse detection
and a safe retry), end a family. The routes only call these.

Vocabulary:
- family: every refresh token descending from one login. It is the user's
  session on one device; its id is the session id (`sid` in access tokens).
  Rotation keeps the family; logout, a detected reuse or the user ending
  the session revokes all of it at once.
- spent: a refresh token that has already been exchanged. Seeing it again
  means two parties hold it, and we cannot tell which one is the thief
  (RFC 9700 §4.14.2), so the whole family is revoked. One exception: the
  safe retry (`successor_to_resend`).

The commit rule: nothing in this module commits. Each function adds its
changes to the request's transaction, and the route commits once, so a
request's changes land together or not at all. A detected reuse raises
TokenReused *after* revoking the family: the route must commit before the
error ends the request (auth.py does), or the rollback would undo it.
"""

import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify, request
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import delete, select, update

from .errors import ApiError
from .extensions import db
from .models import USER_AGENT_MAX_LENGTH, RefreshToken, User, utcnow


class TokenReused(ApiError):
    """A spent refresh token came back: its family has just been revoked."""

    def __init__(self):
        super().__init__(
            401,
            "token_reused",
            "This refresh token was already used; the session has been ended for safety.",
        )


@dataclass
class IssuedTokens:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    refresh_csrf: str  # the refresh token's `csrf` claim, for the readable cookie


def issue_tokens(
    user: User, family: str | None = None, auth_time: int | None = None, jti: str | None = None
) -> IssuedTokens:
    """Create an access token and a refresh token, and record the latter.

    `family` and `auth_time` (when the user typed the password) are new on
    login and inherited on rotation. `auth_time` caps the family's life at
    SESSION_MAX_AGE: rotating forever never extends a login past it.
    """
    config = current_app.config
    # Whole seconds: that is what a JWT's `exp` holds, and what we report.
    now = datetime.now(UTC).replace(microsecond=0)
    auth_time = auth_time or int(now.timestamp())
    session_ends = datetime.fromtimestamp(auth_time, UTC) + config["SESSION_MAX_AGE"]
    refresh_expires = min(now + config["JWT_REFRESH_TOKEN_EXPIRES"], session_ends)
    if refresh_expires <= now:
        raise ApiError(
            401, "token_expired", "The session has reached its maximum age; log in again."
        )
    row = RefreshToken(
        jti=jti or str(uuid.uuid4()),
        user_id=user.id,
        family=family or str(uuid.uuid4()),
        issued_at=now.replace(tzinfo=None),
        expires_at=refresh_expires.replace(tzinfo=None),
        auth_time=datetime.fromtimestamp(auth_time, UTC).replace(tzinfo=None),
        user_agent=request_user_agent(),
    )
    db.session.add(row)
    return tokens_for_row(user, row)


def tokens_for_row(user: User, row: RefreshToken) -> IssuedTokens:
    """The refresh token recorded in `row`, and a new access token beside it.

    The refresh token depends on the row alone: every claim, `iat` and the
    CSRF value included, comes from it (HS256 signs deterministically), so
    encoding the same row twice gives the same token, byte for byte. That
    is what lets a safe retry hand out the successor already issued
    instead of a second live token.
    """
    config = current_app.config
    identity = str(user.id)
    issued = int(row.issued_at.replace(tzinfo=UTC).timestamp())
    auth_time = int(row.auth_time.replace(tzinfo=UTC).timestamp())
    refresh_expires = row.expires_at.replace(tzinfo=UTC)
    refresh_csrf = csrf_value(row.jti)
    refresh_token = create_refresh_token(
        identity,
        # Claims we name override the library's own (a random jti, now, ...).
        additional_claims={
            "jti": row.jti,
            "iat": issued,
            "nbf": issued,
            "csrf": refresh_csrf,  # the double-submit value, known without decoding
            "exp": int(refresh_expires.timestamp()),
            "family": row.family,
            "auth_time": auth_time,
        },
    )
    now = datetime.now(UTC).replace(microsecond=0)
    access_expires = now + config["JWT_ACCESS_TOKEN_EXPIRES"]
    access_token = create_access_token(
        identity,
        # flask-jwt-extended's `fresh`: a token is fresh until this moment,
        # and @jwt_required(fresh=True) refuses it after. Counting from
        # auth_time, not from now, means rotation never makes a token fresh.
        fresh=float(auth_time + config["REAUTH_MAX_AGE"].total_seconds()),
        additional_claims={
            "username": user.username,
            "exp": int(access_expires.timestamp()),
            "sid": row.family,
            "auth_time": auth_time,
        },
    )
    return IssuedTokens(
        user=user,
        access_token=access_token,
        access_token_expires_at=access_expires,
        refresh_token=refresh_token,
        refresh_token_expires_at=refresh_expires,
        refresh_csrf=refresh_csrf,
    )


def csrf_value(jti: str) -> str:
    """The refresh token's CSRF value, derived from its jti with our key:
    unguessable without the key, and the same each time we encode the row."""
    key = current_app.config["JWT_SECRET_KEY"].encode()
    digest = hmac.new(key, b"csrf:" + jti.encode(), "sha256").hexdigest()
    return str(uuid.UUID(hex=digest[:32]))  # shaped like the library's own uuid4 values


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def request_user_agent() -> str | None:
    """The request's User-Agent, for the session list: shown, never trusted.
    Control characters go (a database may refuse NUL), and it is truncated."""
    raw = request.headers.get("User-Agent", "") if request else ""
    return CONTROL_CHARACTERS.sub("", raw)[:USER_AGENT_MAX_LENGTH] or None


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


def rotate_refresh_token(claims: dict) -> IssuedTokens:
    """Exchange the refresh token whose verified claims these are for its
    successor, or raise the reason it cannot be exchanged."""
    user_id, family = int(claims["sub"]), claims["family"]
    successor_jti = str(uuid.uuid4())
    resend = spend_refresh_token(claims["jti"], user_id, family, successor_jti)
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(401, "invalid_token", "The user no longer exists.")
    if resend is not None:
        return tokens_for_row(user, resend)
    return issue_tokens(user, family=family, auth_time=claims["auth_time"], jti=successor_jti)


def spend_refresh_token(
    jti: str, user_id: int, family: str, successor_jti: str | None = None
) -> RefreshToken | None:
    """Mark a refresh token spent, or say why it cannot be.

    Returns None when the token was live and is now spent. Returns the
    successor's row when the token was spent moments ago and that
    successor is still live (the caller sends it again: a safe retry).
    Raises token_revoked, invalid_token, or TokenReused otherwise.

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
        .values(spent_at=utcnow(), replaced_by=successor_jti)
    ).rowcount
    if spent == 1:
        return None

    row = db.session.scalar(select(RefreshToken).where(RefreshToken.jti == jti))
    if row is None or (row.user_id, row.family) != (user_id, family):
        # Never issued by us, purged after expiry, or not the token we issued.
        raise ApiError(401, "invalid_token", "Unknown refresh token.")
    if row.revoked_at is not None:
        raise ApiError(401, "token_revoked", "This session has ended; log in again.")
    successor = successor_to_resend(row)
    if successor is not None:
        return successor
    # Spent, and not a retry: somebody is replaying an old token.
    revoke_family(row.family)
    raise TokenReused()


def successor_to_resend(row: RefreshToken) -> RefreshToken | None:
    """The safe retry: the successor of a token spent moments ago, if that
    successor is still live; None when the spent token counts as reuse.

    A client whose refresh answer was lost (dropped, or later than its
    timeout) still holds the token it just spent, and presents it again.
    Within REFRESH_REUSE_GRACE_S of the spend we answer with the successor
    we already issued, the very same token, so the lost answer heals and
    the family still has one live token however often the retry comes.
    Once that successor has been exchanged in turn, the old token is reuse
    again: two parties hold the session, and reuse detection ends it.
    """
    grace = current_app.config["REFRESH_REUSE_GRACE_S"]
    if (
        grace <= 0
        or row.spent_at is None
        or row.replaced_by is None
        or utcnow() - row.spent_at > timedelta(seconds=grace)
    ):
        return None
    successor = db.session.scalar(select(RefreshToken).where(RefreshToken.jti == row.replaced_by))
    if successor is None or not is_live(successor):
        return None
    return successor


def is_live(row: RefreshToken) -> bool:
    return row.spent_at is None and row.revoked_at is None and row.expires_at > utcnow()


def revoke_family(family: str) -> int:
    """Revoke every live token of a family; returns how many."""
    lock_family(family)  # waits for a rotation in progress, then sees its child
    return db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def purge_expired_tokens() -> int:
    """Delete rows whose token has expired: they can never be accepted again,
    so they are no longer needed for reuse detection."""
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
    "access": {
        "sub": str,
        "jti": str,
        "exp": int,
        "username": str,
        "sid": str,
        "auth_time": int,
        "fresh": (bool, int, float),
    },
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
