"""``crm pack import PATH [--dry-run] [--prefer pack|local] [--prefer-at POINTER=pack|local]``,
``crm pack export OUT [--data OBJECT ...]``, ``crm pack list``; and the medical demo loader."""
from __future__ import annotations

import json
import os
import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from builder.packs.demo import DEMO_PASSWORD, load_demo
from builder.packs.export import build_files, write_pack
from builder.packs.format import PackInvalid, load_pack
from builder.packs.installer import ImportRefused, import_pack, installed, plan_import, system_actor
from runtime import users
from runtime.services import services
from runtime.system_tables import users as user_table
from schema_store.database import begin_write


def _request_context():
    """The record service speaks the user's language; the CLI speaks Chinese first."""
    from flask import current_app
    return current_app.test_request_context(headers={"Accept-Language": "zh-CN"})


@click.group()
def pack() -> None:
    """Import, export and list industry packs."""


def _prefer(prefer: str | None, items: tuple[str, ...]):
    if not items:
        return prefer
    out = {"*": prefer} if prefer else {}
    for item in items:
        pointer, _sep, choice = item.rpartition("=")
        if choice not in ("pack", "local") or not pointer:
            raise click.BadParameter(f"{item!r}: use POINTER=pack or POINTER=local", param_hint="--prefer-at")
        out[pointer] = choice
    return out


def print_plan(plan: dict) -> None:
    p = plan["pack"]
    click.echo(f"Pack {p['name']} {p['version']} ({p['title'].get('zh-CN') or p['title'].get('en')}): {plan['action']}"
               + (f" over {plan['installed_version']}" if plan["installed_version"] else ""))
    if not plan["changes"] and plan["ok"]:
        click.echo("Nothing to change.")
    for op in plan["ops"]:
        click.echo(f"  ~ {op['description']}")
    for obj, counts in plan["records"].items():
        if counts["new"] or counts["existing"]:
            click.echo(f"  + {counts['new']} record(s) of {obj} to load ({counts['existing']} already there)")
    for team in plan["teams"]:
        click.echo(f"  + team {team}")
    for c in plan["conflicts"]:
        click.echo(f"  ! conflict at {c['path']}: local {json.dumps(c['local'], ensure_ascii=False)[:80]} "
                   f"<> pack {json.dumps(c['pack'], ensure_ascii=False)[:80]}")
    for pr in plan["problems"]:
        click.echo(f"  ! {pr['file']}#{pr['path'] or '/'}: {pr['message']}")
    if plan["conflicts"]:
        click.echo(f"{len(plan['conflicts'])} conflict(s): nothing applied; resolve with --prefer pack|local "
                   f"or --prefer-at POINTER=pack|local.")


def _admin_id(conn) -> int | None:
    return users.find_user_id(conn, "admin") or conn.execute(
        sa.select(user_table.c.id).where(user_table.c.role == "admin").order_by(user_table.c.id)).scalar()


@pack.command("import")
@click.argument("path")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--prefer", type=click.Choice(["pack", "local"]), help="Resolve every conflict this way.")
@click.option("--prefer-at", "prefer_at", multiple=True, help="Resolve one conflict: POINTER=pack|local.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@with_appcontext
def import_command(path: str, dry_run: bool, prefer: str | None, prefer_at: tuple[str, ...], as_json: bool) -> None:
    """Import (or upgrade to) the pack at PATH (a folder or a .zip)."""
    svc = services()
    try:
        loaded = load_pack(path)
    except PackInvalid as exc:
        for pr in exc.problems:
            click.echo(f"error: {pr}", err=True)
        raise SystemExit(2)
    choice = _prefer(prefer, prefer_at)
    with svc.engine.connect() as conn:
        plan = plan_import(conn, loaded, prefer=choice)
        actor_id = _admin_id(conn)
    shown = plan.to_dict("zh-CN" if os.environ.get("LANG", "").startswith("zh") else "en")
    click.echo(json.dumps(shown, ensure_ascii=False, indent=1) if as_json else "", nl=as_json)
    if not as_json:
        print_plan(shown)
    if not plan.ok:
        raise SystemExit(1)
    if dry_run:
        click.echo("Dry run: nothing changed.")
        return
    if actor_id is None:
        click.echo("error: run `crm init` first (an admin user loads the data)", err=True)
        raise SystemExit(2)
    started = time.perf_counter()
    try:
        with _request_context():
            result = import_pack(svc, loaded, actor_id=actor_id, prefer=choice)
    except (PackInvalid, ImportRefused) as exc:
        problems = exc.problems if isinstance(exc, PackInvalid) else exc.plan.problems
        for pr in problems:
            click.echo(f"error: {pr}", err=True)
        raise SystemExit(1)
    loaded_n = sum(result.loaded.values())
    click.echo(f"Imported {loaded.name} {loaded.version}" +
               (f" as schema version {result.version}" if result.version else " (metadata unchanged)") +
               f"; {loaded_n} record(s) loaded in {time.perf_counter() - started:.1f} s.")


@pack.command("export")
@click.argument("out")
@click.option("--name", default="exported", show_default=True)
@click.option("--version", "version", default="1.0.0", show_default=True)
@click.option("--data", "data_objects", multiple=True, help="An object whose records go into the pack.")
@with_appcontext
def export_command(out: str, name: str, version: str, data_objects: tuple[str, ...]) -> None:
    """Write the live app (and chosen reference data) as a pack folder, or a .zip when OUT ends so."""
    svc = services()
    with svc.engine.connect() as conn:
        app = svc.schema_cache.get(conn)
        unknown = [o for o in data_objects if o not in app.objects]
        if unknown:
            click.echo(f"error: unknown object(s): {', '.join(unknown)}", err=True)
            raise SystemExit(2)
        files = build_files(conn, app, name=name, version=version, title=None, data_objects=list(data_objects))
    target = write_pack(files, out)
    click.echo(f"Exported the live app (version {app.version}) to {target}")


@pack.command("list")
@with_appcontext
def list_command() -> None:
    """List the installed packs."""
    with services().engine.connect() as conn:
        packs = installed(conn)
    if not packs:
        click.echo("No packs installed.")
    for name, p in sorted(packs.items()):
        click.echo(f"{name} {p['version']}  {p['title'].get('zh-CN') or p['title'].get('en') or ''}  "
                   f"(installed {p['installed_at']:%Y-%m-%d %H:%M})")


def medical_demo(scale: float | None = None) -> None:
    """``crm demo``: import the medical pack (or upgrade it) and load its demo data once."""
    from builder.packs import TEMPLATES
    svc = services()
    scale = scale if scale is not None else float(os.environ.get("CRM_DEMO_SCALE", "1"))
    loaded = load_pack(TEMPLATES / "medical")
    with svc.engine.connect() as conn:
        actor_id = _admin_id(conn)
    started = time.perf_counter()
    with _request_context():
        result = import_pack(svc, loaded, actor_id=actor_id)
        click.echo(f"Pack {loaded.name} {loaded.version}: {result.plan.action}")
        with begin_write(svc.engine) as conn:
            actor = system_actor(conn, actor_id)
        fresh = load_demo(svc, loaded, actor=actor, scale=scale, progress=click.echo)
    if fresh:
        click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s. Sign in as med_rep1, med_mgr1, "
                   f"med_director or med_eng1 with the password {DEMO_PASSWORD}; "
                   f"run `crm tick` to see overdue stages turn red.")
    else:
        click.echo("Demo data already loaded; nothing to do.")
