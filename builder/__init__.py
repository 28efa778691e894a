"""The designer: analysts' UI and API for drafts, checks, previews and publishing."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the designer's blueprints and CLI commands on a runtime app."""
    from builder import designer
    from builder.packs import wiring as packs
    packs.init_app(app)
    designer.init_app(app)
