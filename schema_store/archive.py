"""Values of removed fields (and records of removed objects) kept in ``meta_archive``.

Removing a field moves its non-empty values here; adding a field of the same name back restores
them (converted to the new type when every value converts). Removing an object archives each row
as one JSON document; creating an object of that name again brings the rows back.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from schema_store import convert
from schema_store.meta import WHOLE_RECORD, meta_archive
from schema_store.model import FieldDef

BATCH = 1000


@dataclass(frozen=True)
class ArchivedField:
    object: str
    field: str
    field_type: str
    version: int
    values: int
    archived_at: dt.datetime


def column_clause(table_name: str, *columns: tuple[str, sa.types.TypeEngine]) -> sa.TableClause:
    """A lightweight table clause for the columns a step reads or writes."""
    return sa.table(table_name, *(sa.column(name, type_) for name, type_ in columns))


def archive_field(conn: sa.Connection, table: sa.TableClause, obj: str, field: str, field_type: str,
                  version: int, now: dt.datetime) -> int:
    """Copy every non-empty value of ``table.c[field]`` to the archive; returns how many."""
    col = table.c[field]
    rows = conn.execute(sa.select(table.c.id, col).where(col.is_not(None))).all()
    _insert(conn, ({"object": obj, "field": field, "record_id": rid, "field_type": field_type,
                    "value": json.dumps(convert.encode(value), ensure_ascii=False), "archived_at": now,
                    "version": version} for rid, value in rows))
    return len(rows)


def archive_records(conn: sa.Connection, table: sa.TableClause, obj: str, types: Mapping[str, str],
                    version: int, now: dt.datetime) -> int:
    """Copy every row of an object's table (one JSON document per record); returns how many.

    ``types`` maps column names to field types (system columns included) for decoding later."""
    rows = conn.execute(sa.select(table)).mappings().all()
    _insert(conn, ({"object": obj, "field": WHOLE_RECORD, "record_id": row["id"], "field_type": "record",
                    "value": json.dumps({"types": dict(types),
                                         "values": {k: convert.encode(v) for k, v in row.items()}},
                                        ensure_ascii=False),
                    "archived_at": now, "version": version} for row in rows))
    return len(rows)


def _insert(conn: sa.Connection, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(meta_archive.insert(), batch)
            batch = []
    if batch:
        conn.execute(meta_archive.insert(), batch)


def _where(obj: str, field: str) -> sa.ColumnElement[bool]:
    return sa.and_(meta_archive.c.object == obj, meta_archive.c.field == field)


def archived_values(conn: sa.Connection, obj: str, field: str) -> list[tuple[int, int, str, Any]]:
    """(archive id, record id, field type, decoded value) for an archived field, oldest first."""
    rows = conn.execute(sa.select(meta_archive.c.id, meta_archive.c.record_id, meta_archive.c.field_type,
                                  meta_archive.c.value).where(_where(obj, field))
                        .order_by(meta_archive.c.id)).all()
    return [(aid, rid, ftype, convert.decode(json.loads(value), ftype)) for aid, rid, ftype, value in rows]


def plan_restore(conn: sa.Connection, obj: str, new: FieldDef, tz: dt.tzinfo
                 ) -> tuple[dict[int, Any], list[int], list[tuple[int, Any]]]:
    """What re-adding ``new`` would restore: ({record id: value}, archive ids, unconvertible)."""
    values: dict[int, Any] = {}
    ids: list[int] = []
    bad: list[tuple[int, Any]] = []
    for aid, rid, ftype, value in archived_values(conn, obj, new.name):
        try:
            values[rid] = convert.convert(value, ftype, new, tz)  # newest archive wins
            ids.append(aid)
        except convert.Unconvertible:
            bad.append((rid, value))
    return values, ids, bad


def restore_field(conn: sa.Connection, table: sa.TableClause, obj: str, new: FieldDef, tz: dt.tzinfo) -> int:
    """Put archived values of ``obj.<new.name>`` back into the column, when all of them convert."""
    values, ids, bad = plan_restore(conn, obj, new, tz)
    if bad or not ids:
        return 0
    write_values(conn, table, new.name, values)
    for start in range(0, len(ids), BATCH):
        conn.execute(meta_archive.delete().where(meta_archive.c.id.in_(ids[start:start + BATCH])))
    return len(values)


def write_values(conn: sa.Connection, table: sa.TableClause, column: str, values: Mapping[int, Any]) -> None:
    """``UPDATE table SET column = value WHERE id = record`` for many records (executemany)."""
    if not values:
        return
    stmt = (sa.update(table).where(table.c.id == sa.bindparam("_rid"))
            .values({column: sa.bindparam("_value")}))
    items = [{"_rid": rid, "_value": value} for rid, value in values.items()]
    for start in range(0, len(items), BATCH):
        conn.execute(stmt, items[start:start + BATCH])


def restore_records(conn: sa.Connection, table: sa.Table, obj: str, fields: Mapping[str, FieldDef],
                    version: int, now: dt.datetime, tz: dt.tzinfo) -> int:
    """Bring back the archived records of a re-created object. Values of columns that no longer
    exist or no longer convert stay in the archive, as field values."""
    rows = conn.execute(sa.select(meta_archive.c.id, meta_archive.c.record_id, meta_archive.c.value)
                        .where(_where(obj, WHOLE_RECORD)).order_by(meta_archive.c.id)).all()
    if not rows:
        return 0
    inserts: dict[int, dict[str, Any]] = {}
    leftovers: list[dict[str, Any]] = []
    for _aid, rid, raw in rows:
        doc = json.loads(raw)
        types, values = doc["types"], doc["values"]
        record: dict[str, Any] = {}
        for name, value in values.items():
            ftype = types.get(name, "text")
            decoded = convert.decode(value, ftype) if ftype != "system" else value
            if name in table.c and (ftype == "system" or name not in fields):
                record[name] = _system_value(table.c[name], decoded)
            elif name in fields and fields[name].stored and not fields[name].derived:
                try:
                    record[name] = convert.convert(decoded, ftype, fields[name], tz)
                    continue
                except convert.Unconvertible:
                    pass
                leftovers.append({"object": obj, "field": name, "record_id": rid, "field_type": ftype,
                                  "value": json.dumps(value, ensure_ascii=False), "archived_at": now,
                                  "version": version})
            elif value is not None and ftype not in ("formula", "rollup", "system"):
                leftovers.append({"object": obj, "field": name, "record_id": rid, "field_type": ftype,
                                  "value": json.dumps(value, ensure_ascii=False), "archived_at": now,
                                  "version": version})
        inserts[rid] = record
    conn.execute(sa.insert(table), list(inserts.values()))
    if conn.dialect.name == "postgresql":  # explicit ids: move the id sequence past them
        conn.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"),
                                              sa.select(sa.func.max(table.c.id)).scalar_subquery())))
    _insert(conn, leftovers)
    conn.execute(meta_archive.delete().where(_where(obj, WHOLE_RECORD)))
    return len(inserts)


def _system_value(column: sa.Column, value: Any) -> Any:
    if isinstance(value, str) and isinstance(column.type, sa.DateTime):
        return convert.decode(value, "datetime")
    return value


def list_archive(conn: sa.Connection, obj: str | None = None) -> list[ArchivedField]:
    """What the archive holds, per object, field and archiving version."""
    a = meta_archive.c
    stmt = (sa.select(a.object, a.field, a.field_type, a.version, sa.func.count(), sa.func.max(a.archived_at))
            .group_by(a.object, a.field, a.field_type, a.version).order_by(a.object, a.field, a.version))
    if obj is not None:
        stmt = stmt.where(a.object == obj)
    return [ArchivedField(*row) for row in conn.execute(stmt).all()]
