"""What a running app holds: settings, the engine, the clock. Built once by the app factory."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import sqlalchemy as sa
from flask import Flask, current_app

from runtime.clock import Clock
from runtime.config import Settings
from runtime.records.hooks import SaveHooks
from schema_store import SchemaCache


class Memo:
    """Things built from an immutable AppSchema, kept per process (keys include the version)."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: sa.Engine
    clock: Clock
    schema_cache: SchemaCache = field(default_factory=SchemaCache)
    hooks: SaveHooks = field(default_factory=SaveHooks)
    extras: dict = field(default_factory=dict)
    memo: Memo = field(default_factory=Memo)  # named factories later features add at start-up


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["crm"]
