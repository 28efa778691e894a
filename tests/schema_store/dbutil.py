"""Small database helpers for schema_store tests: what a table looks like, what it holds."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from schema_store import AppSchema
from schema_store.meta import meta_archive


def insert(engine: sa.Engine, app: AppSchema, obj: str, *records: dict[str, Any]) -> list[int]:
    table = app.tables[obj]
    keys = sorted({k for r in records for k in r})
    with engine.begin() as conn:
        return [conn.execute(table.insert().values({k: r.get(k) for k in keys})).inserted_primary_key[0]
                for r in records]


def rows(engine: sa.Engine, obj: str, *columns: str) -> list[tuple[Any, ...]]:
    """``(id, *columns)`` of every row, typed as the database reports the columns."""
    with engine.connect() as conn:
        t = sa.Table(f"obj_{obj}", sa.MetaData(), autoload_with=conn)
        return [tuple(r) for r in conn.execute(sa.select(t.c.id, *(t.c[c] for c in columns)).order_by(t.c.id))]


def columns(engine: sa.Engine, obj: str) -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns(f"obj_{obj}")]


def indexes(engine: sa.Engine, obj: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    return {ix["name"]: (tuple(ix["column_names"]), bool(ix["unique"]))
            for ix in sa.inspect(engine).get_indexes(f"obj_{obj}")}


def tables(engine: sa.Engine) -> list[str]:
    return sorted(sa.inspect(engine).get_table_names())


def archived(engine: sa.Engine, obj: str, field: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(meta_archive.c.record_id, meta_archive.c.value)
            .where(meta_archive.c.object == obj, meta_archive.c.field == field).order_by(meta_archive.c.record_id))]


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Everything a failed publish must leave untouched: tables, columns, indexes, rows, meta rows."""
    insp = sa.inspect(engine)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name in sorted(insp.get_table_names()):
            t = sa.Table(name, sa.MetaData(), autoload_with=conn)
            out[name] = {
                "columns": [(c["name"], str(c["type"])) for c in insp.get_columns(name)],
                "indexes": sorted((ix["name"], tuple(ix["column_names"])) for ix in insp.get_indexes(name)),
                "rows": [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns or t.c))],
            }
    return out
