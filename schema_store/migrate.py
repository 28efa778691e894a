"""Apply a diff to the database with alembic operations, inside the caller's transaction.

On SQLite, column drops and renames go through alembic's batch mode (copy-and-move of the table);
the pysqlite recipe in database.py makes all of it transactional, so a failure anywhere rolls back
every table and row. Index names are deterministic (names.index_name), so indexes are dropped and
re-created around column changes instead of renamed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable, Iterable, Sequence

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from schema_store import archive, convert, diff as d
from schema_store.meta import meta_archive
from schema_store.model import DERIVED, AppSchema, FieldDef, ObjectDef
from schema_store.names import SYSTEM_COLUMNS, identifier, table_name
from schema_store.tables import IndexSpec, column_type, field_column, field_indexes, indexes, system_columns

OnOp = Callable[[d.SchemaOp], None]


class MigrationRefused(Exception):
    """Data does not allow a step (found while applying; plans normally catch this first)."""


def read_conversion(conn: sa.Connection, table: str, column: str, old: FieldDef, new: FieldDef,
                    tz: dt.tzinfo, limit: int | None = None) -> tuple[dict[int, Any], list[tuple[int, Any]], int]:
    """Convert every non-empty value of ``column`` from ``old`` to ``new``.

    Returns ({record id: new value}, [(record id, value) that cannot convert][:limit], number of
    unconvertible values)."""
    t = archive.column_clause(table, ("id", sa.Integer()), (column, column_type(old.storage or "text")))
    values: dict[int, Any] = {}
    bad: list[tuple[int, Any]] = []
    count = 0
    for rid, value in conn.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].is_not(None))
                                   .order_by(t.c.id)):
        try:
            values[rid] = convert.convert(value, old.type, new, tz)
        except convert.Unconvertible as exc:
            count += 1
            if limit is None or len(bad) < limit:
                bad.append((rid, f"{convert.encode(value)!s} ({exc})"))
    return values, bad, count


class Migrator:
    """Applies SchemaOps for one publish (old -> new) on one connection."""

    def __init__(self, conn: sa.Connection, old: AppSchema | None, new: AppSchema, *, version: int,
                 now: dt.datetime, tz: dt.tzinfo, on_op: OnOp | None = None):
        self.conn = conn
        self.old = old
        self.new = new
        self.version = version
        self.now = now
        self.tz = tz
        self.on_op = on_op
        self.op = Operations(MigrationContext.configure(connection=conn))
        self.old_object: dict[str, str] = {}          # new object name -> old object name
        self.old_field: dict[tuple[str, str], str] = {}  # (object, new field) -> old field
        self.results: list[tuple[d.SchemaOp, dict[str, int]]] = []

    def apply(self, ops: Sequence[d.SchemaOp]) -> None:
        for op in ops:
            if isinstance(op, d.RenameObject):
                self.old_object[op.object] = op.old
            elif isinstance(op, d.RenameField):
                self.old_field[(op.object, op.field)] = op.old
        for op in ops:
            if self.on_op is not None:
                self.on_op(op)  # test seam: may raise to prove the transaction rolls back
            handler = getattr(self, f"_{op.kind}", None)
            if handler is not None:
                self.results.append((op, handler(op) or {}))

    # -- lookups ---------------------------------------------------------------------------------
    def _old_obj(self, name: str) -> ObjectDef:
        assert self.old is not None
        return self.old.objects[self.old_object.get(name, name)]

    def _old_f(self, obj: str, field: str) -> FieldDef:
        return self._old_obj(obj).fields[self.old_field.get((obj, field), field)]

    def _new_f(self, obj: str, field: str) -> FieldDef:
        return self.new.objects[obj].fields[field]

    # -- index helpers ---------------------------------------------------------------------------
    def _create_index(self, table: str, spec: IndexSpec) -> None:
        self.op.create_index(spec.name, table, [spec.column], unique=spec.unique, **spec.dialect_kwargs())

    def _drop_indexes(self, obj: str, f: FieldDef, column: str) -> None:
        for spec in field_indexes(obj, dataclasses.replace(f, name=column)):
            self.op.drop_index(spec.name, table_name=table_name(obj))

    def _create_indexes(self, obj: str, f: FieldDef, column: str | None = None) -> None:
        for spec in field_indexes(obj, f if column is None else dataclasses.replace(f, name=column)):
            self._create_index(table_name(obj), spec)

    def _batch(self, obj: str) -> Any:
        return self.op.batch_alter_table(table_name(obj), recreate="auto",
                                         table_kwargs={"sqlite_autoincrement": True})

    # -- objects ---------------------------------------------------------------------------------
    def _create_object(self, op: d.CreateObject) -> dict[str, int]:
        obj = self.new.objects[op.object]
        cols = system_columns() + [field_column(f) for f in obj.stored_fields]
        self.op.create_table(obj.table_name, *cols, sqlite_autoincrement=True)
        for spec in indexes(obj).values():
            self._create_index(obj.table_name, spec)
        restored = archive.restore_records(self.conn, self.new.tables[op.object], op.object, obj.fields,
                                           self.version, self.now, self.tz)
        return {"restored": restored}

    def _drop_object(self, op: d.DropObject) -> dict[str, int]:
        assert self.old is not None
        obj = self.old.objects[op.object]
        types = {c: "system" for c in SYSTEM_COLUMNS}
        types.update({f.name: f.type for f in obj.stored_fields})
        archived = archive.archive_records(self.conn, self.old.tables[op.object], op.object, types,
                                           self.version, self.now)
        self.op.drop_table(obj.table_name)
        return {"archived": archived}

    def _rename_object(self, op: d.RenameObject) -> None:
        old_obj = self._old_obj(op.object)
        for spec in indexes(old_obj).values():
            self.op.drop_index(spec.name, table_name=old_obj.table_name)
        self.op.rename_table(old_obj.table_name, table_name(op.object))
        for spec in indexes(dataclasses.replace(old_obj, name=op.object)).values():
            self._create_index(table_name(op.object), spec)
        self.conn.execute(meta_archive.update().where(meta_archive.c.object == op.old).values(object=op.object))

    # -- fields ----------------------------------------------------------------------------------
    def _add_field(self, op: d.AddField) -> dict[str, int]:
        f = self._new_f(op.object, op.field)
        if not f.stored:
            return {}
        with self._batch(op.object) as batch:
            batch.add_column(field_column(f))
        self._create_indexes(op.object, f)
        if f.type in DERIVED:
            return {}
        t = archive.column_clause(table_name(op.object), ("id", sa.Integer()), (f.name, column_type(f.storage)))
        return {"restored": archive.restore_field(self.conn, t, op.object, f, self.tz)}

    def _remove_field(self, op: d.RemoveField) -> dict[str, int]:
        f = self._old_obj(op.object).fields[op.field]
        if not f.stored:
            return {}
        archived = 0
        if op.archive:
            t = archive.column_clause(table_name(op.object), ("id", sa.Integer()), (f.name, column_type(f.storage)))
            archived = archive.archive_field(self.conn, t, op.object, f.name, f.type, self.version, self.now)
        self._drop_indexes(op.object, f, f.name)
        with self._batch(op.object) as batch:
            batch.drop_column(f.name)
        return {"archived": archived}

    def _rename_field(self, op: d.RenameField) -> None:
        old_f = self._old_f(op.object, op.field)
        if not old_f.stored:
            return
        self._drop_indexes(op.object, old_f, op.old)
        with self._batch(op.object) as batch:
            batch.alter_column(op.old, new_column_name=op.field)
        self._create_indexes(op.object, old_f, op.field)

    def _retype_field(self, op: d.RetypeField) -> dict[str, int]:
        old_f, new_f = self._old_f(op.object, op.field), self._new_f(op.object, op.field)
        table, col = table_name(op.object), op.field
        archived, values = 0, {}
        if new_f.type in DERIVED and old_f.type not in DERIVED and old_f.stored:
            t = archive.column_clause(table, ("id", sa.Integer()), (col, column_type(old_f.storage)))
            archived = archive.archive_field(self.conn, t, op.object, col, old_f.type, self.version, self.now)
        elif old_f.stored and new_f.stored and new_f.type not in DERIVED:
            values, bad, count = read_conversion(self.conn, table, col, old_f, new_f, self.tz, limit=5)
            if count:
                raise MigrationRefused(f"{count} value(s) of {op.object}.{col} cannot convert: {bad}")
        self._drop_indexes(op.object, dataclasses.replace(old_f, name=col), col)
        if old_f.storage == new_f.storage:
            if new_f.type in DERIVED and old_f.type not in DERIVED:
                self._write(table, col, new_f, None)
            else:
                self._write(table, col, new_f, values)
        elif old_f.stored and new_f.stored:
            tmp = identifier("_tmp", col)
            with self._batch(op.object) as batch:
                batch.add_column(field_column(new_f, tmp))
            self._write(table, tmp, new_f, values)
            with self._batch(op.object) as batch:
                batch.drop_column(col)
                batch.alter_column(tmp, new_column_name=col)
        elif old_f.stored:
            with self._batch(op.object) as batch:
                batch.drop_column(col)
        elif new_f.stored:
            with self._batch(op.object) as batch:
                batch.add_column(field_column(new_f))
        if new_f.stored:
            self._create_indexes(op.object, new_f)
        return {"archived": archived, "converted": len(values)}

    def _write(self, table: str, column: str, f: FieldDef, values: dict[int, Any] | None) -> None:
        t = archive.column_clause(table, ("id", sa.Integer()), (column, column_type(f.storage or "text")))
        if values is None:
            self.conn.execute(sa.update(t).values({column: None}))
        else:
            archive.write_values(self.conn, t, column, values)

    def _add_index(self, op: d.AddIndex) -> None:
        f = self._new_f(op.object, op.field)
        for spec in field_indexes(op.object, f):
            if spec.unique == op.unique:
                self._create_index(table_name(op.object), spec)

    def _drop_index(self, op: d.DropIndex) -> None:
        f = dataclasses.replace(self._old_f(op.object, op.field), name=op.field)
        for spec in field_indexes(op.object, f):
            if spec.unique == op.unique:
                self.op.drop_index(spec.name, table_name=table_name(op.object))

    # -- computed values -------------------------------------------------------------------------
    def _recompute_field(self, op: d.RecomputeField) -> dict[str, int]:
        from schema_store.recompute import recompute

        return {"computed": recompute(self.conn, self.new, op.object, op.field, now=self.now, tz=self.tz)}


def apply_ops(conn: sa.Connection, ops: Iterable[d.SchemaOp], old: AppSchema | None, new: AppSchema, *,
              version: int, now: dt.datetime, tz: dt.tzinfo, on_op: OnOp | None = None) -> Migrator:
    """Apply ``ops`` (from diff(old, new)) on ``conn`` inside the caller's transaction."""
    migrator = Migrator(conn, old, new, version=version, now=now, tz=tz, on_op=on_op)
    migrator.apply(list(ops))
    return migrator
