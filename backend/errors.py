"""One JSON error shape for everything: {"error": "<code>", "message": "<text>"}.

Clients switch on `error`; humans read `message`. No HTML error pages, no
tracebacks, and every token problem is a 401 (flask-jwt-extended answers 422
for some of them by default, which clients would not treat as "log in again").
"""

import jwt as pyjwt
from flask import Flask, current_app, jsonify
from flask_jwt_extended.exceptions import (
    CSRFError,
    FreshTokenRequired,
    JWTExtendedException,
    NoAuthorizationError,
    RevokedTokenError,
)
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException

from .csrf import CSRF_FAILED_MESSAGE


class ApiError(Exception):
    """Raise this anywhere in a view to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str, response=None):
    """Build (or rewrite, keeping its headers) a JSON error response."""
    body = jsonify(error=code, message=message)
    if response is None:
        response = body
    else:
        response.set_data(body.get_data())
        response.content_type = "application/json"
    response.status_code = status
    if status == 401:
        # RFC 6750 §3: say how to authenticate; add error="invalid_token"
        # when the client did present a token and it was not good.
        challenge = "Bearer"
        if code not in ("missing_token", "invalid_credentials"):
            challenge += ' error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


# Exceptions flask-jwt-extended and PyJWT raise while reading a token, and the
# code we answer with. Anything not listed here is an "invalid_token".
TOKEN_ERROR_CODES = [
    (NoAuthorizationError, "missing_token", "No token was sent."),
    (CSRFError, "csrf_failed", CSRF_FAILED_MESSAGE),
    (pyjwt.ExpiredSignatureError, "token_expired", "The token has expired."),
    (RevokedTokenError, "token_revoked", "The token has been revoked."),
]


def token_error(error: Exception):
    for exception_class, code, message in TOKEN_ERROR_CODES:
        if isinstance(error, exception_class):
            return error_response(401, code, message)
    return error_response(401, "invalid_token", "The token is invalid.")


def reauth_required(_jwt_header: dict, _claims: dict):
    """flask-jwt-extended's needs_fresh_token_loader: the token is valid but
    the password behind it is older than REAUTH_MAX_AGE. A 403, not a 401:
    refreshing cannot help (rotation keeps auth_time), so no client should
    answer it with a refresh; only typing the password again can."""
    return error_response(
        403, "reauth_required", "Enter your password again to do this (POST /auth/reauth)."
    )


def http_error(error: HTTPException):
    codes = {413: "payload_too_large", 429: "rate_limited"}
    code = codes.get(error.code, (error.name or "error").lower().replace(" ", "_"))
    # get_response() keeps useful headers such as Allow (405) and Retry-After.
    return error_response(error.code or 500, code, error.description, error.get_response())


def limiter_store_down(error: StorageError):
    """The failed-login counter's shared store (Redis) cannot be reached.
    Fail closed: without a counter, password guessing would be unthrottled.
    Only login counts, so refresh and the guarded routes keep working."""
    current_app.logger.error(
        "rate-limit store unreachable: %s", error.storage_error.__class__.__name__
    )
    response = error_response(
        503,
        "rate_limit_unavailable",
        "Logging in is unavailable for a moment; please try again shortly.",
    )
    response.headers["Retry-After"] = "30"
    return response


def unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error")  # details go to the log only
    return error_response(500, "internal_error", "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    """Call after jwt.init_app(), so these handlers replace its defaults."""
    app.register_error_handler(ApiError, lambda e: error_response(e.status, e.code, e.message))
    app.register_error_handler(HTTPException, http_error)
    # Flask picks the most specific handler by class, and flask-jwt-extended
    # registered one per exception class, so we must override each of them.
    for exception_class in list(app.error_handler_spec[None][None]):
        if exception_class is FreshTokenRequired:
            continue  # answered by reauth_required, registered as the library's loader
        if issubclass(exception_class, (JWTExtendedException, pyjwt.PyJWTError)):
            app.register_error_handler(exception_class, token_error)
    app.register_error_handler(JWTExtendedException, token_error)
    app.register_error_handler(pyjwt.PyJWTError, token_error)
    app.register_error_handler(StorageError, limiter_store_down)
    app.register_error_handler(Exception, unexpected_error)
