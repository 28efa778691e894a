"""What automation code needs around a record: the services of the process (the web app's in
embedded mode, a runtime app built once per worker process otherwise), the acting system user,
expression contexts with the lookup values an automation expression reads, people resolution and
``{field}`` placeholders."""
from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import sqlalchemy as sa

from runtime.records.evaluation import context, load_lookups
from runtime.records.values import from_column
from runtime.system_tables import teams, users
from runtime.users import Actor, get_actor
from schema_store import AppSchema
from schema_store.model import ExprDef

if TYPE_CHECKING:
    from runtime.services import Services

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\}")
SOURCE = "automation"
_BY_ENGINE: dict[int, "Services"] = {}  # id(engine) -> the app's services (set once at start-up)


def remember(svc: Services) -> None:
    """Called by init_app: inline runs on this engine use the app's services (and its hooks)."""
    _BY_ENGINE[id(svc.engine)] = svc


def services_for(conn: sa.Connection, clock: Any = None) -> Services:
    """The services to run automation with on ``conn``: the app's when this process has one for
    that engine, otherwise (an RQ worker) a runtime app built from the environment once."""
    svc = _BY_ENGINE.get(id(conn.engine)) or _worker_services(conn.engine.url.render_as_string(hide_password=False))
    return dataclasses.replace(svc, clock=clock) if clock is not None else svc


@functools.lru_cache(maxsize=4)
def _worker_services(database_url: str) -> Services:
    from runtime.app import create_runtime_app
    app = create_runtime_app({"database_url": database_url, "create_tables": False})
    return app.extensions["crm"]


def system_actor(conn: sa.Connection, record: Mapping[str, Any] | None = None) -> Actor:
    """Automation acts as the record's owner (or creator) with full rights, so history shows whose
    record changed; with neither (a pooled record) as the first active admin."""
    for key in ("owner", "created_by"):
        uid = (record or {}).get(key)
        if uid:
            actor = get_actor(conn, uid)
            if actor is not None:
                return dataclasses.replace(actor, role="admin")
    row = conn.execute(sa.select(users.c.id).where(users.c.role == "admin").order_by(users.c.id)).first()
    if row is not None:
        actor = get_actor(conn, row.id)
        if actor is not None:
            return actor
    return Actor(id=0, username="automation", role="admin")


def lookup_needs(exprs: Iterable[ExprDef | None]) -> dict[str, set[str]]:
    needed: dict[str, set[str]] = {}
    for e in exprs:
        if e is None:
            continue
        for ref in e.references:
            head, _, rest = ref.partition(".")
            if rest:
                needed.setdefault(head, set()).add(rest)
    return needed


def eval_context(svc: Services, conn: sa.Connection, schema: AppSchema, object_name: str,
                 record: Mapping[str, Any], exprs: Iterable[ExprDef | None], *, actor: Actor,
                 prior: Mapping[str, Any] | None = None, is_new: bool = False, extra: Iterable[str] = ()):
    """An expression context for ``record`` with the lookup values ``exprs`` (and ``extra`` paths) read."""
    obj = schema.object(object_name)
    needed = lookup_needs(exprs)
    for path in extra:
        head, _, rest = path.partition(".")
        if rest:
            needed.setdefault(head, set()).add(rest)
    now = svc.clock.now()
    full = {**record, **load_lookups(conn, schema, obj, record, needed, now=now, tz=svc.settings.tz, actor=actor)}
    factory = svc.extras.get("calendar")
    return context(full, actor=actor, now=now, tz=svc.settings.tz, calendar=factory(schema) if factory else None,
                   prior=prior, is_new=is_new), full


def evaluate(expr: ExprDef | None, ctx: Any, default: Any = None) -> Any:
    import expression
    if expr is None:
        return default
    try:
        return expr.evaluate(ctx)
    except expression.ExpressionError:
        return default


def load_raw(conn: sa.Connection, schema: AppSchema, object_name: str, record_id: int) -> dict[str, Any] | None:
    """The stored row as Python values (no permission check: automation sees everything)."""
    table = schema.table(object_name)
    row = conn.execute(sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))).mappings().first()
    if row is None:
        return None
    obj = schema.object(object_name)
    out = dict(row)
    for f in obj.stored_fields:
        if f.name in out:
            out[f.name] = from_column(f, out[f.name])
    return out


def render(label: Any, record: Mapping[str, Any], lang: str = "zh-CN") -> str:
    """A localized label with ``{field}`` placeholders filled from ``record``."""
    if isinstance(label, Mapping):
        text = label.get(lang) or label.get("zh-CN") or label.get("en") or next(iter(label.values()), "")
    else:
        text = str(label or "")

    def fill(m: re.Match) -> str:
        value = record.get(m.group(1))
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return ", ".join(_text(v) for v in value)
        return _text(value)
    return PLACEHOLDER.sub(fill, text)


def _text(value: Any) -> str:
    from decimal import Decimal
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value.normalize():f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def team_members(conn: sa.Connection, team: str) -> list[int]:
    return list(conn.execute(sa.select(users.c.id).select_from(users.join(teams, users.c.team_id == teams.c.id))
                             .where(teams.c.name == team, users.c.active.is_(True)).order_by(users.c.id)).scalars())


def recipients(conn: sa.Connection, spec: Mapping[str, Any], record: Mapping[str, Any]) -> list[int]:
    """User ids for a recipient (``owner``, ``owner_manager``, ``user``, ``role``, ``team``,
    ``team_manager``, ``field``)."""
    kind = spec.get("kind")
    if kind == "owner":
        return [record["owner"]] if record.get("owner") else []
    if kind == "owner_manager":
        owner = get_actor(conn, record["owner"]) if record.get("owner") else None
        return [owner.manager_id] if owner and owner.manager_id else []
    if kind == "user":
        uid = conn.execute(sa.select(users.c.id).where(users.c.username == spec.get("user"))).scalar()
        return [uid] if uid else []
    if kind == "role":
        return list(conn.execute(sa.select(users.c.id).where(users.c.role == spec.get("role"),
                                                            users.c.active.is_(True)).order_by(users.c.id)).scalars())
    if kind == "team":
        return team_members(conn, spec.get("team", ""))
    if kind == "team_manager":
        name = spec.get("team")
        if name is None and record.get("owner"):
            owner = get_actor(conn, record["owner"])
            name = owner.team if owner else None
        uid = conn.execute(sa.select(teams.c.manager_id).where(teams.c.name == name)).scalar() if name else None
        return [uid] if uid else []
    if kind == "field":
        value = record.get(spec.get("field", ""))
        return [value] if isinstance(value, int) and value else []
    return []
