"""The guarded resources /aaa and /bbb, and an unguarded /health.

Guarding costs no database query: the access token's signature and expiry
are enough, and the user's id and name travel inside it. That is the point
of a short-lived access token (and why it cannot be revoked early).
"""

import time

from flask import Blueprint

from .guard import access_token_required, current_claims

bp = Blueprint("resources", __name__)


@bp.get("/health")
def health():
    return {"status": "ok"}


def guarded_payload(data: str) -> dict:
    claims = current_claims()
    return {
        "data": data,
        "user": {"id": int(claims["sub"]), "username": claims["username"]},
        "token_expires_in": max(0, claims["exp"] - int(time.time())),
    }


@bp.get("/aaa")
@access_token_required  # Authorization: Bearer <access token>, nothing else
def aaa():
    return guarded_payload("aaa")


@bp.get("/bbb")
@access_token_required
def bbb():
    return guarded_payload("bbb")
