"""What a running app holds: settings, the engine, the clock. Built once by the app factory."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, current_app

from runtime.clock import Clock
from runtime.config import Settings
from runtime.records.hooks import SaveHooks
from schema_store import SchemaCache


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: sa.Engine
    clock: Clock
    schema_cache: SchemaCache = field(default_factory=SchemaCache)
    hooks: SaveHooks = field(default_factory=SaveHooks)
    extras: dict = field(default_factory=dict)  # named factories later features add at start-up


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["crm"]
