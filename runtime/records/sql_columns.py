"""Field paths as SQL: what an object's expressions read, ready for ``Compiled.to_sql``.

Own stored fields are columns; formula fields that are not stored are inlined as their own SQL;
roll-ups are correlated sub-selects over the child table; lookup paths (``hospital.level``) are
correlated scalar sub-selects on the target table. Built lazily: only what an expression reads.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Mapping

import sqlalchemy as sa

from runtime.system_tables import teams, users
from schema_store import AppSchema

SYSTEM_COLUMNS = ("id", "owner", "created_at", "created_by", "updated_at", "updated_by", "version",
                  "stage", "stage_entered_at", "last_activity_at", "deleted_at")


class ExpressionColumns(Mapping[str, Any]):
    """``path -> column element`` for one object's rows (``table`` may be an alias)."""

    def __init__(self, schema: AppSchema, object_name: str, table: sa.FromClause | None = None, *,
                 now: dt.datetime | None = None, user: Mapping[str, Any] | None = None,
                 tz: dt.tzinfo | None = None, depth: int = 0):
        self.schema = schema
        self.obj = schema.object(object_name)
        self.table = table if table is not None else schema.table(object_name)
        self.now, self.user, self.tz, self.depth = now, user, tz, depth
        self._built: dict[str, Any] = {}

    def __getitem__(self, path: str) -> Any:
        if path not in self._built:
            self._built[path] = self._build(path)
        return self._built[path]

    def __iter__(self) -> Iterator[str]:
        yield from SYSTEM_COLUMNS
        yield from self.obj.fields

    def __len__(self) -> int:
        return len(SYSTEM_COLUMNS) + len(self.obj.fields)

    def __contains__(self, path: object) -> bool:
        try:
            self[path]  # type: ignore[index]
            return True
        except KeyError:
            return False

    def _build(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        if rest:
            return self._lookup_path(head, rest)
        if head in SYSTEM_COLUMNS:
            return self.table.c[head]
        f = self.obj.fields.get(head)
        if f is None:
            raise KeyError(path)
        if f.stored:
            return self.table.c[f.name]
        if f.rollup is not None:
            return self._rollup(f)
        if f.formula is not None and f.formula.sql_capable and self.depth < 4:
            return f.formula.to_sql(self._nested(self.obj.name, self.table), now=self.now,
                                    user=self.user, tz=self.tz)
        raise KeyError(path)

    def _nested(self, object_name: str, table: sa.FromClause) -> "ExpressionColumns":
        return ExpressionColumns(self.schema, object_name, table, now=self.now, user=self.user,
                                 tz=self.tz, depth=self.depth + 1)

    def _lookup_path(self, head: str, rest: str) -> Any:
        from runtime.records.evaluation import is_user_reference, user_attribute_columns
        if is_user_reference(self.obj, head):
            attribute = user_attribute_columns().get(rest)
            if attribute is None:
                raise KeyError(f"{head}.{rest}")
            return (sa.select(attribute).select_from(users.outerjoin(teams, users.c.team_id == teams.c.id))
                    .where(users.c.id == self.table.c[head]).correlate(self.table).scalar_subquery())
        f = self.obj.fields.get(head)
        if f is None or f.type != "lookup" or f.target not in self.schema.objects or self.depth >= 3:
            raise KeyError(f"{head}.{rest}")
        target = self.schema.table(f.target).alias()
        inner = self._nested(f.target, target)[rest]
        return (sa.select(inner).where(target.c.id == self.table.c[head], target.c.deleted_at.is_(None))
                .correlate(self.table).scalar_subquery())

    def _rollup(self, f) -> Any:
        child = self.schema.table(f.rollup.object).alias()
        return rollup_value(f, self.table, child, self._nested(f.rollup.object, child), now=self.now,
                            user=self.user, tz=self.tz)


def rollup_value(f, parent: sa.FromClause, child: sa.FromClause, child_columns: Mapping[str, Any], *,
                 now=None, user=None, tz=None) -> Any:
    """The roll-up of field ``f`` for each ``parent`` row: a correlated sub-select over ``child``."""
    r = f.rollup
    where = [child.c[r.lookup] == parent.c.id, child.c.deleted_at.is_(None)]
    if r.filter is not None:
        where.append(r.filter.to_sql(child_columns, now=now, user=user, tz=tz))
    if r.function == "count":
        value = sa.func.count()
    elif r.function == "count_distinct":
        value = sa.func.count(sa.distinct(child.c[r.field]))
    else:
        value = getattr(sa.func, r.function)(child.c[r.field])
    query = sa.select(value).where(*where).correlate(parent).scalar_subquery()
    return sa.func.coalesce(query, 0) if r.function in ("sum", "count", "count_distinct") else query


def refresh_rollups(conn, schema: AppSchema, child_object: str, parent_ids_by_lookup: Mapping[str, set],
                    *, now=None, user=None, tz=None) -> None:
    """Recompute the stored roll-ups that summarise ``child_object`` for the parents touched."""
    for parent_obj, f in schema.iter_fields():
        if f.rollup is None or f.rollup.object != child_object or not f.stored:
            continue
        ids = sorted(i for i in parent_ids_by_lookup.get(f.rollup.lookup, ()) if i is not None)
        if not ids:
            continue
        parent = schema.table(parent_obj.name)
        child = schema.table(child_object).alias()
        cols = ExpressionColumns(schema, child_object, child, now=now, user=user, tz=tz, depth=1)
        value = rollup_value(f, parent, child, cols, now=now, user=user, tz=tz)
        conn.execute(parent.update().where(parent.c.id.in_(ids)).values({f.name: value}))
