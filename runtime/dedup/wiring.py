"""Wires dedup into an app: save hooks, the backfill tick task, the record-page notice, and (at
import, before the blueprints are registered) the tables, API routes and pages."""
from __future__ import annotations

from typing import Any

from flask import Flask

from runtime.dedup import actions, tables  # noqa: F401 - tables before create_all
from runtime.dedup import api, pages  # noqa: F401 - routes on runtime.api.bp and runtime.ui.bp
from runtime.dedup.keys import backfill_all
from runtime.dedup.notices import merge_timeline, possible_duplicates
from runtime.dedup.rules import rules_for


def _backfill_task(svc: Any, now: Any) -> dict[str, int]:
    from schema_store.database import begin_write
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    with begin_write(svc.engine) as conn:
        return {"batches": backfill_all(conn, schema)}


def _notice(object_name: str, record_id: int) -> list[dict[str, Any]] | None:
    """For templates/runtime/dedup_notice.html: None when the object has no duplicate rules."""
    from runtime.ui.context import record_service
    svc = record_service()
    if not rules_for(svc.schema, object_name):
        return None
    return possible_duplicates(svc, object_name, record_id)


def init_app(app: Flask) -> None:
    svc = app.extensions["crm"]
    if not svc.hooks.install("dedup", ("validate", actions.validate), ("after_save", actions.after_save),
                             ("before_batch", actions.before_batch),
                             ("after_save_batch", actions.after_save_batch)):
        return
    app.jinja_env.globals["dedup_notice"] = _notice
    sources = svc.extras.setdefault("timeline_sources", [])
    if merge_timeline not in sources:
        sources.append(merge_timeline)
    from runtime.stages.tick import register_tick
    register_tick(svc, "dedup_backfill", _backfill_task)
