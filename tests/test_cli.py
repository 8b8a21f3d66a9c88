"""flask --app backend init-db | create-user | purge-tokens (backend/cli.py)."""

from datetime import timedelta

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
