"""The notifications page (the bell's target) and the approvals inbox."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api.body import positive_int_arg
from runtime.services import services
from runtime.ui import bp
from schema_store.database import begin_write


@bp.get("/notifications")
def notifications_view():
    from runtime.notifications.inbox import list_inbox
    page_no = positive_int_arg("page", 1) or 1
    unread_only = request.args.get("unread") == "1"
    with services().engine.connect() as conn:
        page = list_inbox(conn, current_user.id, unread_only=unread_only, page=page_no, per_page=20)
    tz = services().settings.tz
    items = [{**n, "when": _local(n.get("created_at"), tz)} for n in page.items]
    return render_template("runtime/notifications.html", page=page, items=items, unread_only=unread_only,
                           pages=max(1, -(-page.total // page.per_page)))


def _local(iso: str | None, tz) -> str:
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")


@bp.get("/notifications/count")
def notifications_count():
    from runtime.ui.context import unread_count
    return jsonify({"unread": unread_count(current_user.id)})


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int):
    from runtime.notifications.inbox import mark_read
    svc = services()
    with begin_write(svc.engine) as conn:
        item = mark_read(conn, current_user.id, notification_id, svc.clock.now())
    if item is None:
        abort(404)
    target = request.form.get("next") or ""
    if target.startswith("/app/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("ui.notifications_view"))


@bp.post("/notifications/read-all")
def notifications_read_all():
    from runtime.notifications.inbox import mark_all_read
    svc = services()
    with begin_write(svc.engine) as conn:
        n = mark_all_read(conn, current_user.id, svc.clock.now())
    flash(_("%(n)s notifications marked as read.", n=n), "success")
    return redirect(url_for("ui.notifications_view"))


@bp.get("/approvals")
def approvals_view():
    """The approvals inbox: pending requests the user decides, with batch approve/reject."""
    from runtime.ui.approvals import engine_available, pending
    from runtime.ui.context import record_service
    items = pending(record_service()) if engine_available() else None
    return render_template("runtime/approvals.html", available=items is not None, items=items or [])


@bp.post("/approvals")
def approvals_decide():
    from runtime.ui.approvals import decide_many, engine_available
    from runtime.ui.context import record_service
    if not engine_available():
        flash(_("No approval processes are running yet."), "error")
        return redirect(url_for("ui.approvals_view"))
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:200]
    decision = {"approve": "approved", "reject": "rejected"}.get(request.form.get("decision", ""))
    if not ids or decision is None:
        flash(_("Select at least one request."), "error")
        return redirect(url_for("ui.approvals_view"))
    done, failed = decide_many(record_service(), ids, decision, (request.form.get("reason") or "").strip())
    if done:
        flash((_("%(n)s requests approved.", n=done) if decision == "approved"
               else _("%(n)s requests rejected.", n=done)), "success")
    for message in failed[:10]:
        flash(message, "error")
    return redirect(url_for("ui.approvals_view"))
