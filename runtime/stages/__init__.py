"""The stage engine: moves with entry requirements, auto-advance, stage history, SLAs with warning
levels and escalation, the business calendar for every expression, and ``crm tick``.

Importing this package adds its tables (stage_history, stage_alerts) to the system metadata and its
route (``POST /api/v1/records/<object>/<id>/stage``) to the API blueprint, so the app factory imports
it before creating tables and registering the blueprint; :func:`init_app` registers the hooks.
See docs/stages.md.
"""
from __future__ import annotations

from typing import Any

from flask import Flask

from runtime.stages import api as _api  # noqa: F401 - registers routes on the API blueprint
from runtime.stages.moves import move, read_history
from runtime.stages.tables import stage_alerts, stage_history
from runtime.stages.tick import Ticker, register_tick, run_tick

__all__ = ["Ticker", "init_app", "move", "read_history", "register_tick", "run_tick", "stage_alerts",
           "stage_history"]


def calendar_factory(default_tz: str):
    """``schema -> BusinessCalendar``, built once per published version (keyed by version)."""
    from runtime.business_calendar import BusinessCalendar, CalendarError
    cache: dict[int, Any] = {}

    def factory(schema) -> Any:
        version = getattr(schema, "version", None)
        if version not in cache:
            try:
                calendar = BusinessCalendar.from_metadata(schema.calendar, default_tz)
            except CalendarError:
                calendar = BusinessCalendar.from_metadata(None, default_tz)
            if len(cache) > 16:
                cache.clear()
            cache[version] = calendar
        return cache[version]
    return factory


def init_app(app: Flask) -> None:
    from runtime.services import services
    from runtime.stages import auto_advance, tick, timeline
    svc = services(app)
    svc.extras.setdefault("calendar", calendar_factory(svc.settings.timezone))
    svc.hooks.register("after_save", auto_advance.after_save)
    svc.hooks.register("after_save_batch", auto_advance.after_save_batch)
    svc.extras.setdefault("timeline_sources", []).append(timeline.entries)
    tick.register_tick(svc, "stage_sla", tick.stage_sla_task)
    tick.register_tick(svc, "outbox", tick.outbox_task)
    tick.register_tick(svc, "notifications", tick.notifications_task)
