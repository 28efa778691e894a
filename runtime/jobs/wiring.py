"""Wires the outbox and long jobs into the Flask app. Importing this module creates their tables
on ``system_tables.metadata`` and their routes on ``runtime.api.bp`` (so import it before the
blueprint is registered); :func:`init_app` loads the action modules."""
from __future__ import annotations

from flask import Flask

from runtime.jobs import api as _jobs_api  # noqa: F401 - registers routes on runtime.api.bp
from runtime.outbox import api as _outbox_api  # noqa: F401 - registers routes on runtime.api.bp
from runtime.outbox.registry import load_action_modules


def init_app(app: Flask) -> None:
    load_action_modules()
