"""Property-based fuzzing (hypothesis) of everything a client controls.

Inputs: login bodies, Authorization headers, the refresh cookie and CSRF
header, and arbitrary methods, paths, query strings and headers.
Properties, for every single case:

- never a 5xx, never a traceback in the body;
- every 4xx is the spec's JSON {"error", "message"};
- the security headers (no-store, nosniff, DENY) are always present;
- authentication only succeeds for exactly the right credentials or token.

Each test wraps its @given function, counts the cases it ran (by response
status), asserts a minimum so a silently shrunken run fails, and records
the counts for the summary printed at the end of the session.

Runs are deterministic (derandomize=True, no example database), so the
counts are the same on every machine, and bounded (max_examples) so the
whole suite stays fast. Raise FUZZ_SCALE to fuzz harder locally:
    FUZZ_SCALE=10 .venv/bin/python -m pytest tests/security/test_fuzz.py
"""

import base64
import hashlib
import hmac
import json
import os
import string
from collections import Counter

import jwt as pyjwt
from helpers import TEST_SECRET, make_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import assert_safe_response, record_cases

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz_settings(examples: int):
    return settings(
        max_examples=int(examples * SCALE),
        derandomize=True,  # same cases on every run and machine
        database=None,
        deadline=None,  # the first request of an app is slower; timing is not the property
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def minimum(examples: int) -> int:
    # Hypothesis may stop early when it has exhausted a small search space;
    # ours are large, so nearly all requested examples must have run.
    return int(examples * SCALE * 0.9)


# --- building blocks -------------------------------------------------------


def latin1(data: bytes) -> str:
    """What a WSGI server hands the app for raw header/path bytes (PEP 3333)."""
    return data.decode("latin-1")


def header_safe(text: str) -> str:
    # A real server never delivers CR/LF/NUL inside a header value.
    return "".join(c for c in text if c not in "\r\n\x00")


# Any bytes (as the server would deliver them), or any Unicode sent as UTF-8.
raw_header_text = st.one_of(
    st.binary(max_size=200).map(latin1),
    st.text(max_size=200).map(lambda s: latin1(s.encode("utf-8", "surrogatepass"))),
    st.text(alphabet=string.printable, max_size=200),
).map(header_safe)

B64_ALPHABET = string.ascii_letters + string.digits + "-_"
b64ish = st.text(alphabet=B64_ALPHABET + "=+/.!~ é", max_size=120)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # floats include NaN and inf
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


# --- 1. login bodies --------------------------------------------------------

credential = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "demo",
            "password",
            "",
            " ",
            "DEMO",
            "demo ",
            " demo",
            "demo\x00",
            "\ud800x",
            "ｄｅｍｏ",
            "de\u0301mo",
            "' OR '1'='1",
            "%",
            "_",
            "demo'--",
            "\\",
            "\U0001f511",
        ]
    ),
    json_values,
    st.text(min_size=1, max_size=8).map(lambda s: s * 700),  # long, around the body limit
)
login_objects = st.fixed_dictionaries(
    {},
    optional={
        "username": credential,
        "password": credential,
        "remember": json_values,
        "__proto__": json_values,
        "": json_values,
    },
)


@st.composite
def login_bodies(draw):
    """(body bytes, content type) covering well-formed, odd and hostile bodies."""
    kind = draw(
        st.sampled_from(
            ["object", "object", "object", "value", "bytes", "nested", "duplicate", "huge", "valid"]
        )
    )
    if kind == "object":
        text = json.dumps(draw(login_objects), ensure_ascii=draw(st.booleans()))
        body = text.encode("utf-8", "surrogatepass")  # lone surrogates -> invalid UTF-8
    elif kind == "value":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif kind == "nested":
        # "[[[[...": thousands deep, still far under the 16 KB body limit.
        depth = draw(st.integers(min_value=1, max_value=7000))
        opener = draw(st.sampled_from(["[", '{"a":', '{"username":']))
        body = (opener * depth).encode() + draw(st.sampled_from([b"", b"1" + b"]" * depth]))
    elif kind == "duplicate":
        name = json.dumps(draw(credential))
        body = f'{{"username": "demo", "username": {name}, "password": "password"}}'.encode()
    elif kind == "huge":
        size = draw(st.integers(min_value=16 * 1024 - 64, max_value=40 * 1024))
        body = b'{"username": "demo", "password": "' + b"x" * size + b'"}'
    else:
        body = json.dumps({"username": "demo", "password": "password"}).encode()
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json",
                "application/json; charset=utf-8",
                "application/json; charset=utf-16",
                "application/vnd.api+json",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                None,
            ]
        )
    )
    return body, content_type


