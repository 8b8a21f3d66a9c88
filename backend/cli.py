"""Flask CLI commands: `flask --app backend init-db | create-user | purge-tokens`."""

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from .database import create_tables
from .extensions import db
from .models import User
from .tokens import purge_expired_tokens


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the tables (existing data is kept)."""
    create_tables()
    click.echo("Database ready.")


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--exist-ok", is_flag=True, help="Do nothing if the user already exists.")
@with_appcontext
def create_user_command(username: str, password: str, exist_ok: bool):
    """Create a user (prompts for the password when --password is omitted)."""
    if not username.strip() or len(username) > 80:
        raise click.BadParameter("must be 1 to 80 characters", param_hint="USERNAME")
    if not password:
        raise click.BadParameter("must not be empty", param_hint="--password")
    if db.session.scalar(select(User).where(User.username == username)):
        if exist_ok:
            click.echo(f"User {username!r} already exists.")
            return
        raise click.ClickException(f"user {username!r} already exists")
    user = User(username=username)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created user {username!r}.")


@click.command("purge-tokens")
@with_appcontext
def purge_tokens_command():
    """Delete refresh-token rows that have expired."""
    removed = purge_expired_tokens()
    db.session.commit()
    click.echo(f"Purged {removed} expired refresh token(s).")


def register_commands(app: Flask) -> None:
    for command in (init_db_command, create_user_command, purge_tokens_command):
        app.cli.add_command(command)
