"""Composes the whole app (runtime + designer): ``gunicorn 'wsgi:create_app()'``; also the ``crm`` CLI."""
from __future__ import annotations

import sys
from typing import Any, Mapping

from flask import Flask

from runtime.app import create_runtime_app
from runtime.cli import build_cli
from runtime.config import ConfigError


def create_app(config: Mapping[str, Any] | None = None, **kwargs: Any) -> Flask:
    """The WSGI application. Bad configuration ends the process with one clear line."""
    try:
        app = create_runtime_app(config, **kwargs)
    except ConfigError as exc:
        sys.exit(f"crm: configuration error: {exc}")
    import builder
    builder.init_app(app)
    return app


cli = build_cli(create_app)


def main() -> None:
    cli(prog_name="crm")
