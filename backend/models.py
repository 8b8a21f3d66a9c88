"""Database tables: users, and one row per refresh token ever issued."""

from datetime import UTC, datetime

from werkzeug.security import generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    """Naive UTC "now": stored the same way by SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class User(db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)

    def set_password(self, password: str) -> None:
        # werkzeug's default is scrypt with a random salt: slow on purpose.
        # Checking happens in credentials.authenticate(), the only caller.
        self.password_hash = generate_password_hash(password)

    def to_json(self) -> dict:
        return {"id": self.id, "username": self.username}


class RefreshToken(db.Model):
    """A refresh token we issued, identified by its `jti` claim.

    All tokens descending from one login share a `family`. A row is `spent`
    when it has been exchanged for a new token, and `revoked` when its family
    was ended (logout, or reuse of a spent token).
    """

    __tablename__ = "refresh_tokens"

    id = db.Column(db.Integer, primary_key=True)
    jti = db.Column(db.String(36), unique=True, nullable=False)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family = db.Column(db.String(36), nullable=False, index=True)
    issued_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
    spent_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)
