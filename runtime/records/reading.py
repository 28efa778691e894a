"""Reading records: one select per object with computed fields inlined, limited by permissions.

Every read (single record, list, lookup check, export) starts from :func:`base_select`, so the
scope clause of :mod:`runtime.records.permissions` applies everywhere.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa

from runtime.records.permissions import ObjectAccess, scope_clause, user_context
from runtime.records.sql_columns import SYSTEM_COLUMNS, ExpressionColumns
from runtime.records.values import from_column, to_json
from runtime.users import Actor
from schema_store import AppSchema
from schema_store.model import FieldDef


@dataclass(frozen=True)
class ReadScope:
    """Everything a read needs, passed explicitly."""

    schema: AppSchema
    actor: Actor
    now: dt.datetime
    tz: dt.tzinfo

    def columns(self, object_name: str, table: sa.FromClause | None = None) -> ExpressionColumns:
        return ExpressionColumns(self.schema, object_name, table, now=self.now,
                                 user=user_context(self.actor), tz=self.tz)


def selectable_fields(schema: AppSchema, object_name: str, access: ObjectAccess) -> list[FieldDef]:
    """Fields the reader may see whose value comes from the database (stored or SQL-computed)."""
    out = []
    for f in schema.object(object_name).fields.values():
        if not access.can_see(f.name):
            continue
        if f.stored or f.rollup is not None or (f.formula is not None and f.formula.sql_capable):
            out.append(f)
    return out


def base_select(conn: sa.Connection, scope: ReadScope, object_name: str, access: ObjectAccess, *,
                include_deleted: bool = False) -> tuple[sa.Select, ExpressionColumns, list[FieldDef]]:
    """``SELECT system columns, visible fields FROM obj WHERE <scope>`` (not yet ordered)."""
    table = scope.schema.table(object_name)
    cols = scope.columns(object_name)
    fields = selectable_fields(scope.schema, object_name, access)
    query = sa.select(*[table.c[c] for c in SYSTEM_COLUMNS],
                      *[cols[f.name].label(f.name) for f in fields])
    if not include_deleted:
        query = query.where(table.c.deleted_at.is_(None))
    clause = scope_clause(conn, access, scope.actor, table, cols, now=scope.now, tz=scope.tz)
    if clause is not None:
        query = query.where(clause)
    return query, cols, fields


def row_to_record(schema: AppSchema, object_name: str, row: Mapping[str, Any],
                  fields: list[FieldDef]) -> dict[str, Any]:
    """A database row as a runtime record (Python values)."""
    record: dict[str, Any] = {}
    for name in SYSTEM_COLUMNS:
        value = row[name]
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        record[name] = value
    for f in fields:
        record[f.name] = from_column(f, row[f.name])
    return record


def record_json(record: Mapping[str, Any], tz: dt.tzinfo) -> dict[str, Any]:
    return {k: to_json(v, tz) for k, v in record.items() if k != "deleted_at" or v is not None}
