"""Rotation is atomic: spend_refresh_token and friends (backend/tokens.py)."""

import threading
from datetime import timedelta

from helpers import AuthActions, add_user

from backend.extensions import db
from backend.models import RefreshToken, utcnow
from backend.tokens import purge_expired_tokens


def test_concurrent_refreshes_with_one_token_let_exactly_one_succeed(app_factory):
    """N threads present the same refresh token at the same instant (a
    file-backed database, one connection per thread). The conditional UPDATE
    lets exactly one spend it; the others see a spent token: reuse. (With
    the safe retry on, the others get that one winner's successor instead:
    tests/test_safe_retry.py.)"""
    app = app_factory(REFRESH_REUSE_GRACE_S=0)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    auth.login()
    cookie, csrf = auth.refresh_cookie(), auth.csrf()
    n = 16
    barrier = threading.Barrier(n)
    results = [None] * n

    def present_token(i):
        client = app.test_client()
        client.set_cookie("refresh_token_cookie", cookie, path="/auth")
        barrier.wait()
        response = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
        results[i] = (response.status_code, (response.get_json() or {}).get("error"))

    threads = [threading.Thread(target=present_token, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in results].count(200) == 1, results
    losers = [code for status, code in results if status != 200]
    assert set(losers) <= {"token_reused", "token_revoked"}, results
    assert "token_reused" in losers
    with app.app_context():
        rows = db.session.scalars(db.select(RefreshToken)).all()
        assert len(rows) == 2  # the login's token and the single winner's
        assert all(row.revoked_at is not None for row in rows)  # family revoked


def test_purge_tokens_deletes_only_expired_rows(app):
    with app.app_context():
        now = utcnow()
        db.session.add_all(
            [
                RefreshToken(
                    jti="expired", user_id=1, family="a", expires_at=now - timedelta(seconds=1)
                ),
                RefreshToken(jti="live", user_id=1, family="a", expires_at=now + timedelta(days=1)),
            ]
        )
        db.session.commit()
        assert purge_expired_tokens() == 1
        db.session.commit()
        assert [row.jti for row in db.session.scalars(db.select(RefreshToken))] == ["live"]


def test_deleting_a_user_deletes_their_refresh_tokens(app, auth):
    auth.login()
    cookie = auth.refresh_cookie()
    with app.app_context():
        db.session.execute(db.text("DELETE FROM users WHERE username = 'demo'"))
        db.session.commit()
        assert db.session.scalars(db.select(RefreshToken)).all() == []
    auth.use_refresh_cookie(cookie)
    assert auth.refresh().get_json()["error"] == "invalid_token"


# --- REFRESH_REUSE_GRACE_S: a lost response --------------------------------


def lose_the_response(auth):
    """The server rotates R0 -> R1, but the answer never reaches the client,
    which still holds R0 (both cookies) and presents it again."""
    auth.login()
    r0, csrf0 = auth.refresh_cookie(), auth.csrf()
    assert auth.refresh().status_code == 200  # R1 was issued; nobody saw it
    auth.use_refresh_cookie(r0)
    return r0, csrf0


def family_rows(app):
    with app.app_context():
        return db.session.scalars(db.select(RefreshToken).order_by(RefreshToken.id)).all()


def test_a_lost_response_recovers_within_the_grace_window_in_the_same_family(app_factory):
    app = app_factory(REFRESH_REUSE_GRACE_S=30)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    lose_the_response(auth)
    retried = auth.refresh()
    assert retried.status_code == 200, retried.get_json()
    assert auth.refresh().status_code == 200  # the re-issued token rotates normally
    rows = family_rows(app)
    assert len({row.family for row in rows}) == 1  # never a second family
    live = [row for row in rows if row.spent_at is None and row.revoked_at is None]
    assert len(live) == 1  # the child nobody saw was spent, not left alive


def test_a_lost_response_is_reuse_once_the_grace_window_has_passed(app_factory):
    app = app_factory(REFRESH_REUSE_GRACE_S=30)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    r0, _ = lose_the_response(auth)
    with app.app_context():  # R0 was spent 31 s ago
        row = db.session.scalar(db.select(RefreshToken).order_by(RefreshToken.id))
        row.spent_at = utcnow() - timedelta(seconds=31)
        db.session.commit()
    response = auth.refresh()
    assert response.status_code == 401 and response.get_json()["error"] == "token_reused"
    assert all(row.revoked_at is not None for row in family_rows(app))


def test_without_a_grace_window_a_lost_response_is_reuse(app_factory):
    app = app_factory(REFRESH_REUSE_GRACE_S=0)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    lose_the_response(auth)
    response = auth.refresh()
    assert response.status_code == 401 and response.get_json()["error"] == "token_reused"


def test_logout_still_ends_everything_within_the_grace_window(app_factory):
    app = app_factory(REFRESH_REUSE_GRACE_S=30)
    add_user(app, "demo", "password")
    auth = AuthActions(app.test_client())
    r0, _ = lose_the_response(auth)
    assert auth.refresh().status_code == 200
    assert auth.logout().status_code == 204
    auth.use_refresh_cookie(r0)
    response = auth.refresh()
    assert response.status_code == 401 and response.get_json()["error"] == "token_revoked"
