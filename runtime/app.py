"""The runtime's half of the app factory: settings, database, auth, languages, pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import jinja2
from flask import Flask
from werkzeug.routing import IntegerConverter

# Importing a feature package registers its tables on runtime.system_tables.metadata (before
# create_all) and its API routes on runtime.api.bp (before api.init_app).
from runtime import (api, auth, automation, files, health, home, i18n, notifications, records,  # noqa: F401
                     security_headers, stages, ui, web_errors)
from runtime import public_forms  # its tables before create_all; routes and hooks in init_app
from runtime import scoring  # lead scoring (registers its outbox action)
from runtime import imports  # CSV/XLSX import: tables, API routes and the job kind (runtime/imports)
from runtime.clock import Clock, SystemClock
from runtime.dedup import wiring as dedup_wiring  # duplicate rules: tables, routes (before create_all/blueprints)
from runtime.config import load_settings
from runtime.jobs import wiring as jobs_wiring
from runtime.services import Services
from runtime.system_tables import create_all
from schema_store import ensure_meta_tables
from schema_store.database import begin_write, create_engine

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"


class BoundedInt(IntegerConverter):
    """``<int:...>`` in routes: ids fit a 32-bit INTEGER everywhere, so a larger number is simply
    not a route (404); over-long digit strings do not even match (404, not 405)."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_runtime_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the Flask app without the designer. ``config`` overrides environment settings
    (keys of :class:`runtime.config.Settings`); raises ConfigError on bad configuration."""
    config = dict(config or {})
    settings = load_settings(config)
    app = Flask("crm", static_folder=str(Path(__file__).with_name("static")), static_url_path="/static")
    app.url_map.converters["int"] = BoundedInt
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        TESTING=settings.testing,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # An installation overrides any template by putting a file of the same path in instance/templates.
    app.jinja_loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(settings.instance_path / "templates")),
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(TEMPLATES))}, delimiter=":"),
        jinja2.FileSystemLoader(str(TEMPLATES)),
    ])
    app.jinja_env.autoescape = True
    engine = create_engine(settings.database_url)
    app.extensions["crm"] = Services(settings=settings, engine=engine, clock=clock or SystemClock())
    if config.get("create_tables", True):
        with begin_write(engine) as conn:
            create_all(conn)
            ensure_meta_tables(conn)
    i18n.init_app(app, settings.instance_path)
    auth.init_app(app)
    web_errors.init_app(app)
    security_headers.init_app(app)
    jobs_wiring.init_app(app)
    notifications.init_app(app)
    stages.init_app(app)
    automation.init_app(app)
    dedup_wiring.init_app(app)
    scoring.init_app(app)  # lead scoring: save hook, tick task, Top-N routes (runtime/scoring)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    ui.init_app(app)
    api.init_app(app)
    public_forms.init_app(app)
    imports.init_app(app)  # the import pages under /app/<object>/import
    return app
