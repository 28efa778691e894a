"""(Re)computing stored formula and roll-up columns for existing rows during a publish.

In SQL when the expression compiles to SQL (one UPDATE), else row by row in Python. The runtime
keeps the values current afterwards; this only fills a column that is new or whose definition
changed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from schema_store.archive import write_values
from schema_store.model import AppSchema, ExprDef


def recompute(conn: sa.Connection, app: AppSchema, obj_name: str, field: str, *, now: dt.datetime,
              tz: dt.tzinfo) -> int:
    """Fill ``obj_name.field`` for every row; returns the number of rows written."""
    f = app.objects[obj_name].fields[field]
    table = app.tables[obj_name]
    if f.formula is not None:
        expr = _sql(f.formula, table, now, tz)
        if expr is not None:
            return conn.execute(sa.update(table).values({field: expr})).rowcount or 0
        return _python(conn, table, field, f.formula, now, tz)
    if f.rollup is not None:
        return conn.execute(sa.update(table).values({field: _rollup(app, obj_name, field, table, now, tz)})
                            ).rowcount or 0
    return 0


def _columns(table: sa.FromClause) -> dict[str, Any]:
    return {c.key: c for c in table.c}


def _sql(e: ExprDef, table: sa.FromClause, now: dt.datetime, tz: dt.tzinfo) -> Any:
    if not e.sql_capable:
        return None
    try:
        return e.to_sql(_columns(table), now=now, tz=tz)
    except Exception:  # noqa: BLE001 - the Python path computes the same values
        return None


def _python(conn: sa.Connection, table: sa.Table, field: str, e: ExprDef, now: dt.datetime, tz: dt.tzinfo) -> int:
    values: dict[int, Any] = {}
    for row in conn.execute(sa.select(table)).mappings():
        values[row["id"]] = e.evaluate({"record": dict(row), "now": now, "tz": tz})
    write_values(conn, table, field, values)
    return len(values)


def _rollup(app: AppSchema, obj_name: str, field: str, table: sa.Table, now: dt.datetime,
            tz: dt.tzinfo) -> sa.ColumnElement[Any]:
    r = app.objects[obj_name].fields[field].rollup
    assert r is not None
    child = app.tables[r.object].alias("rollup_child")
    if r.function == "count":
        agg: Any = sa.func.count(child.c.id)
    elif r.function == "count_distinct":
        agg = sa.func.count(sa.distinct(child.c[r.field]))
    else:
        agg = getattr(sa.func, r.function)(child.c[r.field])
    conditions = [child.c[r.lookup] == table.c.id, child.c.deleted_at.is_(None)]
    if r.filter is not None:
        condition = _sql(r.filter, child, now, tz)
        if condition is None:
            raise ValueError(f"the filter of {obj_name}.{field} cannot run in SQL: {r.filter.source}")
        conditions.append(condition)
    value = sa.select(agg).where(*conditions).scalar_subquery()
    return sa.func.coalesce(value, 0) if r.function == "sum" else value
