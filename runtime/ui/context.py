"""What every page's layout needs: the navigation (objects the user may read) and the bell."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.i18n import current_language, pick_label
from runtime.records import RecordService
from runtime.records.permissions import readable_objects
from runtime.services import services


def record_service(source: str = "ui") -> RecordService:
    return RecordService(services(), current_user._get_current_object(), source=source, lang=current_language())


def template_names(object_name: str | None, name: str) -> list[str]:
    """Most specific first: ``runtime/<object>/<name>.html`` then ``runtime/<name>.html``."""
    return ([f"runtime/{object_name}/{name}.html"] if object_name else []) + [f"runtime/{name}.html"]


def nav_items(schema, actor) -> list[dict[str, Any]]:
    current = (request.view_args or {}).get("object_name")
    items = [{"url": url_for("home.index"), "label": _("Home"), "active": request.endpoint == "home.index"}]
    for name in readable_objects(schema, actor):
        obj = schema.object(name)
        items.append({"url": url_for("ui.list_view", object_name=name), "label": pick_label(obj.plural_label or obj.label)
                      or name, "active": current == name})
    return items


def unread_count(user_id: int) -> int:
    from runtime.notifications.inbox import unread_count as count
    with services().engine.connect() as conn:
        return count(conn, user_id)


def nav_context() -> dict[str, Any]:
    if not getattr(current_user, "is_authenticated", False) or request.path.startswith("/api/"):
        return {}
    try:
        svc = record_service()
        schema = svc.schema
    except Exception:  # noqa: BLE001 - no published app yet: no object entries
        schema = None
    items = nav_items(schema, current_user._get_current_object()) if schema is not None else []
    return {"nav_items": items, "unread_notifications": unread_count(current_user.id)}
