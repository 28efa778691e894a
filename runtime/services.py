"""What a running app holds: settings, the engine, the clock. Built once by the app factory."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app

from runtime.clock import Clock
from runtime.config import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: sa.Engine
    clock: Clock


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["crm"]
