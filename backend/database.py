"""Database set-up that depends on which database we talk to."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db


def sqlite_engine_options(database_url: str) -> dict:
    """SQLite waits this long for a lock instead of failing at once."""
    return {"connect_args": {"timeout": 15}} if database_url.startswith("sqlite") else {}


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Without this, SQLite ignores ON DELETE CASCADE.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while one writer commits: several gunicorn
    # workers can share the file. (In-memory databases ignore it.)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_database(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _on_sqlite_connect)
        try:
            db.create_all()  # creates missing tables only; never drops data
        except SQLAlchemyError as error:
            # Another worker may be creating the same tables right now.
            app.logger.warning("create_all skipped: %s", error.__class__.__name__)
        # Close pooled connections: gunicorn forks workers after this point,
        # and a connection must never be shared between processes.
        db.engine.dispose()
