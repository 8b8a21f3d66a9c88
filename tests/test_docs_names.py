"""The guide's prose names only what the code has.

Code excerpts are pulled from the source (tests/docs_excerpts.py), but the
sentences around them are written by hand, and a renamed function or option
leaves them behind. So every name the prose puts in backticks, in both
languages, is looked up in the code:

- a function or method (`lock_family`, `api.refresh()`, `setSession(next, reason)`):
  a name defined or used in backend/*.py, or an identifier of frontend/js/*.js
  or frontend/demo/*.js (comments left out);
- an option or property in camelCase (`refreshMarginMs`): the same JS names;
- a setting in UPPER_SNAKE (`REFRESH_TOKEN_TTL`): a name or string in
  backend/*.py, or a variable of .env.example;
- a route (`POST /auth/refresh`, `/aaa`): a rule of the Flask app's url_map.

Names that belong to other libraries (blog code, flask-jwt-extended) are in
OTHER_LIBRARIES, each with the reason the guide mentions it.
"""

import ast
import json
import re
from pathlib import Path

import pytest
from test_docs import prose_lines

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Names the guide mentions that belong to other software, and why.
OTHER_LIBRARIES = {
    # flask-jwt-extended: the app sets its refresh cookies by hand (chapter 3),
    # under the library's default names, and does not use the access cookies
    "set_refresh_cookies",
    "unset_jwt_cookies",
    "refresh_token_cookie",
    "access_token_cookie",
    "csrf_access_token",
    "token_in_blocklist_loader",
    "get_jwt_header",
    "current_user",
    "login_required",  # Flask-Login, which chapter 4 compares with
    "url_map",  # Flask
    "in_memory_fallback_enabled",  # a Flask-Limiter option the app does not use
    "non_idempotent",  # nginx
    "client_max_body_size",  # nginx directives the stack's nginx.conf sets
    "large_client_header_buffers",
    "decode_key_loader",  # a flask-jwt-extended hook the appendix warns about
    "innerHTML",  # browser APIs
    "sessionStorage",
    "eyJ",  # how every JWT starts
}

# Paths in backticks that are not this app's routes.
NOT_ROUTES = {"/nope"}  # the typo'd path of chapters 7 and 11
FILE_SYSTEM = ("/etc/", "/proc", "/usr/", "/var/", "/tmp/", "/dev/", "/root")


# --- what the code has ------------------------------------------------------


def python_names() -> set[str]:
    """Every identifier defined, used or quoted in backend/ and bench/, and
    the tests' own names (test functions, fixtures, helpers)."""
    names = set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text())
        names.update(
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        )
    for folder in ("backend", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, ast.keyword) and node.arg:
                    names.add(node.arg)
                elif isinstance(node, ast.alias):
                    names.add((node.asname or node.name).split(".")[-1])
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    names.update(re.findall(r"[A-Za-z_][\w]*", node.value))
    # the error codes, some of which Werkzeug names at run time (method_not_allowed)
    names.update(re.findall(r"[A-Za-z_]\w*", (ROOT / "backend" / "openapi.json").read_text()))
    return names


JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)


def js_identifiers(code: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_$][\w$]*", JS_COMMENT.sub(" ", code)))


def js_names() -> set[str]:
    """Every identifier of the client, the demo page, the JS tests (which hold
    the blog code) and the Postman scripts and variables, comments left out."""
    names = set()
    for pattern in ("frontend/js/*.js", "frontend/demo/*.js", "tests/js/**/*.mjs"):
        for path in sorted(ROOT.glob(pattern)):
            names |= js_identifiers(path.read_text())
    for path in (DOCS / "postman").glob("*.json"):
        names |= js_identifiers("\n".join(postman_text(json.loads(path.read_text()))))
    return names


def postman_text(node) -> list[str]:
    """The script lines and the variable names of a Postman file."""
    if isinstance(node, list):
        return [line for item in node for line in postman_text(item)]
    if not isinstance(node, dict):
        return []
    found = [line for line in node.get("exec", []) if isinstance(line, str)]
    if isinstance(node.get("key"), str):
        found.append(node["key"])
    return found + [line for value in node.values() for line in postman_text(value)]


def setting_names() -> set[str]:
    """.env.example's variables and the Makefile's (make run FRONTEND_PORT=...)."""
    env = (ROOT / ".env.example").read_text()
    make = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", env, re.M)) | set(
        re.findall(r"\b([A-Z][A-Z0-9_]+)\b", make)
    )


