"""Database set-up: engine options, SQLite's pragmas, and creating the tables."""

from flask import Flask, current_app
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .config import ConfigError
from .errors import error_response
from .extensions import db

# What the driver raises when it cannot reach the database or lost the
# connection (a closed port, a restart, a full pool, SQLite's lock timeout).
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeoutError)


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


# Columns refresh_tokens gained after its first version (the session list and
# the safe retry need them). create_all() makes missing tables only, so a
# database from an earlier checkout (a presenter's instance folder) gets them
# here: nullable, then filled from what each row already has.
ADDED_COLUMNS = {
    "replaced_by": "VARCHAR(36)",
    "auth_time": "TIMESTAMP",
    "user_agent": "VARCHAR(256)",
}


def create_tables() -> None:
    """The one place tables are created: missing tables, columns and indexes
    only, data is kept. Called at start-up and by `flask init-db`; needs an
    app context."""
    db.create_all()
    present = {column["name"] for column in inspect(db.engine).get_columns("refresh_tokens")}
    missing = [name for name in ADDED_COLUMNS if name not in present]
    if not missing:
        return
    with db.engine.begin() as connection:
        for name in missing:
            connection.execute(
                text(f"ALTER TABLE refresh_tokens ADD COLUMN {name} {ADDED_COLUMNS[name]}")
            )
        if "auth_time" in missing:  # the session began, at the latest, with its oldest row
            connection.execute(
                text(
                    "UPDATE refresh_tokens SET auth_time = (SELECT MIN(f.issued_at)"
                    " FROM refresh_tokens f WHERE f.family = refresh_tokens.family)"
                )
            )
    for index in db.metadata.tables["refresh_tokens"].indexes:
        index.create(db.engine, checkfirst=True)


def database_unavailable(error: Exception):
    """The database cannot be reached right now: a 503 the client may retry,
    never a 500 that reads like a bug. Details go to the log only."""
    current_app.logger.error("database unreachable: %s", error.__class__.__name__)
    response = error_response(
        503, "database_unavailable", "The service is unavailable for a moment; please try again."
    )
    response.headers["Retry-After"] = "5"
    return response


def check_connection() -> None:
    """Stop start-up when the database cannot be reached at all: without it
    not one request could work, and the tables could not be created."""
    try:
        with db.engine.connect():
            pass
    except UNREACHABLE as error:
        url = db.engine.url.render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        raise ConfigError(f"DATABASE_URL: cannot connect to {url}: {reason}") from None


def init_database(app: Flask) -> None:
    for error_class in UNREACHABLE:
        app.register_error_handler(error_class, database_unavailable)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _on_sqlite_connect)
        check_connection()
        try:
            create_tables()
        except SQLAlchemyError as error:
            # Another worker may be creating the same tables right now.
            app.logger.warning("create_all skipped: %s", error.__class__.__name__)
        # Close pooled connections: gunicorn forks workers after this point,
        # and a connection must never be shared between processes.
        db.engine.dispose()
