"""A process-local cache of compiled AppSchemas, keyed by version.

The app (or worker) holds one SchemaCache; each request calls ``get(conn)``: one primary-key read
of the live version, then a dict lookup. A version is compiled at most once per process (under a
lock); old versions are evicted beyond ``keep``. Processes share nothing but the database, so a
publish anywhere is picked up on each process's next request.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from types import MappingProxyType

import sqlalchemy as sa

from schema_store.compile import checksum, compile_app
from schema_store.meta import live_version
from schema_store.model import AppSchema
from schema_store.tables import build_tables


def empty_app() -> AppSchema:
    """The app before the first publish: no objects (version 0)."""
    metadata, tables = build_tables(())
    return AppSchema(version=0, checksum=checksum({"objects": {}}),
                     document=MappingProxyType({"objects": MappingProxyType({})}), objects=MappingProxyType({}),
                     metadata=metadata, tables=MappingProxyType(dict(tables)))


class SchemaCache:
    """Compiled AppSchemas by version; ``get(conn)`` returns the live one."""

    def __init__(self, keep: int = 4):
        self.keep = keep
        self._apps: OrderedDict[int, AppSchema] = OrderedDict()
        self._lock = threading.RLock()
        self._empty = empty_app()

    def get(self, conn: sa.Connection) -> AppSchema:
        """The live AppSchema (version 0, no objects, before the first publish)."""
        version = live_version(conn)
        if version is None:
            return self._empty
        app = self._apps.get(version)
        if app is not None:
            return app
        return self.for_version(conn, version)

    def peek(self, version: int) -> AppSchema | None:
        """A cached version, without touching the database."""
        return self._apps.get(version)

    def for_version(self, conn: sa.Connection, version: int) -> AppSchema:
        """The AppSchema of ``version``, compiled from its stored document on first use."""
        app = self._apps.get(version)
        if app is not None:
            return app
        from schema_store.versions import get_version_document

        document = get_version_document(conn, version)
        with self._lock:
            app = self._apps.get(version)
            if app is None:
                app = compile_app(document, version, check_schema=False)
                self.put(app)
        return app

    def put(self, app: AppSchema) -> None:
        """Remember an AppSchema just compiled elsewhere (e.g. by a publish in this process)."""
        with self._lock:
            self._apps[app.version] = app
            self._apps.move_to_end(app.version)
            while len(self._apps) > self.keep:
                self._apps.popitem(last=False)

    def clear(self) -> None:
        self._apps.clear()
