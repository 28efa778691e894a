"""The running app's view of the published metadata: the live AppSchema through the app's cache."""
from __future__ import annotations

from schema_store import AppSchema

from runtime.services import services


def live_schema() -> AppSchema:
    """The live AppSchema (version 0 with no objects before the first publish)."""
    svc = services()
    with svc.engine.connect() as conn:
        return svc.schema_cache.get(conn)



def expression_fields(schema: AppSchema, object_name: str) -> dict:
    """Field path -> type spec for checking an expression on ``object_name`` with full access."""
    from runtime.records.listing import visible_fields
    from runtime.records.permissions import FULL
    return visible_fields(schema, object_name, lambda _name: FULL)
