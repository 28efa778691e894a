"""What a publish would do to the data: per operation, rows touched, values archived, restored or
converted, and the problems that refuse it (unconvertible values, duplicates for a new unique
index, a lookup retargeted while holding ids, an object with records dropped without
confirmation). Read-only; runs inside the publish transaction too, so what it finds is what
applies."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa

from schema_store import archive, diff as d
from schema_store.diagnostics import Diagnostic, diag, pick, pointer
from schema_store.meta import WHOLE_RECORD, meta_archive
from schema_store.migrate import read_conversion
from schema_store.model import DERIVED, AppSchema, FieldDef, ObjectDef
from schema_store.names import table_name
from schema_store.tables import column_type

SHOW_ROWS = 5


@dataclass(frozen=True)
class OpImpact:
    """The data side of one operation."""

    op: d.SchemaOp
    rows: int = 0                    # rows in the table the op touches
    archive: int = 0                 # values (or records) that move to the archive
    restore: int = 0                 # archived values (or records) that come back
    convert: int = 0                 # values converted to a new type
    unconvertible: tuple[tuple[int, str], ...] = ()  # first (record id, value) that cannot convert
    needs_confirmation: bool = False

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        return {"op": self.op.to_dict(locale), "description": pick(self.op.describe(), locale),
                "rows": self.rows, "archive": self.archive, "restore": self.restore, "convert": self.convert,
                "unconvertible": [{"id": rid, "value": value} for rid, value in self.unconvertible],
                "needs_confirmation": self.needs_confirmation}


class _Assessor:
    def __init__(self, conn: sa.Connection, old: AppSchema | None, new: AppSchema, tz: dt.tzinfo,
                 confirm_destructive: bool):
        self.conn, self.old, self.new, self.tz = conn, old, new, tz
        self.confirm = confirm_destructive
        self.diagnostics: list[Diagnostic] = []
        self.old_object: dict[str, str] = {}
        self.old_field: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def old_obj(self, name: str) -> ObjectDef:
        assert self.old is not None
        return self.old.objects[self.old_object.get(name, name)]

    def old_table(self, obj: str) -> str:
        """The table's name before this publish (ops have not run yet)."""
        return table_name(self.old_object.get(obj, obj))

    def old_column(self, obj: str, field: str) -> str:
        return self.old_field.get((obj, field), field)

    def rows(self, table: str) -> int:
        if table not in self._counts:
            t = sa.table(table)
            self._counts[table] = self.conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0
        return self._counts[table]

    def non_empty(self, table: str, column: str, storage: str | None) -> int:
        t = archive.column_clause(table, (column, column_type(storage or "text")))
        return self.conn.execute(sa.select(sa.func.count()).select_from(t)
                                 .where(t.c[column].is_not(None))).scalar() or 0

    def assess(self, ops: Sequence[d.SchemaOp]) -> list[OpImpact]:
        for op in ops:
            if isinstance(op, d.RenameObject):
                self.old_object[op.object] = op.old
            elif isinstance(op, d.RenameField):
                self.old_field[(op.object, op.field)] = op.old
        out = []
        for op in ops:
            handler = getattr(self, f"_{op.kind}", None)
            out.append(handler(op) if handler else OpImpact(op))
        return out

    def _create_object(self, op: d.CreateObject) -> OpImpact:
        restore = self.conn.execute(sa.select(sa.func.count()).select_from(meta_archive).where(
            meta_archive.c.object == op.object, meta_archive.c.field == WHOLE_RECORD)).scalar() or 0
        return OpImpact(op, restore=restore)

    def _drop_object(self, op: d.DropObject) -> OpImpact:
        rows = self.rows(table_name(op.object))
        if rows and not self.confirm:
            self.diagnostics.append(diag("publish.confirm_drop", pointer("objects", op.object), object=op.object,
                                         count=rows))
        return OpImpact(op, rows=rows, archive=rows, needs_confirmation=rows > 0)

    def _remove_field(self, op: d.RemoveField) -> OpImpact:
        f = self.old_obj(op.object).fields[op.field]
        table = self.old_table(op.object)
        values = self.non_empty(table, op.field, f.storage) if f.stored and op.archive else 0
        return OpImpact(op, rows=self.rows(table), archive=values)

    def _add_field(self, op: d.AddField) -> OpImpact:
        f = self.new.objects[op.object].fields[op.field]
        table = self.old_table(op.object)
        rows = self.rows(table) if self._table_exists(op.object) else 0
        if not f.stored or f.type in DERIVED:
            return OpImpact(op, rows=rows)
        values, _ids, bad = archive.plan_restore(self.conn, op.object, f, self.tz)
        return OpImpact(op, rows=rows, restore=0 if bad else len(values))

    def _table_exists(self, obj: str) -> bool:
        return self.old is not None and self.old_object.get(obj, obj) in self.old.objects

    def _retype_field(self, op: d.RetypeField) -> OpImpact:
        old_f = self.old_obj(op.object).fields[self.old_column(op.object, op.field)]
        new_f = self.new.objects[op.object].fields[op.field]
        table, column = self.old_table(op.object), self.old_column(op.object, op.field)
        rows = self.rows(table)
        if not old_f.stored:
            return OpImpact(op, rows=rows)
        if new_f.type in DERIVED:
            archived = self.non_empty(table, column, old_f.storage) if old_f.type not in DERIVED else 0
            return OpImpact(op, rows=rows, archive=archived)
        if old_f.target != new_f.target and (old_f.type in ("lookup", "user") or new_f.type in ("lookup", "user")):
            held = self.non_empty(table, column, old_f.storage)
            if held:
                self.diagnostics.append(diag("publish.retarget", _field_path(op.object, op.field),
                                             object=op.object, field=op.field, old=old_f.target or old_f.type,
                                             new=new_f.target or new_f.type, count=held))
            return OpImpact(op, rows=rows)
        values, bad, count = read_conversion(self.conn, table, column, dataclasses.replace(old_f, name=column),
                                             new_f, self.tz, limit=SHOW_ROWS)
        if count:
            self.diagnostics.append(diag(
                "publish.unconvertible", _field_path(op.object, op.field), object=op.object, field=op.field,
                type=new_f.type, count=count, rows="; ".join(f"#{rid}: {value}" for rid, value in bad),
                data={"rows": [{"id": rid, "value": value} for rid, value in bad]}))
        return OpImpact(op, rows=rows, convert=len(values), unconvertible=tuple(bad))

    def _add_index(self, op: d.AddIndex) -> OpImpact:
        if not op.unique:
            return OpImpact(op)
        table, column = self.old_table(op.object), self.old_column(op.object, op.field)
        f: FieldDef = self.new.objects[op.object].fields[op.field]
        t = archive.column_clause(table, ("id", sa.Integer()), (column, column_type(f.storage or "text")),
                                  ("deleted_at", sa.DateTime(timezone=True)))
        live = sa.and_(t.c.deleted_at.is_(None), t.c[column].is_not(None))
        dupes = sa.select(t.c[column]).where(live).group_by(t.c[column]).having(sa.func.count() > 1)
        ids = self.conn.execute(sa.select(t.c.id).where(live, t.c[column].in_(dupes)).order_by(t.c.id)
                                .limit(SHOW_ROWS * 2)).scalars().all()
        if ids:
            self.diagnostics.append(diag("publish.duplicates", _field_path(op.object, op.field), object=op.object,
                                         field=op.field, rows=", ".join(f"#{i}" for i in ids)))
        return OpImpact(op, rows=self.rows(table))


def _field_path(obj: str, field: str) -> str:
    return pointer("objects", obj, "fields", field)


def assess(conn: sa.Connection, ops: Sequence[d.SchemaOp], old: AppSchema | None, new: AppSchema, *,
           tz: dt.tzinfo, confirm_destructive: bool = False) -> tuple[list[OpImpact], list[Diagnostic]]:
    """The impact of each op, and the diagnostics that refuse the publish."""
    assessor = _Assessor(conn, old, new, tz, confirm_destructive)
    impacts = assessor.assess(ops)
    return impacts, assessor.diagnostics
