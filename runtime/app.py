"""The runtime's half of the app factory: settings, database, auth, languages, pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import jinja2
from flask import Flask
from werkzeug.routing import IntegerConverter

from runtime import api, auth, health, home, i18n, records, web_errors  # noqa: F401 - records: tables
from runtime import notifications  # before create_all: its tables; before api.init_app: its routes
from runtime import files  # noqa: F401 - before create_all: the files table
from runtime import ui  # before create_all: the saved views table
from runtime import stages  # before create_all: stage tables; before api.init_app: its routes
from runtime import automation  # before create_all: automation tables; before api.init_app: its routes
from runtime.clock import Clock, SystemClock
from runtime.config import load_settings
from runtime.jobs import wiring as jobs_wiring  # before create_all: outbox/jobs tables; before api.init_app: routes
from runtime.services import Services
from runtime.system_tables import create_all
from schema_store import ensure_meta_tables
from schema_store.database import create_engine

ROOT = Path(__file__).resolve().parents[1]


class BoundedInt(IntegerConverter):
    regex = r"\d{1,10}"  # longer numbers match no route at all (404, not 405)

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
TEMPLATES = ROOT / "templates"


def create_runtime_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the Flask app without the designer. ``config`` overrides environment settings
    (keys of :class:`runtime.config.Settings`); raises ConfigError on bad configuration."""
    config = dict(config or {})
    settings = load_settings(config)
    app = Flask("crm", static_folder=str(Path(__file__).with_name("static")), static_url_path="/static")
    # Ids fit a 32-bit INTEGER everywhere: a larger number in a path is simply not a route (404).
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
        with engine.begin() as conn:
            create_all(conn)
            ensure_meta_tables(conn)
    i18n.init_app(app, settings.instance_path)
    auth.init_app(app)
    web_errors.init_app(app)
    jobs_wiring.init_app(app)
    notifications.init_app(app)
    stages.init_app(app)
    automation.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    ui.init_app(app)
    api.init_app(app)
    return app