def route_rules() -> list[str]:
    from backend import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [rule.rule for rule in app.url_map.iter_rules()]


def is_route(path: str, rules: list[str]) -> bool:
    """A rule of the app, or the start of some (`/auth`, the cookie's path).
    Behind nginx (`make stack`) the API is served below /api."""
    for candidate in {path, path.removeprefix("/api") or "/"}:
        for rule in rules:
            if re.fullmatch(re.sub(r"<[^>]+>", "[^/]+", rule), candidate):
                return True
            if rule.startswith(candidate.rstrip("/") + "/"):
                return True
    return False


# --- what the prose names ----------------------------------------------------

CALL = re.compile(r"^(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)\(.*\)$")
DOTTED = re.compile(r"^(?:[a-z_][\w]*\.)+([A-Za-z_][\w]*)$")
CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$")
SNAKE = re.compile(r"^_?[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
SETTING = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
ROUTE = re.compile(r"^(?:(?:GET|POST|PUT|PATCH|DELETE|OPTIONS) )?(/[a-z0-9_<>/.-]*)$")


def named(span: str) -> tuple[str, str] | None:
    """(kind, name) for a backticked span that names something, else None."""
    span = span.strip()
    if span.startswith("@"):
        span = span[1:]
    if m := ROUTE.match(span):
        path = m.group(1)
        if "." in path or path.count("/") > 4:  # a file such as /etc/nginx/x.conf
            return None
        return "route", path.rstrip("/") or "/"
    if m := CALL.match(span):
        return "function", m.group(1)
    if m := DOTTED.match(span):
        if re.search(r"\.(py|js|mjs|md|json|toml|ts|css|html|txt|sh|conf|patch)$", span):
            return None
        return "function", m.group(1)
    if SETTING.match(span):
        return "setting", span
    if CAMEL.match(span) or SNAKE.match(span):
        return "name", span
    return None


def prose_names(path: Path):
    """(line number, kind, name) of each name in backticks outside code fences."""
    for number, line in prose_lines(path.read_text()):
        if line.lstrip().startswith("<!--"):
            continue
        for span in re.findall(r"`([^`\n]+)`", line):
            found = named(span)
            if found:
                yield number, *found


def unknown_names(files, code_names, settings, routes) -> list[str]:
    problems = []
    for path in files:
        for number, kind, name in prose_names(path):
            if name in OTHER_LIBRARIES:
                continue
            if kind == "route":
                ok = name in NOT_ROUTES or name.startswith(FILE_SYSTEM) or is_route(name, routes)
            elif kind == "setting":
                ok = name in settings
            else:
                ok = name in code_names
            if not ok:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                problems.append(f"{where}:{number}: `{name}` ({kind}) is not in the code")
    return problems


def guide_files() -> list[Path]:
    return sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"]


@pytest.fixture(scope="module")
def code():
    py, js = python_names(), js_names()
    return py | js, py | js | setting_names(), route_rules()


def test_the_prose_names_only_functions_options_settings_and_routes_the_code_has(code):
    problems = unknown_names(guide_files(), *code)
    assert not problems, "\n".join(problems)


# --- the checker on small inputs ---------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The lock is taken by `refreshWithLock`.",
        "Call `setSessionShared(next, true)` to share it.",
        "Set `refreshMarginSecs` to 30.",
        "Set `REFRESH_MARGIN` in the environment.",
        "Then `POST /auth/renew` rotates it.",
        "`tokens.spend_token_now` does the work.",
        "在 `startRefresh` 里发起刷新。",
    ],
)
def test_a_name_the_code_does_not_have_is_caught(code, tmp_path, sentence):
    page = tmp_path / "page.md"
    page.write_text(f"# A page\n\n{sentence}\n")
    assert unknown_names([page], *code)


def test_names_that_the_code_has_or_that_are_not_names_pass(code, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n"
        "`lock_family` and `api.refresh()` and `refreshMarginMs` and `REFRESH_TOKEN_TTL`,\n"
        "`POST /auth/refresh`, `GET /aaa`, `frontend/js/api.js`, `make test`, `401`,\n"
        "`isRefreshing` (the blog's), `token_reused`.\n\n"
        "```js\nrefreshWithLock();\n```\n"
    )
    assert unknown_names([page], *code) == []
