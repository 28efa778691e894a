"""AppSchema objects -> SQLAlchemy tables (one ``obj_<name>`` table per object). Pure: no I/O.

Columns: the system columns of DESIGN.md, then one typed column per stored field. Indexes: owner,
created_at, stage, and every lookup, user and picklist column; ``unique`` fields get a unique index
over live rows (``deleted_at IS NULL``). Lookups are plain indexed integers, not foreign keys:
records are soft-deleted and ``on_delete`` is the runtime's job (this also keeps SQLite's table
rebuilds safe with ``PRAGMA foreign_keys=ON``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import sqlalchemy as sa

from schema_store import field_types as ft
from schema_store.model import FieldDef, ObjectDef
from schema_store.names import SYSTEM_COLUMNS, index_name

_SYSTEM: tuple[tuple[str, Callable[[], sa.Column]], ...] = (
    ("id", lambda: sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)),
    ("owner", lambda: sa.Column("owner", sa.Integer)),
    ("created_at", lambda: sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                                     server_default=sa.func.current_timestamp())),
    ("created_by", lambda: sa.Column("created_by", sa.Integer)),
    ("updated_at", lambda: sa.Column("updated_at", sa.DateTime(timezone=True))),
    ("updated_by", lambda: sa.Column("updated_by", sa.Integer)),
    ("version", lambda: sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))),
    ("stage", lambda: sa.Column("stage", sa.String(255))),
    ("stage_entered_at", lambda: sa.Column("stage_entered_at", sa.DateTime(timezone=True))),
    ("deleted_at", lambda: sa.Column("deleted_at", sa.DateTime(timezone=True))),
    ("last_activity_at", lambda: sa.Column("last_activity_at", sa.DateTime(timezone=True))),
)
assert tuple(n for n, _ in _SYSTEM) == SYSTEM_COLUMNS, "system columns out of step with names.py"

SYSTEM_INDEXED = ("owner", "created_at", "stage", "stage_entered_at", "last_activity_at")  # SLA sweeps


def system_columns() -> list[sa.Column]:
    return [make() for _, make in _SYSTEM]


def column_type(storage: str) -> sa.types.TypeEngine:
    """The column type of a storage kind (see field_types)."""
    if storage == ft.TEXT:
        return sa.Text()
    if storage == ft.NUMBER:
        return sa.Numeric(38, 10)
    if storage == ft.CURRENCY:
        return sa.Numeric(18, 4)
    if storage == ft.BOOLEAN:
        return sa.Boolean(create_constraint=False)
    if storage == ft.DATE:
        return sa.Date()
    if storage == ft.DATETIME:
        return sa.DateTime(timezone=True)
    if storage == ft.INTEGER:
        return sa.Integer()
    raise ValueError(f"unknown storage kind {storage!r}")


def field_column(f: FieldDef, name: str | None = None) -> sa.Column:
    assert f.storage is not None, f"{f.name} has no column"
    return sa.Column(name or f.name, column_type(f.storage), nullable=True)


@dataclass(frozen=True)
class IndexSpec:
    name: str
    column: str
    unique: bool = False

    def where(self) -> sa.ColumnElement[bool] | None:
        """Unique indexes only cover live rows (soft-deleted ones may repeat a value)."""
        return sa.column("deleted_at").is_(None) if self.unique else None

    def dialect_kwargs(self) -> dict[str, object]:
        where = self.where()
        return {} if where is None else {"sqlite_where": where, "postgresql_where": where}


def field_indexes(obj_name: str, f: FieldDef) -> list[IndexSpec]:
    if f.storage is None:
        return []
    out = []
    if f.indexed:
        out.append(IndexSpec(index_name(obj_name, f.name), f.name))
    if f.unique or f.type == "autonumber":
        out.append(IndexSpec(index_name(obj_name, f.name, unique=True), f.name, unique=True))
    return out


def indexes(obj: ObjectDef) -> dict[str, IndexSpec]:
    """Every index the object's table should have, by name."""
    specs = [IndexSpec(index_name(obj.name, c), c) for c in SYSTEM_INDEXED]
    for f in obj.fields.values():
        specs.extend(field_indexes(obj.name, f))
    return {s.name: s for s in specs}


def object_table(metadata: sa.MetaData, obj: ObjectDef, table_name: str | None = None) -> sa.Table:
    cols = system_columns() + [field_column(f) for f in obj.fields.values() if f.stored]
    table = sa.Table(table_name or obj.table_name, metadata, *cols, sqlite_autoincrement=True)
    for spec in indexes(obj).values():
        sa.Index(spec.name, table.c[spec.column], unique=spec.unique, **spec.dialect_kwargs())
    return table


def build_tables(objects: Iterable[ObjectDef]) -> tuple[sa.MetaData, Mapping[str, sa.Table]]:
    """A fresh MetaData holding one table per object, and the tables by object name."""
    metadata = sa.MetaData()
    tables = {obj.name: object_table(metadata, obj) for obj in objects}
    return metadata, tables
