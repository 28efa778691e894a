"""Recompute on schedule: the ``scoring`` tick task (``crm tick``) recomputes each model whose
``schedule`` (``every_hours`` or a five-field ``cron`` in the app's timezone) is due, one UPDATE
per model. The cursor (last run) lives in ``automation_schedule`` under ``scoring:<model>:<hash of
the model's definition>``. A model never run before, or changed by a publish, is recomputed at the
next tick (scores exist right after a pack import or a publish); a repeated tick at the same instant
does nothing, so the sweep is idempotent."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.automation.scheduling import aware, occurrence
from runtime.automation.tables import schedule_cursor
from runtime.outbox import dispatch
from runtime.scoring.models import ScoringModel, models
from runtime.scoring.recompute import recompute_in
from schema_store.database import begin_write
from schema_store.model import thaw

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger("crm.scoring")


def cursor_key(model_name: str, definition: Any) -> str:
    """``scoring:<model>:<hash of its definition>``: a changed model is due at the next tick."""
    digest = hashlib.sha1(json.dumps([model_name, thaw(definition)], sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()[:16]
    return f"scoring:{model_name[:36]}:{digest}"


def _due(m: ScoringModel, last: dt.datetime | None, now: dt.datetime, tz: dt.tzinfo) -> bool:
    if last is None:
        return True
    if m.every_hours is None and m.cron is None:
        return False
    trigger = SimpleNamespace(every_hours=m.every_hours, cron=m.cron)
    return occurrence(SimpleNamespace(trigger=trigger), last, now, tz) is not None


def _sweep_model(svc: Services, name: str, now: dt.datetime) -> tuple[int, list[int]] | None:
    """Recompute model ``name`` if due, in its own transaction: (rows changed, outbox items)."""
    with begin_write(svc.engine) as conn:
        schema = svc.schema_cache.get(conn)
        m = next((x for x in models(schema) if x.name == name), None)
        if m is None:
            return None
        key = cursor_key(name, schema.scoring[name])
        query = sa.select(schedule_cursor.c.last_run_at).where(schedule_cursor.c.rule == key)
        if conn.dialect.name == "postgresql":   # concurrent ticks take turns (SQLite: BEGIN IMMEDIATE)
            query = query.with_for_update()
        last = aware(conn.execute(query).scalar())
        if not _due(m, last, now, svc.settings.tz) or (last is not None and last >= now):
            return None
        changed, items = recompute_in(conn, svc, schema, m, now=now)
        if last is None:
            conn.execute(schedule_cursor.insert().values(rule=key, last_run_at=now))
        else:
            conn.execute(schedule_cursor.update().where(schedule_cursor.c.rule == key).values(last_run_at=now))
    log.info("scoring %s recomputed at %s: %s row(s) changed", name, now.isoformat(), changed)
    return changed, items


def sweep_scoring(svc: Services, now: dt.datetime | None = None) -> dict[str, Any]:
    """Recompute every due model as of ``now``: ``{model: rows changed}``."""
    now = now or svc.clock.now()
    done: dict[str, Any] = {}
    items: list[int] = []
    with svc.engine.connect() as conn:
        names = [m.name for m in models(svc.schema_cache.get(conn))]
    for name in names:
        try:
            got = _sweep_model(svc, name, now)
        except sa.exc.DBAPIError as exc:   # one model the database refuses must not stop the others
            log.warning("scoring %s: recompute failed: %s", name, exc.orig)
            done[name] = {"error": str(exc.orig)[:500]}
            continue
        if got is not None:
            done[name], new_items = got
            items += new_items
    dispatch(svc, items)
    return done
