"""The ``crm`` command line: a Flask CLI group. Other packages add their commands to ``app.cli``."""
from __future__ import annotations

import secrets
from typing import Callable

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from runtime import users
from runtime.cli_expr import expr
from runtime.jobs.worker_cli import worker
from runtime.stages.cli import tick
from runtime.services import services
from schema_store.database import begin_write


def build_cli(create_app: Callable[..., Flask]) -> click.Group:
    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                       add_version_option=False, load_dotenv=False,
                       help="A metadata-driven CRM engine. CRM_INSTANCE_PATH picks the instance folder.")
    for command in (init, demo, serve, user, worker, expr, tick):
        group.add_command(command)
    return group


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


INITIAL_PASSWORD_FILE = "initial_admin_password"


def _existing_user(conn, name: str) -> int:
    """The id of user ``name``; a clear error (exit code 2) when there is none."""
    user_id = users.find_user_id(conn, name)
    if user_id is None:
        _fail(f"user {name!r} does not exist")
    return user_id


def ensure_admin(password: str | None) -> str | None:
    """Create the admin account (or reset its password); returns the admin password when it is
    known: set now, or the generated initial one, kept in the instance folder while it still works."""
    svc = services()
    saved = svc.settings.instance_path / INITIAL_PASSWORD_FILE
    with begin_write(svc.engine) as conn:
        admin_id = users.find_user_id(conn, "admin")
        if admin_id is None:
            generated = password is None
            password = password or secrets.token_urlsafe(12)
            users.create_user(conn, "admin", "admin", password=password, display_name="Administrator",
                              now=svc.clock.now())
            if generated:
                saved.write_text(password)
                saved.chmod(0o600)
            return password
        if password:
            users.set_password(conn, admin_id, password)
            saved.unlink(missing_ok=True)
            return password
        if saved.exists() and users.password_matches(conn, admin_id, saved.read_text().strip()):
            return saved.read_text().strip()
    return None


@click.command()
@click.option("--admin-password", help="Password for the admin account (generated when omitted).")
@with_appcontext
def init(admin_password: str | None) -> None:
    """Create the instance folder, the database tables and the admin account."""
    svc = services()
    try:
        password = ensure_admin(admin_password)
    except users.UserError as exc:
        _fail(str(exc))
    click.echo(f"Instance: {svc.settings.instance_path}")
    click.echo(f"Database: {svc.engine.url.render_as_string(hide_password=True)}")
    if password:
        click.echo(f"Admin login: admin / {password}")
    else:
        click.echo("Admin login: admin (password unchanged; use --admin-password to reset it)")


@click.command()
@click.option("--admin-password", help="Password for the admin account (generated when omitted).")
@with_appcontext
def demo(admin_password: str | None) -> None:
    """init, then the demo app and its data (the medical-device pack when it is installed)."""
    from flask import current_app
    init.callback(admin_password)  # type: ignore[misc]
    for loader in current_app.extensions.get("crm_demo_loaders", []):
        loader()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app (embedded mode: one process, jobs inline)."""
    from flask import current_app
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from werkzeug.serving import run_simple
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    from runtime.stages.tick import Ticker
    with Ticker(services(app)):  # embedded mode: `crm tick` every minute in a background thread
        run_simple(host, port, app, threaded=True, use_reloader=False)


@click.group()
def user() -> None:
    """Manage users and API tokens."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="admin, analyst, manager, rep or consultant")
@click.option("--team", help="Team name (created when missing).")
@click.option("--manager", help="The user name of this user's manager.")
@click.option("--password", help="Generated and printed when omitted.")
@click.option("--region", help="Sales region, used by routing and approvals.")
@with_appcontext
def user_add(name: str, role: str, team: str | None, manager: str | None, password: str | None,
             region: str | None) -> None:
    """Add a user."""
    svc = services()
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with begin_write(svc.engine) as conn:
            extra = tuple(svc.schema_cache.get(conn).roles)
            users.create_user(conn, name, role, password=password, team=team, manager=manager,
                              region=region, now=svc.clock.now(), extra_roles=extra)
    except users.UserError as exc:
        _fail(str(exc))
    click.echo(f"User {name} ({role}) created." + (f" Password: {password}" if generated else ""))


@user.command("token")
@click.argument("name")
@with_appcontext
def user_token(name: str) -> None:
    """Make an API token for a user; the token is the last line printed."""
    svc = services()
    with begin_write(svc.engine) as conn:
        token = users.create_token(conn, _existing_user(conn, name), name="cli", now=svc.clock.now())
    click.echo(f"API token for {name} (shown once; send as 'Authorization: Bearer <token>'):")
    click.echo(token)


@user.command("revoke-tokens")
@click.argument("name")
@with_appcontext
def user_revoke(name: str) -> None:
    """Revoke every API token of a user."""
    svc = services()
    with begin_write(svc.engine) as conn:
        count = users.revoke_tokens(conn, _existing_user(conn, name), now=svc.clock.now())
    click.echo(f"Revoked {count} token(s) of {name}.")
