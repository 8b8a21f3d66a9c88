"""flask --app backend init-db | create-user | purge-tokens (backend/cli.py)."""

import sqlite3
from datetime import timedelta

from helpers import AuthActions, add_user

from backend.extensions import db
from backend.models import RefreshToken, User, utcnow


def test_init_db_is_idempotent_and_keeps_data(runner, app):
    assert "Database ready" in runner.invoke(args=["init-db"]).output
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "demo"))


def test_create_user_with_password_option(runner, client):
    result = runner.invoke(args=["create-user", "alice", "--password", "s3cret"])
    assert result.exit_code == 0, result.output
    assert (
        client.post("/auth/login", json={"username": "alice", "password": "s3cret"}).status_code
        == 200
    )


def test_create_user_prompts_for_the_password_twice(runner, client):
    result = runner.invoke(args=["create-user", "bob"], input="pw1\npw1\n")
    assert result.exit_code == 0, result.output
    assert (
        client.post("/auth/login", json={"username": "bob", "password": "pw1"}).status_code == 200
    )


def test_create_user_stores_a_hash_not_the_password(runner, app):
    runner.invoke(args=["create-user", "carol", "--password", "plain-text"])
    with app.app_context():
        stored = db.session.scalar(db.select(User).where(User.username == "carol")).password_hash
    assert "plain-text" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_create_user_refuses_a_duplicate_unless_exist_ok(runner):
    duplicate = runner.invoke(args=["create-user", "demo", "--password", "x"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    tolerated = runner.invoke(args=["create-user", "demo", "--password", "x", "--exist-ok"])
    assert tolerated.exit_code == 0


def test_create_user_rejects_an_empty_username(runner):
    assert runner.invoke(args=["create-user", " ", "--password", "x"]).exit_code != 0


def test_purge_tokens_reports_how_many_rows_it_deleted(runner, app):
    with app.app_context():
        old = utcnow() - timedelta(days=1)
        db.session.add(RefreshToken(jti="old", user_id=1, family="f", expires_at=old))
        db.session.commit()
    result = runner.invoke(args=["purge-tokens"])
    assert result.exit_code == 0 and "Purged 1" in result.output


def test_a_database_from_before_the_session_columns_keeps_its_sessions(app_factory, tmp_path):
    """An instance folder made by an earlier checkout has refresh_tokens
    without replaced_by, auth_time and user_agent. Start-up adds them and
    fills auth_time, so that login's refresh cookie still refreshes."""
    path = tmp_path / "earlier.sqlite"
    first = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    add_user(first, "demo", "password")
    client = first.test_client()
    auth = AuthActions(client)
    assert auth.login().status_code == 200
    cookie, csrf = auth.refresh_cookie(), auth.csrf()
    with first.app_context():
        db.engine.dispose()
    with sqlite3.connect(path) as old:  # back to the earlier schema
        old.execute("DROP INDEX ix_refresh_tokens_live_by_user")
        for column in ("replaced_by", "auth_time", "user_agent"):
            old.execute(f"ALTER TABLE refresh_tokens DROP COLUMN {column}")

    later = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")  # start-up upgrades it
    client = later.test_client()
    AuthActions(client).use_refresh_cookie(cookie)
    answer = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
    assert answer.status_code == 200, answer.get_json()
    with later.app_context():
        rows = db.session.scalars(db.select(RefreshToken).order_by(RefreshToken.id)).all()
        assert len(rows) == 2 and rows[0].spent_at is not None
        assert rows[0].auth_time == rows[0].issued_at == rows[1].auth_time
