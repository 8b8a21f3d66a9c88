"""Forged and misused tokens: every one is a 401 with the right code.

tests/test_resources.py already covers the basic cases (alg none, another HS256
key, a tampered payload, a refresh token made by make_token on /aaa);
this file covers what an attacker tries next: alg spellings, algorithm
confusion (RS/HS, embedded keys, key URLs), structural garbage, huge
tokens, time claims, every missing claim, genuine tokens used in the
wrong place, deleted users, and tokens whose claims contradict our record.
"""

import base64
import hashlib
import hmac
import json
import math
import random
import time
from datetime import timedelta

import jwt as pyjwt
import pytest
from helpers import TEST_SECRET, AuthActions, make_token, unverified_claims

from backend.extensions import db
from backend.models import RefreshToken, User

from .helpers import add_user, assert_error

OTHER_KEY = "another-key-that-is-also-32-bytes-long!!"


# --- an attacker's RSA key, in plain Python ---------------------------------
# Enough RSA (PKCS#1 v1.5 with SHA-256, i.e. RS256) to forge tokens the way an
# attacker would, without adding a cryptography dependency to the project.


def _probable_prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if all(candidate % p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and all(
            pow(a, candidate - 1, candidate) == 1 for a in (2, 3, 5, 7, 11, 13)
        ):
            return candidate


def _attacker_rsa_key(bits: int = 1024) -> tuple[int, int, int]:
    rng = random.Random(7)  # deterministic: the same key on every run
    e = 65537
    while True:
        p, q = _probable_prime(bits // 2, rng), _probable_prime(bits // 2, rng)
        phi = (p - 1) * (q - 1)
        if p != q and math.gcd(e, phi) == 1:
            return p * q, e, pow(e, -1, phi)


RSA_N, RSA_E, RSA_D = _attacker_rsa_key()
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _rs256_encoded_message(signing_input: bytes) -> int:
    size = (RSA_N.bit_length() + 7) // 8
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    padded = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return int.from_bytes(padded, "big")


def rs256(claims: dict, **header) -> str:
    signing_input = f"{b64({'alg': 'RS256', 'typ': 'JWT', **header})}.{b64(claims)}".encode()
    signature = pow(_rs256_encoded_message(signing_input), RSA_D, RSA_N)
    size = (RSA_N.bit_length() + 7) // 8
    return f"{signing_input.decode()}.{b64(signature.to_bytes(size, 'big'))}"


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = (
        bytes([n])
        if n < 128
        else bytes([0x80 | ((n.bit_length() + 7) // 8)])
        + n.to_bytes((n.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + length + content


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _public_key_pem() -> bytes:
    rsa_encryption = bytes.fromhex("06092a864886f70d0101010500")  # OID 1.2.840.113549.1.1.1, NULL
    spki = _der(
        0x30,
        _der(0x30, rsa_encryption)
        + _der(0x03, b"\x00" + _der(0x30, _der_int(RSA_N) + _der_int(RSA_E))),
    )
    body = base64.encodebytes(spki).decode().replace("\n", "")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n".encode()


ATTACKER_PUBLIC_PEM = _public_key_pem()


def test_the_attackers_rs256_signatures_are_real():
    """Control: the RS256 forgeries below are correctly signed (they verify
    with the attacker's public key), so refusing them proves our algorithm
    allow-list, not a malformed token."""
    token = rs256({"sub": "1"})
    signing_input, signature = token.rsplit(".", 1)
    value = int.from_bytes(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), "big")
    assert pow(value, RSA_E, RSA_N) == _rs256_encoded_message(signing_input.encode())
    assert ATTACKER_PUBLIC_PEM.startswith(b"-----BEGIN PUBLIC KEY-----\nMI")


def b64(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def access_claims(**changes) -> dict:
    now = int(time.time())
    claims = {
        "sub": "1",
        "username": "demo",
        "type": "access",
        "jti": "jti-1",
        "fresh": False,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "sid": "00000000-0000-4000-8000-000000000000",
        "auth_time": now,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def hs(claims, key=TEST_SECRET, alg="HS256", **header) -> str:
    return pyjwt.encode(claims, key, algorithm=alg, headers=header or None)


def raw_hmac(header: dict, claims: dict, key: bytes, digest=hashlib.sha256) -> str:
    """Sign by hand (PyJWT refuses a PEM as an HMAC key, attackers do not)."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), digest).digest())}"


def unsigned(alg: str, claims=None, signature: str = "") -> str:
    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims or access_claims())}.{signature}"


def attacker_jwk() -> dict:
    as_b64 = lambda n: b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
    return {"kty": "RSA", "e": as_b64(RSA_E), "n": as_b64(RSA_N)}


# (id, builder(genuine_access_token) -> token, expected error code)
FORGED_ACCESS_TOKENS = [
    # alg "none" in the spellings libraries have been fooled by
    ("alg None", lambda g: unsigned("None"), "invalid_token"),
    ("alg NONE", lambda g: unsigned("NONE"), "invalid_token"),
    ("alg nOnE", lambda g: unsigned("nOnE"), "invalid_token"),
    (
        "alg none, genuine signature kept",
        lambda g: unsigned("none", signature=g.split(".")[2]),
        "invalid_token",
    ),
    (
        "alg none, genuine header+payload",
        lambda g: f"{b64({'alg': 'none'})}.{g.split('.')[1]}.",
        "invalid_token",
    ),
    # wrong keys and algorithms outside the allow-list (HS256 only)
    (
        "HS256, empty key",
        lambda g: raw_hmac({"alg": "HS256"}, access_claims(), b""),
        "invalid_token",
    ),
    (
        "HS256, near-miss key",
        lambda g: hs(access_claims(), TEST_SECRET[:-1] + "X"),
        "invalid_token",
    ),
    ("HS256, key with newline", lambda g: hs(access_claims(), TEST_SECRET + "\n"), "invalid_token"),
    (
        "HS384 with the right key",
        lambda g: raw_hmac({"alg": "HS384"}, access_claims(), TEST_SECRET.encode(), hashlib.sha384),
        "invalid_token",
    ),
    (
        "HS512 with the right key",
        lambda g: raw_hmac({"alg": "HS512"}, access_claims(), TEST_SECRET.encode(), hashlib.sha512),
        "invalid_token",
    ),
    # RS/HS confusion and key injection
    ("RS256 with the attacker's key", lambda g: rs256(access_claims()), "invalid_token"),
    (
        "HS256 keyed with an RSA public key",
        lambda g: raw_hmac({"alg": "HS256"}, access_claims(), ATTACKER_PUBLIC_PEM),
        "invalid_token",
    ),
    (
        "RS256 with an embedded jwk",
        lambda g: rs256(access_claims(), jwk=attacker_jwk()),
        "invalid_token",
    ),
    (
        "RS256 with a jku URL",
        lambda g: rs256(access_claims(), jku="https://attacker.example/jwks"),
        "invalid_token",
    ),
    (
        "HS256 with a kid path",
        lambda g: hs(access_claims(), OTHER_KEY, kid="../../../../dev/null"),
        "invalid_token",
    ),
    (
        "HS256 with an oct jwk",
        lambda g: hs(access_claims(), OTHER_KEY, jwk={"kty": "oct", "k": b64(OTHER_KEY.encode())}),
        "invalid_token",
    ),
    # structure: truncated, garbled, re-assembled
    ("no signature", lambda g: g.rsplit(".", 1)[0] + ".", "invalid_token"),
    ("two segments", lambda g: g.rsplit(".", 1)[0], "invalid_token"),
    ("four segments", lambda g: g + ".e30", "invalid_token"),
    ("last character cut", lambda g: g[:-1], "invalid_token"),
    ("half a token", lambda g: g[: len(g) // 2], "invalid_token"),
    ("segments swapped", lambda g: ".".join(reversed(g.split("."))), "invalid_token"),
    (
        "payload not base64",
        lambda g: g.split(".")[0] + ".!!!***." + g.split(".")[2],
        "invalid_token",
    ),
    (
        "payload not JSON",
        lambda g: (
            raw_hmac({"alg": "HS256"}, {}, b"x").split(".")[0]
            + "."
            + b64(b"not json")
            + "."
            + g.split(".")[2]
        ),
        "invalid_token",
    ),
    (
        "payload a JSON list",
        lambda g: g.split(".")[0] + "." + b64(b"[1, 2]") + "." + g.split(".")[2],
        "invalid_token",
    ),
    ("header not JSON", lambda g: b64(b"{{{") + "." + g.split(".", 1)[1], "invalid_token"),
    ("whitespace inside", lambda g: g[:20] + " " + g[20:], "invalid_token"),
    ("non-ASCII inside", lambda g: g[:20] + "é" + g[20:], "invalid_token"),
    ("huge: 256 KB", lambda g: g + "A" * 256 * 1024, "invalid_token"),
    (
        "huge claims, wrong key",
        lambda g: hs(access_claims(username="x" * 200_000), OTHER_KEY),
        "invalid_token",
    ),
    # time claims
    ("expired 1 s ago", lambda g: hs(access_claims(exp=int(time.time()) - 1)), "token_expired"),
    (
        "not yet valid (nbf)",
        lambda g: hs(access_claims(nbf=int(time.time()) + 120)),
        "invalid_token",
    ),
    (
        "issued in the future (iat)",
        lambda g: hs(access_claims(iat=int(time.time()) + 120)),
        "invalid_token",
    ),
    ("exp as a string", lambda g: hs(access_claims(exp="9999999999")), "invalid_token"),
    # missing or wrong claims, properly signed
    ("missing sub", lambda g: hs(access_claims(sub=None)), "invalid_token"),
    ("missing jti", lambda g: hs(access_claims(jti=None)), "invalid_token"),
    ("missing exp", lambda g: hs(access_claims(exp=None)), "invalid_token"),
    ("missing username", lambda g: hs(access_claims(username=None)), "invalid_token"),
    ("sub not a user id", lambda g: hs(access_claims(sub="admin")), "invalid_token"),
    ("sub a number, not a string", lambda g: hs(access_claims(sub=1)), "invalid_token"),
    ("sub a superscript digit", lambda g: hs(access_claims(sub="²")), "invalid_token"),
    ("sub an Arabic-Indic digit", lambda g: hs(access_claims(sub="١")), "invalid_token"),
    ("type refresh", lambda g: hs(access_claims(type="refresh")), "invalid_token"),
    ("type id", lambda g: hs(access_claims(type="id")), "invalid_token"),
    ("type as a list", lambda g: hs(access_claims(type=["access"])), "invalid_token"),
]


@pytest.mark.parametrize(
    "name,build,code", FORGED_ACCESS_TOKENS, ids=[c[0] for c in FORGED_ACCESS_TOKENS]
)
def test_forged_access_tokens_are_refused(auth, name, build, code):
    genuine = auth.login().get_json()["access_token"]
    forged = build(genuine)
    for path in ("/aaa", "/bbb"):
        assert auth.get(path, genuine).status_code == 200  # the control: the real one works
        assert_error(auth.get(path, forged), 401, code)


def test_the_valid_control_token_is_accepted(auth):
    """The forgeries above differ from this token in one respect each; it
    must pass, or the test above would prove nothing."""
    auth.login()
    response = auth.get("/aaa", hs(access_claims()))
    assert response.status_code == 200
    assert response.get_json()["user"] == {"id": 1, "username": "demo"}


def test_a_genuine_refresh_token_in_the_authorization_header_is_refused(auth):
    auth.login()
    refresh_token = auth.refresh_cookie()
    for path in ("/aaa", "/bbb"):
        assert_error(auth.get(path, refresh_token), 401, "invalid_token")
    assert auth.refresh().status_code == 200  # and trying it spent nothing


def test_the_authorization_header_is_not_read_by_refresh(client, auth):
    """/auth/refresh reads the cookie only: a refresh token in the header
    (where a script could have put it) gets nowhere."""
    auth.login()
    refresh_token, csrf = auth.refresh_cookie(), auth.csrf()
    bare = client.application.test_client()
    response = bare.post(
        "/auth/refresh", headers={"Authorization": f"Bearer {refresh_token}", "X-CSRF-TOKEN": csrf}
    )
    assert_error(response, 401, "missing_token")


# --- the refresh cookie -----------------------------------------------------


def refresh_claims(**changes) -> dict:
    now = int(time.time())
    claims = {
        "sub": "1",
        "type": "refresh",
        "jti": "r-1",
        "family": "f-1",
        "auth_time": now,
        "csrf": "csrf-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "fresh": False,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


FORGED_REFRESH_COOKIES = [
    ("alg none", lambda: unsigned("none", refresh_claims()), "invalid_token"),
    ("HS256 with another key", lambda: hs(refresh_claims(), OTHER_KEY), "invalid_token"),
    (
        "HS512 with the right key",
        lambda: raw_hmac({"alg": "HS512"}, refresh_claims(), TEST_SECRET.encode(), hashlib.sha512),
        "invalid_token",
    ),
    ("RS256 with the attacker's key", lambda: rs256(refresh_claims()), "invalid_token"),
    (
        "HS256 keyed with an RSA public key",
        lambda: raw_hmac({"alg": "HS256"}, refresh_claims(), ATTACKER_PUBLIC_PEM),
        "invalid_token",
    ),
    ("garbage", lambda: "garbage.token.value", "invalid_token"),
    ("huge", lambda: "A" * 64 * 1024, "invalid_token"),
    (
        "not yet valid (nbf)",
        lambda: hs(refresh_claims(nbf=int(time.time()) + 120)),
        "invalid_token",
    ),
    ("missing family", lambda: hs(refresh_claims(family=None)), "invalid_token"),
    ("missing auth_time", lambda: hs(refresh_claims(auth_time=None)), "invalid_token"),
    ("missing jti", lambda: hs(refresh_claims(jti=None)), "invalid_token"),
    ("missing csrf claim", lambda: hs(refresh_claims(csrf=None)), "invalid_token"),
    ("type access", lambda: hs(refresh_claims(type="access", username="demo")), "invalid_token"),
    ("never recorded", lambda: hs(refresh_claims()), "invalid_token"),
]


@pytest.mark.parametrize(
    "name,build,code", FORGED_REFRESH_COOKIES, ids=[c[0] for c in FORGED_REFRESH_COOKIES]
)
@pytest.mark.filterwarnings(
    "ignore:The 'refresh_token_cookie' cookie is too large"
)  # the "huge" case
def test_forged_refresh_cookies_are_refused(app, auth, name, build, code):
    token = build()
    auth.use_refresh_cookie(token)
    # The attacker sends the CSRF value their own token claims, so the CSRF
    # check passes where it can and the token itself is what gets judged.
    response = auth.refresh(csrf=unverified_claims(token).get("csrf") or "csrf-1")
    assert_error(response, 401, code)
    with app.app_context():  # nothing was issued
        assert db.session.scalar(db.select(db.func.count()).select_from(RefreshToken)) == 0


def test_a_genuine_access_token_with_matching_csrf_is_refused_as_the_refresh_cookie(app, auth):
    """Access tokens carry a csrf claim too; the CSRF check passes and the
    type check must still refuse it."""
    access = auth.login().get_json()["access_token"]
    csrf = unverified_claims(access)["csrf"]
    auth.use_refresh_cookie(access)
    assert_error(auth.refresh(csrf=csrf), 401, "invalid_token")


def login_as(app, username, password="pw") -> AuthActions:
    actions = AuthActions(app.test_client())
    assert actions.login(username, password).status_code == 200
    return actions


def test_a_deleted_users_refresh_token_is_refused_even_when_the_id_is_reused(app):
    add_user(app, "leaver", "pw")
    leaver = login_as(app, "leaver")
    cookie, csrf = leaver.refresh_cookie(), leaver.csrf()
    leaver_id = unverified_claims(cookie)["sub"]
    with app.app_context():
        db.session.delete(db.session.get(User, int(leaver_id)))
        db.session.commit()
        # Their refresh-token rows went with them (ON DELETE CASCADE).
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.user_id == int(leaver_id))
            )
            == 0
        )
    assert_error(leaver.refresh(csrf), 401, "invalid_token")

    # SQLite hands the freed id to the next user (PostgreSQL's sequence does
    # not): the old token must not become a session for the newcomer.
    newcomer_id = add_user(app, "newcomer", "pw")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert str(newcomer_id) == leaver_id  # the situation this test is about
    leaver.use_refresh_cookie(cookie)
    assert_error(leaver.refresh(csrf), 401, "invalid_token")


def test_a_deleted_users_access_token_lasts_only_until_it_expires(app_factory):
    """The documented trade-off of stateless access tokens: no database
    lookup, so a deleted user's access token works until `exp` (at most
    ACCESS_TOKEN_TTL), and can never be renewed."""
    app = app_factory(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=60))
    user_id = add_user(app, "leaver", "pw")
    leaver = login_as(app, "leaver")
    access = leaver.refresh().get_json()["access_token"]
    with app.app_context():
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()
    claims = unverified_claims(access)
    assert claims["exp"] - claims["iat"] <= 60
    assert leaver.get("/aaa", access).status_code == 200
    assert_error(leaver.refresh(), 401, "invalid_token")


def test_a_refresh_token_from_another_deployment_with_the_same_key_is_refused(
    app, app_factory, tmp_path
):
    """Staging and production sharing a key (a common mistake): a real
    refresh token from the other database is unknown here."""
    other = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.sqlite'}")
    add_user(other, "demo", "password")
    stranger = AuthActions(other.test_client())
    stranger.login()
    foreign = stranger.refresh_cookie()
    local = AuthActions(app.test_client())
    local.use_refresh_cookie(foreign)
    assert_error(local.refresh(), 401, "invalid_token")


@pytest.mark.parametrize("change", ["family", "sub"])
def test_a_refresh_token_whose_claims_contradict_our_record_is_refused(app, auth, change):
    """A token carrying a recorded jti but another family or user (one only
    the signing key could make) is refused: the database record, not the
    token, decides which session and which user a refresh continues."""
    add_user(app, "victim", "pw")
    auth.login()
    mine = unverified_claims(auth.refresh_cookie())
    overrides = (
        {"family": "someone-elses-family"} if change == "family" else {"family": mine["family"]}
    )
    user_id = 2 if change == "sub" else 1
    forged = make_token(
        app, "refresh", user_id=user_id, jti=mine["jti"], auth_time=mine["auth_time"], **overrides
    )
    assert unverified_claims(forged)["jti"] == mine["jti"]
    auth.use_refresh_cookie(forged)
    assert_error(auth.refresh(), 401, "invalid_token")
    with app.app_context():
        row = db.session.scalar(db.select(RefreshToken).where(RefreshToken.jti == mine["jti"]))
        assert row.spent_at is None and row.revoked_at is None  # the real session is untouched


def test_a_revoked_familys_unspent_token_stays_dead_while_another_family_lives(app, auth):
    """Two logins, two families: logging out of one revokes only it."""
    first = login_as_demo(app)
    second = login_as_demo(app)
    unspent = first.refresh_cookie()
    assert first.logout().status_code == 204
    first.use_refresh_cookie(unspent)
    assert_error(first.refresh(), 401, "token_revoked")
    assert second.refresh().status_code == 200


def login_as_demo(app) -> AuthActions:
    return login_as(app, "demo", "password")
