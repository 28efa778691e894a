"""The metadata model: the JSON document of an app, validated, compiled into an immutable
AppSchema per published version, versioned (draft -> publish -> history -> rollback) and synced to
one real table per object. Imports expression/; knows nothing of HTTP.

Service API (what runtime/ and builder/ call)::

    validate(document) -> list[Diagnostic]
    compile_app(document, version) -> AppSchema                 # raises SchemaInvalid
    get_draft(conn) -> Draft;  save_draft(conn, document, expected_revision, actor_id) -> Draft
    plan_publish(conn, document, confirm_destructive=False) -> Plan
    publish(engine_or_conn, document, actor_id, note=None, confirm_destructive=False) -> PublishResult
    rollback(engine_or_conn, to_version, actor_id) -> PublishResult
    list_versions(conn) -> list[VersionInfo];  get_version_document(conn, n) -> dict
    diff_versions(conn, a, b) -> list[SchemaOp];  schema_store.diff.diff(old, new) -> list[SchemaOp]
    live_version(conn) -> int | None;  SchemaCache().get(conn) -> AppSchema
    list_archive(conn) -> list[ArchivedField];  restore_archived(conn, app, object, field) -> int
"""
from __future__ import annotations

from schema_store.archive import ArchivedField, list_archive
from schema_store.cache import SchemaCache
from schema_store.compile import compile_app
from schema_store.database import create_engine
from schema_store.diagnostics import Diagnostic, DiagnosticsError, SchemaInvalid
from schema_store.diff import SchemaOp
from schema_store.drafts import Draft, DraftConflict, get_draft, save_draft
from schema_store.meta import ensure_meta_tables, live_version, meta_metadata
from schema_store.model import AppSchema, FieldDef, ObjectDef
from schema_store.publish import Plan, PublishError, PublishResult, plan_publish, publish, rollback
from schema_store.restore import restore_archived
from schema_store.semantic import validate
from schema_store.versions import VersionInfo, VersionNotFound, diff_versions, get_version_document, list_versions

__all__ = [
    "AppSchema", "ArchivedField", "Diagnostic", "DiagnosticsError", "Draft", "DraftConflict", "FieldDef",
    "ObjectDef", "Plan", "PublishError", "PublishResult", "SchemaCache", "SchemaInvalid", "SchemaOp",
    "VersionInfo", "VersionNotFound", "compile_app", "create_engine", "diff_versions",
    "ensure_meta_tables", "get_draft", "get_version_document", "list_archive", "list_versions", "live_version",
    "meta_metadata", "plan_publish", "publish", "restore_archived", "rollback", "save_draft", "validate",
]
