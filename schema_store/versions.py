"""Version history: what was published when, the documents, and diffs between any two versions."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from schema_store.compile import compile_app
from schema_store.diagnostics import DiagnosticsError, diag
from schema_store.diff import SchemaOp, diff
from schema_store.meta import ensure_meta_tables, live_version, meta_metadata, meta_versions
from schema_store.model import AppSchema

if TYPE_CHECKING:
    from schema_store.cache import SchemaCache

__all__ = ["VersionInfo", "VersionNotFound", "list_versions", "get_version_document", "load_app",
           "diff_versions", "live_version", "meta_metadata", "ensure_meta_tables"]


@dataclass(frozen=True)
class VersionInfo:
    version: int
    published_at: dt.datetime
    published_by: int | None
    note: str | None
    checksum: str
    rollback_of: int | None
    ops: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "published_at": self.published_at.isoformat(),
                "published_by": self.published_by, "note": self.note, "checksum": self.checksum,
                "rollback_of": self.rollback_of, "ops": list(self.ops)}


class VersionNotFound(DiagnosticsError):
    def __init__(self, version: int):
        self.version = version
        super().__init__([diag("publish.no_version", "", version=version)])


def list_versions(conn: sa.Connection) -> list[VersionInfo]:
    """Every published version, newest first."""
    ensure_meta_tables(conn)
    v = meta_versions.c
    rows = conn.execute(sa.select(v.version, v.published_at, v.published_by, v.note, v.checksum, v.rollback_of,
                                  v.ops).order_by(v.version.desc())).all()
    return [VersionInfo(r.version, r.published_at, r.published_by, r.note, r.checksum, r.rollback_of,
                        tuple(json.loads(r.ops or "[]"))) for r in rows]


def get_version_document(conn: sa.Connection, version: int) -> dict[str, Any]:
    """The document published as ``version`` (raises VersionNotFound)."""
    ensure_meta_tables(conn)
    text = conn.execute(sa.select(meta_versions.c.document).where(meta_versions.c.version == version)).scalar()
    if text is None:
        raise VersionNotFound(version)
    return json.loads(text)


def load_app(conn: sa.Connection, version: int | None, cache: SchemaCache | None = None) -> AppSchema | None:
    """The compiled AppSchema of a stored version (through ``cache`` when given)."""
    if version is None:
        return None
    if cache is not None:
        return cache.for_version(conn, version)
    return compile_app(get_version_document(conn, version), version, check_schema=False)


def diff_versions(conn: sa.Connection, old: int | None, new: int, cache: SchemaCache | None = None
                  ) -> list[SchemaOp]:
    """What changed from version ``old`` (None: from nothing) to version ``new``."""
    return diff(load_app(conn, old, cache), load_app(conn, new, cache))
