"""Restoring archived values by hand (re-adding a field restores them automatically)."""
from __future__ import annotations

import sqlalchemy as sa

from schema_store import archive
from schema_store.model import AppSchema
from schema_store.publish import app_timezone
from schema_store.tables import column_type


def restore_archived(conn: sa.Connection, app: AppSchema, obj: str, field: str) -> int:
    """Put the archived values of ``obj.field`` back into the live column of that name (all values
    must convert to its current type; returns how many came back, 0 when none or some don't)."""
    f = app.objects[obj].fields[field]
    if not f.stored or f.derived:
        return 0
    t = archive.column_clause(app.objects[obj].table_name, ("id", sa.Integer()), (f.name, column_type(f.storage)))
    return archive.restore_field(conn, t, obj, f, app_timezone(app))
