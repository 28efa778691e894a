"""Assignment: who owns a record. Assignees (``user``, ``team`` round-robin or least-open,
``field``, ``pool``, ``route``, ``owner_manager``), routing tables (``assignment.routes``: ordered
entries ``when`` -> ``assign_to``, then a ``fallback``), public pools (公海池) with claim/release,
and a decision row for every choice (which route/rule, which entry matched, who or which pool).

Round-robin is fair under concurrency: each pick increments the team's counter row inside the
saving transaction (a row lock on PostgreSQL, the write lock of BEGIN IMMEDIATE on SQLite), so two
workers never read the same position. Least-open takes the same lock before counting.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa

from runtime.automation.context import evaluate, recipients, team_members
from runtime.automation.tables import assignment_decisions, pool_members, round_robin
from runtime.users import get_actor
from schema_store import AppSchema


@dataclass(frozen=True)
class Decision:
    kind: str                   # user | team | field | pool | owner_manager | none
    user_id: int | None = None
    team: str | None = None
    pool: str | None = None
    entry: str | None = None    # routing entry key, "fallback", or None for a direct assignee


def _bump(conn: sa.Connection, team: str) -> int:
    """Atomically take the next round-robin position of ``team`` (1, 2, 3, ...)."""
    rr = round_robin.c
    updated = conn.execute(round_robin.update().where(rr.team == team).values(counter=rr.counter + 1)
                           .returning(rr.counter)).scalar()
    if updated is not None:
        return int(updated)
    try:
        with conn.begin_nested():
            conn.execute(round_robin.insert().values(team=team, counter=1))
        return 1
    except sa.exc.IntegrityError:  # another transaction created it first; its row lock orders us
        return int(conn.execute(round_robin.update().where(rr.team == team).values(counter=rr.counter + 1)
                                .returning(rr.counter)).scalar_one())


def _open_filter(schema: AppSchema, object_name: str, table: sa.Table) -> list[Any]:
    where = [table.c.deleted_at.is_(None)]
    obj = schema.object(object_name)
    if obj.pipeline is not None:
        closed = [n.key for n in obj.pipeline.nodes if n.outcome != "open"]
        if closed:
            where.append(sa.or_(table.c.stage.is_(None), table.c.stage.notin_(closed)))
    return where


def pick_from_team(conn: sa.Connection, schema: AppSchema, object_name: str, team: str,
                   strategy: str = "round_robin") -> int | None:
    members = team_members(conn, team)
    if not members:
        return None
    position = _bump(conn, team)  # also serialises least-open picks of this team
    if strategy == "least_open":
        table = schema.table(object_name)
        counts = dict(conn.execute(sa.select(table.c.owner, sa.func.count()).where(
            table.c.owner.in_(members), *_open_filter(schema, object_name, table)).group_by(table.c.owner)).all())
        return min(members, key=lambda uid: (counts.get(uid, 0), uid))
    return members[(position - 1) % len(members)]


def resolve(conn: sa.Connection, schema: AppSchema, object_name: str, spec: Mapping[str, Any],
            record: Mapping[str, Any], ctx_for=None, *, _depth: int = 0) -> Decision:
    """The decision for assignee ``spec`` on ``record`` (``ctx_for(exprs)`` builds the expression
    context route entries are evaluated in)."""
    kind = spec.get("kind")
    if kind == "user":
        ids = recipients(conn, {"kind": "user", "user": spec.get("user")}, record)
        return Decision("user", ids[0]) if ids else Decision("none")
    if kind == "team":
        team = spec.get("team", "")
        return Decision("team", pick_from_team(conn, schema, object_name, team, spec.get("strategy", "round_robin")),
                        team=team)
    if kind == "field":
        value = record.get(spec.get("field", ""))
        return Decision("field", value if isinstance(value, int) else None)
    if kind == "owner_manager":
        ids = recipients(conn, {"kind": "owner_manager"}, record)
        return Decision("owner_manager", ids[0] if ids else None)
    if kind == "pool":
        return Decision("pool", pool=spec.get("pool"))
    if kind == "route" and _depth < 3:
        return route(conn, schema, object_name, spec.get("route", ""), record, ctx_for, _depth=_depth + 1)
    return Decision("none")


def route(conn: sa.Connection, schema: AppSchema, object_name: str, key: str, record: Mapping[str, Any],
          ctx_for, *, _depth: int = 0) -> Decision:
    """Walk routing table ``key``: the first entry whose ``when`` holds decides; else the fallback."""
    table = schema.assignment.get("routes", {}).get(key)
    if table is None:
        return Decision("none")
    entries = table.get("entries", ())
    whens = [schema.expression(f"/assignment/routes/{key}/entries/{i}/when") for i in range(len(entries))]
    ctx = ctx_for([w for w in whens if w is not None]) if ctx_for else None  # one context for all entries
    for i, (entry, when) in enumerate(zip(entries, whens)):
        if when is not None and not evaluate(when, ctx, False):
            continue
        d = resolve(conn, schema, object_name, entry.get("assign_to", {}), record, ctx_for, _depth=_depth)
        if d.kind != "none" and (d.user_id is not None or d.pool is not None):
            return Decision(d.kind, d.user_id, d.team, d.pool, entry.get("key") or str(i))
    fallback = table.get("fallback")
    if fallback:
        d = resolve(conn, schema, object_name, fallback, record, ctx_for, _depth=_depth)
        return Decision(d.kind, d.user_id, d.team, d.pool, "fallback")
    return Decision("none")


def apply(record: dict[str, Any], decision: Decision) -> bool:
    """Put the decision on the record (owner, or no owner for a pool); False when nothing was chosen."""
    if decision.user_id is not None:
        record["owner"] = decision.user_id
        return True
    if decision.pool is not None:
        record["owner"] = None
        return True
    return False


def record_decision(conn: sa.Connection, object_name: str, record_id: int, decision: Decision, *,
                    source: str, actor_id: int | None, at: dt.datetime) -> None:
    conn.execute(assignment_decisions.insert().values(
        object=object_name, record_id=record_id, source=source[:200], entry=decision.entry, kind=decision.kind,
        user_id=decision.user_id, team=decision.team, pool=decision.pool, actor_id=actor_id, at=at))
    p = pool_members.c
    conn.execute(pool_members.delete().where(p.object == object_name, p.record_id == record_id))
    if decision.pool is not None and decision.user_id is None:
        conn.execute(pool_members.insert().values(object=object_name, record_id=record_id, pool=decision.pool,
                                                  since=at))


def decisions(conn: sa.Connection, object_name: str, record_id: int) -> list[dict[str, Any]]:
    d = assignment_decisions.c
    return [dict(r) for r in conn.execute(sa.select(assignment_decisions).where(
        d.object == object_name, d.record_id == record_id).order_by(d.id)).mappings()]


def pool_of(conn: sa.Connection, object_name: str, record_id: int) -> str | None:
    p = pool_members.c
    return conn.execute(sa.select(p.pool).where(p.object == object_name, p.record_id == record_id)).scalar()


def default_pool(schema: AppSchema, object_name: str) -> str | None:
    """The pool a released record goes to: its routes' fallback pool, else the first pool."""
    for table in schema.assignment.get("routes", {}).values():
        fb = table.get("fallback") or {}
        if table.get("object") == object_name and fb.get("kind") == "pool":
            return fb.get("pool")
    return next(iter(schema.assignment.get("pools", {})), None)


def manager_of(conn: sa.Connection, user_id: int | None) -> int | None:
    actor = get_actor(conn, user_id) if user_id else None
    return actor.manager_id if actor else None
