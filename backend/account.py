"""The /account blueprint: changing the password.

Not "sensitive" in the REAUTH_MAX_AGE sense: the current password is in
the request, which is a fresher proof than any token. A wrong one counts
against the same failed-password limit as a login (credentials.py).
"""

from flask import Blueprint, current_app

from .credentials import authenticate, failed_password_limits
from .errors import ApiError
from .extensions import db
from .guard import access_token_required, current_claims
from .models import User
from .request_checks import read_fields
from .sessions import end_other_sessions

bp = Blueprint("account", __name__, url_prefix="/account")

MIN_PASSWORD_LENGTH = 8


@bp.post("/password")
@access_token_required
@failed_password_limits  # inside the guard: its keys read the verified token
def change_password():
    """Change the password; every other session of the user ends (OWASP
    ASVS v5 7.4.3: whoever else knew the old one is signed out), this one
    stays."""
    claims = current_claims()
    current_password, new_password = read_fields("current_password", "new_password")
    user = db.session.get(User, int(claims["sub"]))
    if user is None:
        raise ApiError(401, "invalid_token", "The user no longer exists.")
    check_strength(new_password, user.username)
    authenticate(user.username, current_password)
    user.set_password(new_password)
    end_other_sessions(user.id, keep=claims["sid"])
    db.session.commit()
    return current_app.response_class(status=204)


def check_strength(password: str, username: str) -> None:
    """NIST SP 800-63B's floor: a minimum length, and not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ApiError(
            400,
            "weak_password",
            f"The new password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if password.casefold() == username.casefold():
        raise ApiError(400, "weak_password", "The new password must not be your username.")
