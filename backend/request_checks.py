"""Reading what a client sent without ever turning hostile input into a
500. The routes in auth.py call these; nothing here decides who may log in.
"""

import re

from flask import Flask, current_app, request

from .errors import ApiError


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


def request_too_large() -> bool:
    """True when the declared body is over MAX_CONTENT_LENGTH (Flask then answers 413)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return request.content_length is not None and request.content_length > limit


def read_credentials() -> tuple[str, str]:
    """Return (username, password) from a JSON body, or raise a 400."""
    username, password = read_fields("username", "password")
    return username, password


def read_fields(*names: str) -> tuple[str, ...]:
    """These non-empty string fields of a JSON object body, or a 400."""
    body = json_body()
    if not isinstance(body, dict):
        shape = ", ".join(f'"{name}": "..."' for name in names)
        raise ApiError(400, "bad_request", f"Send a JSON object: {{{shape}}}.")
    fields = []
    for name in names:
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(400, "bad_request", f"'{name}' must be a non-empty string.")
        # NUL and lone surrogates cannot be stored or hashed: say so now
        # instead of failing deep inside the database driver.
        if "\x00" in value or not _encodes(value):
            raise ApiError(
                400, "bad_request", f"'{name}' contains characters that are not allowed."
            )
        fields.append(value)
    return tuple(fields)


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


BEARER_SCHEME = re.compile(r"^\s*bearer(?=\s)", re.IGNORECASE)


def normalise_bearer_scheme():
    """Accept `Authorization: bearer <token>` in any case.

    RFC 7235 §2.1 makes the scheme name case-insensitive, but
    flask-jwt-extended compares it with "Bearer" exactly. Rewriting the
    scheme (never the token) before any view runs keeps that library's
    checks as they are."""
    header = request.environ.get("HTTP_AUTHORIZATION")
    if header and BEARER_SCHEME.match(header) and not header.lstrip().startswith("Bearer"):
        # request.headers reads the WSGI environ live, so this is enough.
        request.environ["HTTP_AUTHORIZATION"] = BEARER_SCHEME.sub("Bearer", header, count=1)


def init_request_checks(app: Flask) -> None:
    app.before_request(normalise_bearer_scheme)
