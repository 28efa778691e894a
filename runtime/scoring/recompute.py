"""Recomputing a scoring model in the database: ONE ``UPDATE`` per model writes every part, the
total and the band of every row (or of ``ids``) whose values change; rows already right are not
touched. The rules' ``when`` / ``points`` go through the expression compiler's SQL target with the
object's :class:`ExpressionColumns` (formulas, roll-ups and lookup paths included), so the database
does the work, never a Python loop over rows.

Band actions: rows about to enter a band that has ``actions`` are selected first (same condition,
``FOR UPDATE`` on PostgreSQL so concurrent recomputes cannot both see the change) and one outbox
item ``scoring.band`` per row is written in the same transaction. A whole-model recompute skips
rows that had no band yet (their first band is set silently); a record's own save does not.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import sqlalchemy as sa

from runtime.outbox import dispatch, enqueue
from runtime.records.sql_columns import ExpressionColumns
from runtime.scoring.models import ScoringModel, model
from schema_store import AppSchema
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

BAND_ACTION = "scoring.band"
ZERO = sa.literal(0, sa.Numeric(38, 10))


@dataclass(frozen=True)
class ScoreColumns:
    """The SQL value of every part (by key), of the total and of the band for one table."""

    parts: dict[str, Any]
    total: Any
    band: Any


def score_columns(schema: AppSchema, m: ScoringModel, table: sa.Table, *, now: dt.datetime, tz: dt.tzinfo,
                  user: dict | None = None) -> ScoreColumns:
    cols = ExpressionColumns(schema, m.object, table, now=now, user=user, tz=tz)
    kw = dict(now=now, user=user, tz=tz)
    terms: dict[str | None, list[Any]] = {}
    for rule in m.rules:
        points = sa.func.coalesce(rule.points.to_sql(cols, **kw), ZERO)
        term = sa.case((rule.when.to_sql(cols, **kw), points), else_=ZERO)
        terms.setdefault(rule.part, []).append(term)

    def total_of(items: Sequence[Any]) -> Any:
        out = ZERO
        for item in items:
            out = item if out is ZERO else out + item
        return out

    parts = {p.key: total_of(terms.get(p.key, ())) for p in m.parts}
    total = total_of([t for items in terms.values() for t in items])
    band: Any = sa.null()
    if m.bands:
        whens = []
        for b in m.bands:
            conds = [c for c in ((total >= b.min) if b.min is not None else None,
                                 (total < b.max) if b.max is not None else None) if c is not None]
            whens.append((sa.and_(*conds) if conds else sa.true(), sa.literal(b.key, sa.String)))
        band = sa.case(*whens, else_=sa.null())
    return ScoreColumns(parts, total, band)


def assignments(m: ScoringModel, table: sa.Table, sc: ScoreColumns) -> dict[str, Any]:
    """``column -> SQL value`` for the UPDATE."""
    values = {m.field: sc.total}
    for p in m.parts:
        if p.field:
            values[p.field] = sc.parts[p.key]
    if m.band_field:
        values[m.band_field] = sc.band
    return {table.c[name].key: value for name, value in values.items()}


def build_update(schema: AppSchema, m: ScoringModel, *, now: dt.datetime, tz: dt.tzinfo,
                 ids: Iterable[int] | None = None) -> tuple[sa.Update, ScoreColumns, Any]:
    """The one UPDATE of model ``m`` (for ``ids`` only, when given), its score columns and its
    row filter (live rows of ``ids`` whose stored values differ from the computed ones)."""
    table = schema.table(m.object)
    sc = score_columns(schema, m, table, now=now, tz=tz)
    values = assignments(m, table, sc)
    where = [table.c.deleted_at.is_(None),
             sa.or_(*[table.c[name].is_distinct_from(value) for name, value in values.items()])]
    if ids is not None:
        where.append(table.c.id.in_(sorted(set(ids))))
    cond = sa.and_(*where)
    return table.update().where(cond).values(values), sc, cond


def recompute_in(conn: sa.Connection, svc: Services, schema: AppSchema, m: ScoringModel, *,
                 now: dt.datetime, ids: Iterable[int] | None = None, depth: int = 0) -> tuple[int, list[int]]:
    """Recompute inside the caller's transaction; returns (rows changed, outbox items to dispatch
    after the commit)."""
    ids = None if ids is None else list(ids)
    if ids is not None and not ids:
        return 0, []
    update, sc, cond = build_update(schema, m, now=now, tz=svc.settings.tz, ids=ids)
    items = _band_entries(conn, schema, m, sc, cond, now=now, depth=depth, from_blank=ids is not None)
    return conn.execute(update).rowcount, items


def _band_entries(conn: sa.Connection, schema: AppSchema, m: ScoringModel, sc: ScoreColumns, cond: Any, *,
                  now: dt.datetime, depth: int, from_blank: bool) -> list[int]:
    """Outbox items for the rows entering a band with actions. ``from_blank=False`` (a recompute of
    the whole model) leaves out rows that had no band yet: a model added to existing data sets their
    bands silently instead of telling thousands of owners at once."""
    acting = [b.key for b in m.bands if b.actions]
    if not acting or not m.band_field:
        return []
    table = schema.table(m.object)
    column = table.c[m.band_field]
    query = sa.select(table.c.id, table.c.version, sc.band.label("band")).where(
        cond, sc.band.in_(acting), column.is_distinct_from(sc.band)).order_by(table.c.id)
    if not from_blank:
        query = query.where(column.is_not(None))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=table)
    items = []
    stamp = now.isoformat()
    for row in conn.execute(query):
        item = enqueue(conn, BAND_ACTION, {"model": m.name, "object": m.object, "record_id": row.id,
                                           "band": row.band},
                       idempotency_key=f"scoring:{m.name}:{row.id}:{row.band}:{row.version}:{stamp}"[:255],
                       depth=depth + 1, origin=f"scoring:{m.name}", now=now)
        if item is not None:
            items.append(item)
    return items


def recompute(services: Services, model_name: str, *, ids: Iterable[int] | None = None,
              now: dt.datetime | None = None) -> int:
    """Recompute model ``model_name`` of the live version in one UPDATE (all live rows, or ``ids``)
    in its own write transaction; band actions are dispatched after the commit. Returns the number
    of rows whose scores changed. Raises :class:`runtime.scoring.models.UnknownModel`."""
    now = now or services.clock.now()
    with begin_write(services.engine) as conn:
        schema = services.schema_cache.get(conn)
        changed, items = recompute_in(conn, services, schema, model(schema, model_name), now=now, ids=ids)
    dispatch(services, items)
    return changed
