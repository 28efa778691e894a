"""Hooks the packs feature into the app: its table, the ``crm pack`` commands, the API, the demo."""
from __future__ import annotations

from flask import Flask

from builder.packs import api, cli


def init_app(app: Flask) -> None:
    # The installed_packs table is created on first use (builder.packs.tables.ensure_table), in the
    # transaction that needs it: start-up never touches the database (an app must start, and report
    # an unreachable database on /healthz, even when the database is down).
    app.cli.add_command(cli.pack)
    app.register_blueprint(api.bp)
    app.extensions.setdefault("crm_demo_loaders", []).append(cli.medical_demo)