def is_demo_login(body: bytes, content_type) -> bool:
    """Our own reading of the body: should it log in?"""
    if content_type is None or "json" not in content_type:
        return False
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(data, dict)
        and data.get("username") == "demo"
        and data.get("password") == "password"
    )


def test_fuzz_login_bodies(fast_app):
    client = fast_app.test_client(use_cookies=False)
    statuses = Counter()
    canonical_401 = None

    @fuzz_settings(600)
    @given(case=login_bodies(), address=st.ip_addresses().map(str))
    def run(case, address):
        nonlocal canonical_401
        body, content_type = case
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post(
            "/auth/login", data=body, headers=headers, environ_base={"REMOTE_ADDR": address}
        )
        statuses[response.status_code] += 1
        assert_safe_response(response, "POST")
        assert response.status_code in {200, 400, 401, 413, 415}, response.status_code
        # Exactly the right credentials log in; nothing else does.
        assert (response.status_code == 200) == is_demo_login(body, content_type), body[:200]
        if response.status_code == 200:
            assert response.get_json()["user"]["username"] == "demo"
        if response.status_code == 401:  # one identical answer for every failure
            canonical_401 = canonical_401 or response.get_data()
            assert response.get_data() == canonical_401
        if response.status_code != 200:
            assert "Set-Cookie" not in response.headers

    run()
    count = record_cases("login bodies", statuses)
    assert count >= minimum(600)
    # The fuzz reached every outcome, not just the body parser's 400.
    assert {200, 400, 401, 413} <= set(statuses), statuses


# --- 2. Authorization headers on the guarded routes -------------------------

SCHEMES = [
    "Bearer ",
    "Bearer ",
    "Bearer ",
    "bearer ",
    "BEARER ",
    "Bearer  ",
    "Bearer\t",
    "Basic ",
    "Token ",
    "",
    "Bearer",
    " Bearer ",
]
ALGS = [
    "none",
    "None",
    "NONE",
    "nOnE",
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "ES256",
    "PS256",
    "",
    " HS256",
    "HS256 ",
    None,
    42,
]
# A public key an attacker could know: used as an HMAC secret (RS/HS confusion).
FAKE_PUBLIC_PEM = (
    b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
)


@st.composite
def forged_tokens(draw, genuine: str):
    """A JWT-shaped string an attacker could build, or a mutation of a genuine one."""
    kind = draw(
        st.sampled_from(["raw", "segments", "crafted", "crafted", "mutated", "mutated", "genuine"])
    )
    if kind == "raw":
        return draw(raw_header_text)
    if kind == "segments":
        return ".".join(draw(st.lists(b64ish, min_size=0, max_size=5)))
    if kind == "genuine":
        return genuine
    if kind == "mutated":
        position = draw(st.integers(min_value=0, max_value=len(genuine)))
        action = draw(
            st.sampled_from(["truncate", "flip", "insert", "drop", "swap", "repeat", "pad"])
        )
        char = draw(st.sampled_from(list(B64_ALPHABET + ".=é ")))
        if action == "truncate":
            return genuine[:position]
        if action == "flip":
            return genuine[:position] + char + genuine[position + 1 :]
        if action == "insert":
            return genuine[:position] + char + genuine[position:]
        if action == "drop":
            return genuine[:position] + genuine[position + 1 :]
        header, payload, signature = genuine.split(".")
        if action == "swap":
            return ".".join(draw(st.permutations([header, payload, signature])))
        if action == "repeat":
            return genuine + "." + signature
        return genuine + "=" * draw(st.integers(1, 3))
    # crafted: our own header and claims, signed (or not) in an attacker's way
    header = {"alg": draw(st.sampled_from(ALGS)), "typ": "JWT"}
    header.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "kid": st.sampled_from(["../../dev/null", "' OR 1=1--", "0", "x" * 300]),
                    "jku": st.just("https://attacker.example/jwks.json"),
                    "jwk": st.just({"kty": "oct", "k": b64url(b"attacker-key")}),
                    "crit": st.just(["exp"]),
                    "b64": st.booleans(),
                },
            )
        )
    )
    claims = draw(
        st.fixed_dictionaries(
            {
                "sub": st.sampled_from(["1", "2", "0", "-1", "admin", "1 ", "١", "²"])
                | json_scalars,
                "type": st.sampled_from(["access", "refresh", "ACCESS", ""]) | json_scalars,
            },
            optional={
                "jti": json_scalars,
                "username": json_scalars,
                "exp": json_scalars | st.just(9_999_999_999),
                "nbf": json_scalars,
                "iat": json_scalars,
                "fresh": json_scalars,
                "csrf": json_scalars,
                "family": json_scalars,
            },
        )
    )
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    how = draw(
        st.sampled_from(["empty", "random", "other-key", "public-key-as-secret", "keep-genuine"])
    )
    if how == "empty":
        signature = ""
    elif how == "random":
        signature = b64url(draw(st.binary(min_size=0, max_size=64)))
    elif how == "keep-genuine":
        signature = genuine.rsplit(".", 1)[1]
    else:
        key = b"another-key-that-is-also-32-bytes-long!!" if how == "other-key" else FAKE_PUBLIC_PEM
        signature = b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())
    return f"{signing_input}.{signature}"


