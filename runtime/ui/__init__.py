"""The runtime pages under ``/app``: navigation, lists, kanban, record pages, forms, notifications
and approvals, all generated from the live AppSchema and read through the record service."""
from __future__ import annotations

from flask import Blueprint, Flask

from runtime.ui import tables  # noqa: F401 - before create_all: the saved views table

bp = Blueprint("ui", __name__, url_prefix="/app")


def init_app(app: Flask) -> None:
    from runtime.ui import context, views_admin, views_list, views_misc, views_record  # noqa: F401 - register routes
    app.register_blueprint(bp)
    app.context_processor(context.nav_context)
