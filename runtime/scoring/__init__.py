"""Lead scoring: the ``scoring`` section at run time (docs/scoring.md).

A model's rules add points when their condition holds; parts, total and band are written by ONE SQL
``UPDATE`` per model (:func:`recompute`), for all rows on schedule (the ``scoring`` tick task) and
for the one record saved (the ``after_save`` hook). Entering a band with actions queues the outbox
action ``scoring.band``. The Top-N list is ``/app/scoring/<model>`` and
``GET /api/v1/scoring/<model>/top``.
"""
from __future__ import annotations

from flask import Flask

from runtime.scoring import band_actions  # noqa: F401 - registers the outbox action
from runtime.scoring.models import ScoringModel, UnknownModel, model, models
from runtime.scoring.recompute import build_update, recompute
from runtime.scoring.schedule import sweep_scoring

__all__ = ["ScoringModel", "UnknownModel", "build_update", "init_app", "model", "models", "recompute",
           "sweep_scoring"]


def init_app(app: Flask) -> None:
    from runtime.scoring.hooks import register_hooks
    from runtime.scoring.web import api, home_links, pages
    from runtime.stages.tick import register_tick
    svc = app.extensions["crm"]
    register_hooks(svc)
    if not any(name == "scoring" for name, _fn in svc.extras.get("tick_tasks", ())):
        register_tick(svc, "scoring", lambda s, now: sweep_scoring(s, now))
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.jinja_env.globals["scoring_links"] = home_links
