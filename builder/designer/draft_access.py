"""Reading parts of the draft document from the designer's views: objects and fields by name
(404 when absent), the live document to compare with, and moving a key within an ordered map."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from flask_babel import gettext as _

import schema_store
from builder.designer.saving import Refused
from runtime.i18n import pick_label
from runtime.services import services
from schema_store.names import API_NAME, reserved_reason
from schema_store.publish import app_timezone


def objects(document: dict[str, Any]) -> dict[str, Any]:
    value = document.get("objects")
    return value if isinstance(value, dict) else {}


def object_or_404(document: dict[str, Any], name: str) -> dict[str, Any]:
    obj = objects(document).get(name)
    if not isinstance(obj, dict):
        abort(404)
    return obj


def fields(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The object's field definitions in order (a draft may hold anything: non-maps are skipped)."""
    value = obj.get("fields")
    return {k: v for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) else {}


def objects_for_change(document: dict[str, Any]) -> dict[str, Any]:
    """The document's object map, to change (refused when the draft holds something else there)."""
    value = document.setdefault("objects", {})
    if not isinstance(value, dict):
        raise Refused({"object": _("The draft's 'objects' is not a map of objects; correct the draft "
                                   "(PUT /api/v1/meta/draft) or discard it.")})
    return value


def object_for_change(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The object inside a document being changed (refused if someone removed it meanwhile)."""
    obj = objects_for_change(document).get(name)
    if not isinstance(obj, dict):
        raise Refused({"object": _("The object '%(name)s' is no longer in the draft.", name=name)})
    if not isinstance(obj.setdefault("fields", {}), dict):
        raise Refused({"object": _("The fields of '%(name)s' in the draft are not a map of fields; correct the "
                                   "draft (PUT /api/v1/meta/draft) or discard it.", name=name)})
    return obj


def live_document() -> dict[str, Any] | None:
    svc = services()
    with svc.engine.connect() as conn:
        live = schema_store.live_version(conn)
        return schema_store.get_version_document(conn, live) if live else None


def move_key(mapping: dict[str, Any], key: str, delta: int) -> dict[str, Any]:
    """``mapping`` with ``key`` moved ``delta`` places (clamped), other keys in order."""
    keys = list(mapping)
    i = keys.index(key)
    j = max(0, min(len(keys) - 1, i + delta))
    keys.insert(j, keys.pop(i))
    return {k: mapping[k] for k in keys}


def label_text(label: Any, fallback: str = "") -> str:
    return pick_label(label) if isinstance(label, (dict, str)) and label else fallback


def api_name_problem(name: str, taken: Any, *, object_name: bool = False) -> str | None:
    """Why ``name`` cannot be a new object (``object_name``) or field name (None when it can)."""
    if not name:
        return _("Give an API name.")
    if not API_NAME.match(name):
        return _("Use lower-case ASCII letters, digits and '_', starting with a letter (at most 63).")
    reason = reserved_reason(name, object_name=object_name)
    if reason:
        reason = {"system column": _("a system column"), "SQL keyword": _("an SQL keyword"),
                  "expression keyword or function": _("an expression keyword or function"),
                  "address of an app page": _("the address of one of the app's own pages")}.get(reason, reason)
        return _("'%(name)s' is reserved (%(reason)s); choose another name.", name=name, reason=reason)
    if name in taken:
        return _("'%(name)s' already exists.", name=name)
    return None


def local_time(value: dt.datetime | None) -> str:
    """A stored (UTC) time in the app's time zone (the live calendar's, default Asia/Shanghai)."""
    if value is None:
        return ""
    svc = services()
    with svc.engine.connect() as conn:
        app = svc.schema_cache.get(conn) if schema_store.live_version(conn) else None
    aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(app_timezone(app)).strftime("%Y-%m-%d %H:%M")


def live_newer_than(draft: schema_store.Draft) -> schema_store.VersionInfo | None:
    """The live version, when it was published after the draft was last saved (a rollback, a pack
    import or another analyst's publish): publishing the draft would undo what it changed."""
    if not draft.revision or draft.updated_at is None:
        return None
    with services().engine.connect() as conn:
        live = schema_store.live_version(conn)
        info = next((v for v in schema_store.list_versions(conn) if v.version == live), None)
    if info is None:
        return None
    saved = draft.updated_at if draft.updated_at.tzinfo else draft.updated_at.replace(tzinfo=dt.timezone.utc)
    published = info.published_at if info.published_at.tzinfo else info.published_at.replace(tzinfo=dt.timezone.utc)
    return info if published > saved else None
