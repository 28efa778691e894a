"""``/api/v1/notifications``: the signed-in user's inbox, and the admin's view of failed deliveries."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api import bp
from runtime.auth import requires_role
from runtime.notifications import inbox
from runtime.notifications.tables import STATUSES
from runtime.services import services
from runtime.web_errors import json_error
from runtime.api.body import positive_int_arg
from schema_store.database import begin_write


class _BadQuery(ValueError):
    pass


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    value = positive_int_arg(name, default)
    if value is None:
        raise _BadQuery(name)
    return min(value, maximum) if maximum else value


def _paging(default_per_page: int) -> tuple[int, int]:
    return _positive("page", 1), _positive("per_page", default_per_page, inbox.MAX_PER_PAGE)


def _bad_paging() -> Response:
    message = _("page and per_page must be whole numbers of at least 1.")
    return json_error(400, message)


@bp.get("/notifications")
def list_notifications() -> Response:
    try:
        page, per_page = _paging(20)
    except _BadQuery:
        return _bad_paging()
    unread_only = request.args.get("unread", "").lower() in ("1", "true", "yes")
    with services().engine.connect() as conn:
        result = inbox.list_inbox(conn, current_user.id, unread_only=unread_only, page=page,
                                  per_page=per_page)
        unread = inbox.unread_count(conn, current_user.id)
    return jsonify({"notifications": list(result.items), "unread_count": unread, "total": result.total,
                    "page": result.page, "per_page": result.per_page})


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int) -> Response:
    svc = services()
    with begin_write(svc.engine) as conn:
        result = inbox.mark_read(conn, current_user.id, notification_id, svc.clock.now())
    if result is None:  # someone else's id looks exactly like a missing one
        return json_error(404, _("Not found."))
    return jsonify(result)


@bp.post("/notifications/read-all")
def read_all_notifications() -> Response:
    svc = services()
    with begin_write(svc.engine) as conn:
        updated = inbox.mark_all_read(conn, current_user.id, svc.clock.now())
        unread = inbox.unread_count(conn, current_user.id)
    return jsonify({"updated": updated, "unread_count": unread})


@bp.get("/notifications/deliveries")
@requires_role("admin")
def list_deliveries() -> Response:
    try:
        page, per_page = _paging(50)
    except _BadQuery:
        return _bad_paging()
    wanted = [s.strip() for s in request.args.get("status", "failed,dead").split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown or not wanted:
        return json_error(400, _("status is one or more of: %(statuses)s.", statuses=", ".join(STATUSES)))
    with services().engine.connect() as conn:
        result = inbox.list_deliveries(conn, wanted, page=page, per_page=per_page)
    return jsonify({"deliveries": list(result.items), "total": result.total, "page": result.page,
                    "per_page": result.per_page})
