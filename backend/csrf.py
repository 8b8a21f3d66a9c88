"""CSRF: proving that a request carrying the refresh cookie comes from our page.

The browser attaches the refresh cookie to every request to /auth, whoever
made the page that sends it. So /auth/refresh and /auth/logout also want
the X-CSRF-TOKEN header: a copy of the refresh token's `csrf` claim, which
the page reads from the csrf_refresh_token cookie. Another site can make
the browser send the cookies, but it can neither read them nor set the
header (the double-submit pattern). flask-jwt-extended checks it for
/auth/refresh; logout checks it here, by hand (docs/06 says why).
"""

import functools
import hmac

from flask import current_app, request
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import CSRFError

# errors.py answers every CSRFError with this: 401 csrf_failed.
CSRF_FAILED_MESSAGE = "The X-CSRF-TOKEN header is missing or does not match."


def csrf_matches(sent: str, expected: str) -> bool:
    """Compare in constant time, so the answer's timing does not tell how
    many leading characters were right."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


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
            raise CSRFError(CSRF_FAILED_MESSAGE)
        return view(*args, **kwargs)

    return wrapper


def refresh_claims_or_none(token: str | None) -> dict | None:
    """The refresh cookie's claims, or None when there is no valid one
    (expired, tampered, another type): then there is nothing to revoke."""
    if not token:
        return None
    try:
        claims = decode_token(token)
    except Exception:  # any decoding problem means "no valid session"
        return None
    if claims.get("type") != "refresh" or not all(
        isinstance(claims.get(name), str) for name in ("family", "csrf")
    ):
        return None
    return claims
