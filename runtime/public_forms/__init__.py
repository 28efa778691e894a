"""Public web forms (web-to-lead) at ``/f/<form_key>``, generated from the ``forms`` metadata.
See docs/public_forms.md.

Importing this package adds its tables to the system metadata (so the app factory imports it
before creating tables); :func:`init_app` registers the routes and the save hooks once per app."""
from __future__ import annotations

from flask import Flask

from runtime.public_forms import hooks
from runtime.public_forms.tables import form_submissions, rate_hits
from runtime.services import services

__all__ = ["form_submissions", "init_app", "rate_hits"]


def init_app(app: Flask) -> None:
    from runtime.public_forms.views import bp
    svc = services(app)
    svc.hooks.install("public_forms", *hooks.HOOKS)
    app.register_blueprint(bp)
