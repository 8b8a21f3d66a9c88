"""Database tables: users, and one row per refresh token ever issued."""

from datetime import UTC, datetime

from werkzeug.security import generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    """Naive UTC "now": stored the same way by SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


# Long enough for every real browser's User-Agent (about 150 characters).
USER_AGENT_MAX_LENGTH = 256


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

    All tokens descending from one login share a `family`: that family is
    the user's *session* on one device, and its id is the session id. A row
    is `spent` when it has been exchanged for a new token (`replaced_by`
    names that successor), and `revoked` when its family was ended (logout,
    reuse of a spent token, the user ending the session).

    A live family has exactly one live row (neither spent nor revoked), so
    the user's sessions are their live rows. The partial index below holds
    only those rows: listing sessions stays fast however many thousands of
    spent rows a long-lived family leaves behind.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        db.Index(
            "ix_refresh_tokens_live_by_user",
            "user_id",
            postgresql_where=db.text("spent_at IS NULL AND revoked_at IS NULL"),
            sqlite_where=db.text("spent_at IS NULL AND revoked_at IS NULL"),
        ),
    )

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
    replaced_by = db.Column(db.String(36))  # the successor's jti, set when spent by a rotation
    # When the user last typed the password for this family (the tokens'
    # `auth_time`): the session's start, the same on every row of the family.
    auth_time = db.Column(db.DateTime, nullable=False, default=utcnow)
    # The User-Agent header at the login, refresh or re-authentication that
    # issued this row: shown to the user, never trusted (truncated, as sent).
    user_agent = db.Column(db.String(USER_AGENT_MAX_LENGTH))
