"""Admin pages: actions that failed (the outbox's dead letters), with a retry button."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from runtime.api.body import positive_int_arg
from runtime.auth import requires_role
from runtime.outbox import list_items
from runtime.outbox.dispatch import retry
from runtime.services import services
from runtime.ui import bp

PER_PAGE = 50


@bp.get("/admin/outbox")
@requires_role("admin")
def outbox_view():
    page = positive_int_arg("page", 1) or 1
    svc = services()
    with svc.engine.connect() as conn:
        items, total = list_items(conn, ("failed", "dead"), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    tz = svc.settings.tz
    rows = [{**item, "when": _local(item.get("finished_at") or item.get("created_at"), tz)} for item in items]
    return render_template("runtime/outbox.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)))


@bp.post("/admin/outbox/<int:item_id>/retry")
@requires_role("admin")
def outbox_retry_view(item_id: int):
    item, problem = retry(services(), item_id)
    if problem == "not_found":
        flash(_("Not found."), "error")
    elif problem == "not_retryable":
        flash(_("Only failed or dead items can be retried; this one is %(status)s.", status=item["status"]),
              "error")
    else:
        flash(_("Retried: the action is now %(status)s.", status=item["status"]), "info")
    return redirect(url_for("ui.outbox_view"))


def _local(value, tz) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
