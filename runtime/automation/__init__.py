"""The automation engine: rules (before_save in the save, after_save through the outbox), their
actions, assignment and public pools, aggregate conditions (roll-ups), approvals, and time-based
sweeps. See docs/automation.md. Importing the package adds its tables to the system metadata and
registers its outbox actions; :func:`init_app` registers the save hooks, the routes and the tick task."""
from __future__ import annotations

from flask import Flask

from runtime.automation import tables  # noqa: F401 - the tables, before create_all
from runtime.automation import actions, approvals  # noqa: F401 - register the outbox actions
from runtime.automation import api  # noqa: F401 - routes on runtime.api.bp (before it is registered)
from runtime.automation.context import remember
from runtime.automation.rules import register_hooks
from runtime.automation.scheduling import sweep_automation

__all__ = ["init_app", "sweep_automation"]


def init_app(app: Flask) -> None:
    svc = app.extensions["crm"]
    register_hooks(svc)
    remember(svc)
    from runtime import timeline_sources  # automation runs, approvals and notes on the record timeline
    timeline_sources.register(svc.extras)
    try:
        from runtime.stages.tick import register_tick
    except ImportError:  # pragma: no cover - the tick registry arrives with the stage engine
        return
    if not any(name == "automation" for name, _fn in svc.extras.get("tick_tasks", ())):
        register_tick(svc, "automation", lambda s, now: sweep_automation(s, now))
