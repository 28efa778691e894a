"""Admin API for the outbox: what is waiting, failing or dead, each item's run log, and retry."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from runtime.api import bp
from runtime.auth import requires_role
from runtime.outbox.dispatch import retry
from runtime.outbox.store import get_item, list_items, list_runs
from runtime.outbox.tables import STATUSES
from runtime.services import services
from runtime.web_errors import json_error
from runtime.api.body import positive_int_arg

MAX_PER_PAGE = 200


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, dt.datetime) else value
            for key, value in data.items()}


@bp.get("/outbox")
@requires_role("admin")
def outbox_list():
    """``?status=dead`` (or ``failed,pending``; default all), ``page``, ``per_page``."""
    wanted = tuple(s.strip() for s in request.args.get("status", "").split(",") if s.strip())
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        msg = _("Unknown status %(status)s; use one of: %(allowed)s.",
                status=", ".join(unknown), allowed=", ".join(STATUSES))
        return json_error(400, msg, errors={"status": [msg]})
    page, per_page = positive_int_arg("page", 1), positive_int_arg("per_page", 50)
    if page is None or per_page is None or per_page > MAX_PER_PAGE:
        msg = _("page and per_page are whole numbers from 1 (per_page at most %(max)s).",
                max=MAX_PER_PAGE)
        return json_error(400, msg)
    with services().engine.connect() as conn:
        items, total = list_items(conn, wanted or STATUSES, limit=per_page,
                                  offset=(page - 1) * per_page)
    return jsonify({"items": [_jsonable(i) for i in items], "total": total, "page": page,
                    "per_page": per_page})


@bp.get("/outbox/<int:item_id>")
@requires_role("admin")
def outbox_item(item_id: int):
    """One item with its run log (one entry per execution)."""
    with services().engine.connect() as conn:
        item = get_item(conn, item_id)
        runs = list_runs(conn, item_id) if item else []
    if item is None:
        return json_error(404, _("Not found."))
    return jsonify({**_jsonable(item), "runs": [_jsonable(r) for r in runs]})


@bp.post("/outbox/<int:item_id>/retry")
@requires_role("admin")
def outbox_retry(item_id: int):
    """Put a failed or dead item back to pending with fresh attempts, and dispatch it."""
    item, problem = retry(services(), item_id)
    if problem == "not_found":
        return json_error(404, _("Not found."))
    if problem == "not_retryable":
        return json_error(409, _("Only failed or dead items can be retried; this one is %(status)s.",
                                 status=item["status"]))
    return jsonify({**_jsonable(item or {}), "dispatch": "rq" if services().settings.redis_url else "inline"})
