"""The REST API under ``/api/v1``: JSON in, JSON out, Bearer tokens or the session cookie."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from runtime.api import account, expressions, files, meta, openapi, records  # noqa: F401 - registers routes on bp
    app.register_blueprint(bp)
