"""The /sessions blueprint: a user's sessions, listed and ended.

A session is one token family (tokens.py): one login on one device, kept
alive by rotation; its id is the family id, which access tokens carry as
`sid`. A live family has exactly one live refresh-token row, so the user's
sessions are their live rows, found through a partial index (models.py).

Ending sessions that are not your own is *sensitive*: it needs a recent
password (`auth_time` within REAUTH_MAX_AGE), checked by flask-jwt-extended's
`fresh` mechanism (tokens.tokens_for_row sets the `fresh` deadline).
"""

import uuid

from flask import Blueprint, current_app
from flask_jwt_extended import get_jwt, jwt_required, verify_jwt_in_request
from sqlalchemy import select

from .errors import ApiError
from .extensions import db
from .guard import access_token_required, current_claims
from .models import RefreshToken, utcnow
from .tokens import revoke_family

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


def live_sessions(user_id: int) -> list[RefreshToken]:
    """The user's live sessions, as their live rows, most recently used first."""
    return db.session.scalars(
        select(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > utcnow(),
        )
        .order_by(RefreshToken.issued_at.desc(), RefreshToken.id.desc())
    ).all()


def end_other_sessions(user_id: int, keep: str) -> int:
    """End every live session of the user but `keep`; returns how many.

    Each family is revoked under its lock (tokens.lock_family): a refresh
    running in that session either finishes first, and its new token is
    revoked with the rest, or waits and then finds the family revoked."""
    families = {row.family for row in live_sessions(user_id)} - {keep}
    # One order for every caller: no deadlocks. A family that another request
    # ended while we waited for its lock revokes nothing here, and is not counted.
    return sum(revoke_family(family) > 0 for family in sorted(families))


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@bp.get("")
@access_token_required
def list_sessions():
    claims = current_claims()
    current = claims["sid"]
    return {
        "sessions": [
            {
                "id": row.family,
                "created_at": iso(row.auth_time),  # the login that started it
                "last_used_at": iso(row.issued_at),  # its newest token's issue
                "expires_at": iso(row.expires_at),  # capped by SESSION_MAX_AGE
                "user_agent": row.user_agent,
                "current": row.family == current,
            }
            for row in live_sessions(int(claims["sub"]))
        ]
    }


@bp.delete("/<session_id>")
@access_token_required
def end_session(session_id: str):
    """End one session. Your own needs no recent password; another one
    does. An id that is not one of your live sessions is 404, checked
    first, so another user's session id answers exactly like a made-up one
    (and says nothing about whether the password is recent)."""
    claims = current_claims()
    user_id = int(claims["sub"])
    if not is_session_id(session_id) or session_id not in {
        row.family for row in live_sessions(user_id)
    }:
        raise ApiError(404, "not_found", "You have no live session with this id.")
    if session_id != claims["sid"]:
        verify_jwt_in_request(fresh=True, locations=["headers"])  # 403 reauth_required
    revoke_family(session_id)
    db.session.commit()
    return current_app.response_class(status=204)


def is_session_id(value: str) -> bool:
    """Family ids are UUIDs as str(uuid4()) writes them; anything else can
    match no session (and a NUL would upset PostgreSQL: a 500)."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


@bp.post("/end-others")
@jwt_required(fresh=True, locations=["headers"])  # sensitive: 403 reauth_required
def end_others():
    claims = get_jwt()
    ended = end_other_sessions(int(claims["sub"]), keep=claims["sid"])
    db.session.commit()
    return {"ended": ended}
