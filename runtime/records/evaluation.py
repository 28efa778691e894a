"""Evaluating an object's expressions against one record in Python: the context (user, clock,
calendar, prior values), the lookup values the expressions read, formulas in dependency order."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

import expression
from runtime.records.permissions import user_context
from runtime.records.sql_columns import ExpressionColumns
from runtime.records.values import from_column
from runtime.system_tables import teams, users
from runtime.users import Actor
from schema_store import AppSchema
from schema_store.model import ExprDef, FieldDef, ObjectDef


def object_expressions(schema: AppSchema, object_name: str) -> list[ExprDef]:
    """Every compiled expression that runs on records of ``object_name``."""
    prefix = f"/objects/{object_name}/"
    return [e for path, e in schema.expressions.items() if path.startswith(prefix)]


def lookup_paths(schema: AppSchema, object_name: str, extra: Iterable[ExprDef] = ()) -> dict[str, set[str]]:
    """``{lookup_field: {target paths}}`` read by the object's expressions (and ``extra``)."""
    needed: dict[str, set[str]] = {}
    for e in [*object_expressions(schema, object_name), *extra]:
        for ref in e.references:
            head, _, rest = ref.partition(".")
            if rest:
                needed.setdefault(head, set()).add(rest)
    return needed


def load_lookups(conn: sa.Connection, schema: AppSchema, obj: ObjectDef, record: Mapping[str, Any],
                 needed: Mapping[str, set[str]], *, now: dt.datetime, tz: dt.tzinfo,
                 actor: Actor) -> dict[str, Any]:
    """The values of ``lookup.path`` and ``user.attribute`` for this record (blank when the
    reference is blank)."""
    out: dict[str, Any] = user_paths(conn, obj, record, needed)
    for head, paths in needed.items():
        f = obj.fields.get(head)
        if f is None or f.type != "lookup" or f.target not in schema.objects:
            continue
        ref = record.get(head)
        if ref is None:
            out.update({f"{head}.{p}": None for p in paths})
            continue
        table = schema.table(f.target)
        cols = ExpressionColumns(schema, f.target, table, now=now, user=user_context(actor), tz=tz)
        ordered = sorted(paths)
        row = conn.execute(sa.select(*[cols[p].label(f"c{i}") for i, p in enumerate(ordered)])
                           .where(table.c.id == ref)).first()
        target = schema.object(f.target)
        for i, p in enumerate(ordered):
            value = row[i] if row is not None else None
            first = p.split(".")[0]
            if "." not in p and first in target.fields:
                value = from_column(target.fields[first], value)
            out[f"{head}.{p}"] = value
    return out


USER_REFERENCES = ("owner", "created_by", "updated_by")


def is_user_reference(obj: ObjectDef, head: str) -> bool:
    f = obj.fields.get(head)
    return head in USER_REFERENCES or (f is not None and f.type == "user")


def user_attribute_columns() -> dict[str, Any]:
    """What ``owner.<attribute>`` (or any user field) may read; the query joins users to teams."""
    return {"username": users.c.username, "name": sa.func.coalesce(users.c.display_name, users.c.username),
            "email": users.c.email, "role": users.c.role, "region": users.c.region,
            "manager": users.c.manager_id, "team": teams.c.name}


def user_paths(conn: sa.Connection, obj: ObjectDef, record: Mapping[str, Any],
               needed: Mapping[str, set[str]]) -> dict[str, Any]:
    """``owner.region``, ``new_owner.team``...: attributes of the user a user reference points to."""
    out: dict[str, Any] = {}
    columns: dict[str, Any] = {}
    for head, paths in needed.items():
        if not is_user_reference(obj, head):
            continue
        columns = columns or user_attribute_columns()
        uid = record.get(head)
        row = conn.execute(sa.select(*columns.values()).select_from(
            users.outerjoin(teams, users.c.team_id == teams.c.id)).where(users.c.id == uid)).first() if uid else None
        values = dict(zip(columns, row)) if row is not None else {}
        out.update({f"{head}.{p}": values.get(p) for p in paths})
    return out


def context(record: Mapping[str, Any], *, actor: Actor, now: dt.datetime, tz: dt.tzinfo,
            calendar: Any = None, prior: Mapping[str, Any] | None = None,
            is_new: bool = False) -> expression.Context:
    return expression.Context(
        record=record, prior=prior, is_new=is_new, user=user_context(actor), now=now, tz=tz,
        calendar=calendar or expression.MONDAY_TO_FRIDAY, stage=record.get("stage"),
        stage_entered_at=record.get("stage_entered_at"))


def formula_order(obj: ObjectDef) -> list[FieldDef]:
    """Formula fields, each after the formulas it reads (cycles are refused at publish)."""
    formulas = {f.name: f for f in obj.fields.values() if f.formula is not None}
    done: list[FieldDef] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for ref in formulas[name].formula.references:  # type: ignore[union-attr]
            if ref in formulas:
                visit(ref)
        done.append(formulas[name])

    for name in formulas:
        visit(name)
    return done


def compute_formulas(obj: ObjectDef, record: dict[str, Any], ctx_for) -> None:
    """Fill formula fields in ``record`` (in place); ``ctx_for(record)`` builds the context."""
    for f in formula_order(obj):
        try:
            value = f.formula.evaluate(ctx_for(record))  # type: ignore[union-attr]
        except expression.ExpressionError:
            value = None  # a formula that fails at run time (e.g. a limit) yields blank
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        record[f.name] = value
