"""GET /openapi.json: the OpenAPI 3.1 description of this API.

The description is a plain JSON file beside this module, backend/openapi.json,
written by hand and served as it is. Tests keep it honest: every route of the
app must be in it and nothing else (tests/test_openapi.py), and every answer
the app gives must match it (tests/test_schemathesis.py). Chapter 15 shows
how to import it into Postman or an editor.
"""

import functools
from importlib.resources import files

from flask import Blueprint, current_app

bp = Blueprint("openapi", __name__)


@functools.cache
def openapi_description() -> str:
    """The file's text, read once per process (it never changes at run time)."""
    return files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")


@bp.get("/openapi.json")
def openapi_json():
    # The file as written (key order, layout), not re-encoded by jsonify.
    return current_app.response_class(openapi_description(), mimetype="application/json")
