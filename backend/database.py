"""Database set-up: engine options, SQLite's pragmas, and creating the tables."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db


def engine_options(database_url: str) -> dict:
    """SQLAlchemy engine options for this database.

    pool_pre_ping: a pooled connection can die under us (PostgreSQL was
    restarted, a proxy closed an idle connection). The pool then tests each
    connection with a cheap round trip before lending it out and replaces a
    dead one, so the first request after a restart is not a 500.
    SQLite waits up to 15 s for a lock instead of failing at once.
    """
    options = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 15}
    return options


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Without this, SQLite ignores ON DELETE CASCADE.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while one writer commits: several gunicorn
    # workers can share the file. (In-memory databases ignore it.)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_tables() -> None:
    """The one place tables are created: missing tables only, data is kept.
    Called at start-up and by `flask init-db`; needs an app context."""
    db.create_all()


def init_database(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _on_sqlite_connect)
        try:
            create_tables()
        except SQLAlchemyError as error:
            # Another worker may be creating the same tables right now.
            app.logger.warning("create_all skipped: %s", error.__class__.__name__)
        # Close pooled connections: gunicorn forks workers after this point,
        # and a connection must never be shared between processes.
        db.engine.dispose()
