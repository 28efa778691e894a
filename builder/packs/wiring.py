"""Hooks the packs feature into the app: its table, the ``crm pack`` commands, the API, the demo."""
from __future__ import annotations

from flask import Flask

from builder.packs import api, cli
from builder.packs.tables import create_tables
from runtime.services import services


def init_app(app: Flask) -> None:
    svc = services(app)
    with svc.engine.begin() as conn:  # our one table, next to the runtime's (checkfirst)
        create_tables(conn)
    app.cli.add_command(cli.pack)
    app.register_blueprint(api.bp)
    app.extensions.setdefault("crm_demo_loaders", []).append(cli.medical_demo)
