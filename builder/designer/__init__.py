"""The analysts' designer under ``/builder``: server-rendered editors that change the draft
through schema_store's draft API (optimistic revisions), check expressions live, preview forms
with the runtime's own renderer, and publish with diff and impact.

Every ``views_*`` module in this package registers its routes on :data:`bp`; ``init_app``
imports them all, so an editor is added by adding a module."""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask

bp = Blueprint("designer", __name__, url_prefix="/builder", static_folder="static",
               static_url_path="/static")


def init_app(app: Flask) -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("views_")):
        importlib.import_module(f"{__name__}.{module}")
    app.register_blueprint(bp)
    app.context_processor(lambda: {"designer_url": "/builder"})
