"""The approvals inbox's adapter to the automation engine (runtime/automation): the requests
waiting for the user, shaped for the page, and batch decisions with one reason."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for

from runtime.i18n import pick_label
from runtime.records import RecordError, RecordService
from runtime.ui import display


def engine_available() -> bool:
    try:
        from runtime.automation import approvals  # noqa: F401
    except ImportError:
        return False
    return True


def pending(svc: RecordService) -> list[dict[str, Any]] | None:
    """Requests waiting for the user's decision (None when no approvals engine is installed)."""
    if not engine_available():
        return None
    from runtime.automation import approvals
    with svc.svc.engine.connect() as conn:
        rows = approvals.inbox(conn, svc.actor, "pending")
    titles = display.Titles(svc)
    titles.load("user", [r["requested_by"] for r in rows if r.get("requested_by")])
    out = []
    for r in rows:
        process = svc.schema.approvals.get(r["process"]) or {}
        obj = svc.schema.objects.get(r["object"])
        record_title, href = f"#{r['record_id']}", None
        if obj is not None:
            try:
                record = svc.get(r["object"], r["record_id"])
                record_title = display.title_of(obj, record)
                href = url_for("ui.record_view", object_name=r["object"], record_id=r["record_id"])
            except RecordError:
                pass
        created = r.get("created_at")
        if isinstance(created, dt.datetime):
            created = (created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)).astimezone(svc.tz)
        out.append({"id": r["id"], "title": pick_label(process.get("label")) or r["process"],
                    "record_title": record_title, "href": href,
                    "requested_by": titles.get("user", r.get("requested_by")) if r.get("requested_by") else "",
                    "requested_at": created.strftime("%Y-%m-%d %H:%M") if isinstance(created, dt.datetime) else ""})
    return out


def decide_many(svc: RecordService, ids: list[int], decision: str, reason: str | None) -> tuple[int, list[str]]:
    """Approve or reject each request; returns (done, messages of the ones refused)."""
    from runtime.automation import approvals
    done, failed = 0, []
    for request_id in ids:
        try:
            approvals.decide(svc.svc, svc.actor, request_id, decision, reason or None, batch=len(ids) > 1)
            done += 1
        except approvals.ApprovalError as exc:
            failed.append(f"#{request_id}: {exc.message}")
    return done, failed