def decode_segment(segment: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except ValueError:
        return None


def test_fuzz_authorization_headers(fast_app):
    client = fast_app.test_client(use_cookies=False)
    login = client.post("/auth/login", json={"username": "demo", "password": "password"})
    genuine = login.get_json()["access_token"]
    statuses = Counter()
    genuine_payload = genuine.split(".")[1]

    @fuzz_settings(800)
    @given(
        scheme=st.sampled_from(SCHEMES),
        token=forged_tokens(genuine),
        path=st.sampled_from(["/aaa", "/bbb"]),
        huge=st.sampled_from([0] * 9 + [1]),
    )
    def run(scheme, token, path, huge):
        if huge:  # a very large token: 64 KB of it
            token = (token or "x") * (65536 // max(len(token), 1) + 1)
        value = header_safe(scheme + token)
        response = client.get(path, headers={"Authorization": value})
        statuses[response.status_code] += 1
        assert_safe_response(response)
        assert response.status_code in {200, 401}, response.status_code
        if response.status_code == 200:
            # Only our own, untouched claims get through: a mutation may keep
            # the token valid only if it left the signed payload unchanged.
            presented = value.split(None, 1)[-1].split(".")
            assert decode_segment(presented[1]) == decode_segment(genuine_payload), value[:200]
            assert response.get_json()["user"] == {"id": 1, "username": "demo"}
        else:
            assert response.get_json()["error"] in {
                "missing_token",
                "invalid_token",
                "token_expired",
            }

    run()
    count = record_cases("Authorization headers", statuses)
    assert count >= minimum(800)
    assert {200, 401} <= set(statuses), statuses


def test_fuzz_tokens_signed_with_the_real_key(fast_app):
    """Defence in depth: even tokens carrying our own valid signature but
    odd claims (wrong types, missing fields, strange subjects) must get a
    clean 401, never a 500. Such tokens need the key; a bug in token
    issuance, or a copied-and-modified backend, could still produce them.
    Each case starts from a valid access token's claims and breaks 0-3 of them."""
    client = fast_app.test_client(use_cookies=False)
    statuses = Counter()
    valid = {
        "sub": "1",
        "username": "demo",
        "type": "access",
        "jti": "j",
        "exp": 9_999_999_999,
        "iat": 1_700_000_000,
        "nbf": 1_700_000_000,
        "fresh": False,
        "csrf": "c",
        "sid": "s",
        "auth_time": 1_700_000_000,
    }
    finite_scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.lists(st.integers(), max_size=2),
    )
    odd_values = {
        "sub": st.sampled_from(
            ["٣", "²", "1.0", " 1", "1e3", "0x1", "+1", "-1", "0", "99999999999999999999"]
        ),
        "type": st.sampled_from(["refresh", "ACCESS", "access ", ""]),
        "exp": st.sampled_from([0, 1, -1, 2**63, 10**30]),
    }

    @st.composite
    def claims_strategy(draw):
        claims = dict(valid)
        for name in draw(st.lists(st.sampled_from(sorted(valid)), max_size=3, unique=True)):
            action = draw(st.sampled_from(["drop", "replace", "odd"]))
            if action == "drop":
                del claims[name]
            elif action == "odd" and name in odd_values:
                claims[name] = draw(odd_values[name])
            else:
                claims[name] = draw(finite_scalars)
        return claims

    @fuzz_settings(300)
    @given(claims=claims_strategy(), path=st.sampled_from(["/aaa", "/bbb"]))
    def run(claims, path):
        token = pyjwt.encode(claims, TEST_SECRET, algorithm="HS256")
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        statuses[response.status_code] += 1
        assert_safe_response(response)
        assert response.status_code in {200, 401}, (claims, response.status_code)
        if response.status_code == 200:
            body = response.get_json()
            # flask-jwt-extended reads a token without "type" as an access
            # token (compatibility with old tokens); any other type is refused.
            assert claims.get("type", "access") == "access", claims
            assert claims["sub"].isascii() and claims["sub"].isdigit(), claims
            assert body["user"]["id"] == int(claims["sub"])

    run()
    count = record_cases("tokens with our signature", statuses)
    assert count >= minimum(300)
    assert {200, 401} <= set(statuses), statuses


# --- 3. refresh cookie and CSRF header ----------------------------------------

cookie_garbage = st.one_of(
    raw_header_text,
    st.text(alphabet=B64_ALPHABET + '.;=,"\\ ', max_size=120),
)


@st.composite
def cookie_cases(draw):
    """Which refresh cookie, which CSRF header, and how the Cookie header looks."""
    cookie_kind = draw(
        st.sampled_from(
            [
                "fresh",
                "fresh",
                "spent",
                "access",
                "other-session",
                "garbage",
                "forged-claims",
                "none",
            ]
        )
    )
    csrf_kind = draw(
        st.sampled_from(
            [
                "right",
                "right",
                "other-session",
                "absent",
                "empty",
                "garbage",
                "right-padded",
                "right-upper",
                "non-ascii",
                "csrf-cookie-value",
            ]
        )
    )
    extra = draw(st.lists(st.tuples(cookie_garbage, cookie_garbage), max_size=3))
    csrf_cookie = draw(st.sampled_from(["matching", "absent", "garbage"]))
    separator = draw(st.sampled_from(["; ", ";", ", ", ";;; ", "; ;"]))
    path = draw(st.sampled_from(["/auth/refresh", "/auth/refresh", "/auth/logout"]))
    return cookie_kind, csrf_kind, extra, csrf_cookie, separator, path, draw(cookie_garbage)


class Sessions:
    """Live logins, made only when a case needs one and reused until a case
    may have spent or revoked them (logging in for every case is slow)."""

    def __init__(self, app):
        self._app = app
        self._live = {}

    def get(self, name):
        if name not in self._live:
            # A browser of its own: a login ends the session of the cookie
            # its browser still holds, so one jar for all would end the others.
            client = self._app.test_client()
            client.post("/auth/login", json={"username": "demo", "password": "password"})
            self._live[name] = (
                client.get_cookie("refresh_token_cookie", path="/auth").value,
                client.get_cookie("csrf_refresh_token").value,
            )
        return self._live[name]

    def forget_all(self):
        self._live.clear()


def test_fuzz_refresh_cookie_and_csrf_header(fast_app):
    app = fast_app
    sessions = Sessions(app)
    statuses = Counter()
    spent_token, spent_csrf = sessions.get("spent")
    app.test_client().post(
        "/auth/refresh",
        headers={"X-CSRF-TOKEN": spent_csrf, "Cookie": f"refresh_token_cookie={spent_token}"},
    )
    access_token = (
        app.test_client()
        .post("/auth/login", json={"username": "demo", "password": "password"})
        .get_json()["access_token"]
    )
    forged = make_token(app, "refresh", family="made-up", auth_time=1)

    @fuzz_settings(600)
    @given(case=cookie_cases())
    def run(case):
        cookie_kind, csrf_kind, extra, csrf_cookie, separator, path, garbage = case
        token, csrf = sessions.get("fresh")
        other_token, other_csrf = sessions.get("other")
        cookie_value = {
            "fresh": token,
            "spent": spent_token,
            "other-session": other_token,
            "garbage": garbage,
            "access": access_token,
            "forged-claims": forged,
            "none": None,
        }[cookie_kind]
        csrf_header = {
            "right": csrf,
            "other-session": other_csrf,
            "absent": None,
            "empty": "",
            "garbage": garbage,
            "right-padded": f" {csrf} ",
            "right-upper": csrf.upper(),
            "non-ascii": csrf + "é",
            "csrf-cookie-value": "attacker-chosen",
        }[csrf_kind]
        parts = []
        if cookie_value is not None:
            parts.append(f"refresh_token_cookie={header_safe(cookie_value)}")
        if csrf_cookie == "matching":
            # Cookie tossing: the attacker may even control this cookie. It must
            # not matter: the header is compared with the claim inside the
            # signed refresh token, never with this cookie.
            parts.append(
                f"csrf_refresh_token={csrf_header if csrf_kind == 'csrf-cookie-value' else csrf}"
            )
        elif csrf_cookie == "garbage":
            parts.append(f"csrf_refresh_token={header_safe(garbage)}")
        parts += [f"{header_safe(k)}={header_safe(v)}" for k, v in extra]
        headers = {"Cookie": header_safe(separator.join(parts))}
        if csrf_header is not None:
            headers["X-CSRF-TOKEN"] = header_safe(csrf_header)
        client = app.test_client(use_cookies=False)
        response = client.post(path, headers=headers)
        statuses[response.status_code] += 1
        if response.status_code in {200, 204}:
            sessions.forget_all()  # the live sessions may have been rotated or revoked
        assert_safe_response(response, "POST")
        # A live refresh cookie with exactly its own session's CSRF value is
        # the only way in. (A "," is not a cookie separator: when other
        # cookies follow it, the refresh cookie does not arrive intact.)
        matching_pair = (cookie_kind, csrf_kind) in {
            ("fresh", "right"),
            ("other-session", "other-session"),
        }
        cookie_intact = ";" in separator or len(parts) == 1
        should_pass = matching_pair and cookie_intact
        if path == "/auth/refresh":
            assert response.status_code in {200, 401}
            assert (response.status_code == 200) == should_pass, (case, response.get_json())
        else:
            assert response.status_code in {204, 401}
            if response.status_code == 401:
                assert response.get_json()["error"] == "csrf_failed"
                # Refused means nothing changed: not even a cookie cleared.
                assert response.headers.getlist("Set-Cookie") == [], case
                # The browser's own request (its cookie, its header, its
                # CSRF cookie) is never refused.
                assert not (matching_pair and cookie_intact and csrf_cookie == "matching"), case
            elif cookie_kind in {"fresh", "other-session", "spent"} and cookie_intact:
                # A valid cookie with the wrong header must never log anyone out.
                assert matching_pair, case

    run()
    count = record_cases("refresh cookie + CSRF header", statuses)
    assert count >= minimum(600)
    assert {200, 204, 401} <= set(statuses), statuses


# --- 4. arbitrary methods, paths, query strings and headers ------------------

METHODS = [
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "PURGE",
]
SEGMENTS = [
    "",
    "auth",
    "login",
    "refresh",
    "logout",
    "aaa",
    "bbb",
    "health",
    "static",
    "admin",
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "%00",
    "%ff",
    "%c0%af",
    "%25",
    "\u00e9",
    "%E2%80%AE",
    ";jsessionid=1",
    "aaa?",
    "aaa#",
    "~",
    "*",
]
path_segment = st.one_of(
    st.sampled_from(SEGMENTS),
    st.text(max_size=30).map(lambda s: latin1(s.encode("utf-8", "surrogatepass"))),
    st.binary(max_size=20).map(latin1),
    st.integers(min_value=256, max_value=12_000).map(lambda n: "a" * n),  # very long segments
)
raw_paths = st.lists(path_segment, min_size=0, max_size=6).map(lambda parts: "/" + "/".join(parts))
FUZZ_HEADERS = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Accept",
    "Content-Type",
    "Content-Length",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "Host",
    "Range",
    "If-None-Match",
    "Accept-Encoding",
    "Transfer-Encoding",
    "Authorization",
    "Cookie",
    "X-CSRF-TOKEN",
    "X-HTTP-Method-Override",
    "Expect",
]


def test_fuzz_methods_paths_and_headers(fast_app):
    client = fast_app.test_client(use_cookies=False)
    statuses = Counter()

    @fuzz_settings(1000)
    @given(
        method=st.sampled_from(METHODS) | st.from_regex(r"\A[A-Z][A-Z-]{0,11}\Z"),
        path=st.sampled_from(
            [
                "/",
                "/aaa",
                "/bbb",
                "/health",
                "/auth/login",
                "/auth/refresh",
                "/auth/logout",
                "/auth",
                "/auth/",
            ]
        )
        | raw_paths,
        query=st.one_of(
            st.just(""),
            st.binary(max_size=100).map(latin1),
            st.just("access_token=x&refresh_token=y"),
            st.just("a=" + "%" * 500),
        ),
        headers=st.dictionaries(st.sampled_from(FUZZ_HEADERS), raw_header_text, max_size=4),
        body=st.binary(max_size=200),
    )
    def run(method, path, query, headers, body):
        environ = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method}
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        if "CONTENT_LENGTH" not in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        response = client.open("/", method=method, data=body, environ_overrides=environ)
        statuses[response.status_code] += 1
        assert_safe_response(response, method)
        if response.status_code == 200 and method != "OPTIONS":
            # The only page anyone may read without credentials.
            assert path == "/health" and method in {"GET", "HEAD"}, (method, path)
        if "Access-Control-Allow-Origin" in response.headers:
            assert response.headers["Access-Control-Allow-Origin"] != "*"

    run()
    count = record_cases("methods, paths and headers", statuses)
    assert count >= minimum(1000)
    assert {200, 404, 405} <= set(statuses), statuses
