"""Automation runs, approvals and notes on the record timeline (``timeline_sources`` entries).

Each source is ``fn(service, object_name, record_id) -> list[dict]`` (see
:func:`runtime.api.records.timeline_view`); entries carry ``kind`` and ``at`` (ISO string in the
viewer's time zone). The caller has already checked that the viewer may read the record, so its
automation runs and approvals are shown as they are; notes (records of child objects pointing at
the record through a lookup) are read with the viewer's own access, so children the viewer may not
read never appear.

- ``automation``: one entry per ``automation.rule`` outbox item whose payload names this record —
  rule key, why it fired, status (pending/running/done/failed/dead), attempts, duration, last error.
- ``approval``: one entry per approval event (started, approved, rejected, forwarded, step) —
  process, step, who, reason.
- ``note``: the most recent :data:`NOTE_LIMIT` records of each child object — author, title and,
  when the child has a textarea field, its text.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import sqlalchemy as sa

from runtime.system_tables import users

NOTE_LIMIT = 20
RUN_LIMIT = 100
UTC = dt.timezone.utc


def register(extras: dict[str, Any]) -> None:
    """Add the three sources to ``services.extras["timeline_sources"]`` (once)."""
    sources = extras.setdefault("timeline_sources", [])
    for fn in (automation_runs, approvals, notes):
        if fn not in sources:
            sources.append(fn)


def _iso(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz).isoformat()


def _names(conn: sa.Connection, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.display_name)
                        .where(users.c.id.in_(sorted(ids))))
    return {r.id: r.display_name or r.username for r in rows}


def automation_runs(service: Any, object_name: str, record_id: int) -> list[dict[str, Any]]:
    from runtime.automation.rules import RULE_ACTION
    from runtime.outbox.tables import outbox, outbox_runs
    o = outbox.c
    # The subject is in the JSON payload; SQLAlchemy's JSON path compiles to json_extract (SQLite)
    # and ->> (PostgreSQL). The string comparison of record_id avoids numeric casts of JSON.
    stmt = (sa.select(o.id, o.payload, o.status, o.attempts, o.created_at, o.finished_at, o.duration_ms,
                      o.last_error, o.origin)
            .where(o.action == RULE_ACTION,
                   o.payload["object"].as_string() == object_name,
                   o.payload["record_id"].as_integer() == int(record_id))
            .order_by(o.created_at.desc(), o.id.desc()).limit(RUN_LIMIT))
    out: list[dict[str, Any]] = []
    with service.svc.engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        runs: dict[int, int] = {}
        if rows:
            counted = conn.execute(sa.select(outbox_runs.c.item_id, sa.func.count())
                                   .where(outbox_runs.c.item_id.in_([r["id"] for r in rows]))
                                   .group_by(outbox_runs.c.item_id))
            runs = {item: n for item, n in counted}
    for r in rows:
        payload = r["payload"] or {}
        out.append({"kind": "automation", "at": _iso(r["created_at"], service.tz), "item_id": r["id"],
                    "rule": payload.get("rule"), "why": payload.get("why"), "status": r["status"],
                    "attempts": r["attempts"], "runs": runs.get(r["id"], 0),
                    "finished_at": _iso(r["finished_at"], service.tz), "duration_ms": r["duration_ms"],
                    "error": r["last_error"]})
    return out


def approvals(service: Any, object_name: str, record_id: int) -> list[dict[str, Any]]:
    from runtime.automation.tables import approval_events, approval_requests
    from runtime.i18n import pick_label
    q, e = approval_requests.c, approval_events.c
    stmt = (sa.select(e.id, e.event, e.step_key, e.user_id, e.reason, e.at, q.id.label("request_id"),
                      q.process, q.status)
            .select_from(approval_events.join(approval_requests, q.id == e.request_id))
            .where(q.object == object_name, q.record_id == int(record_id))
            .order_by(e.at.desc(), e.id.desc()))
    with service.svc.engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        names = _names(conn, {r["user_id"] for r in rows})
    out = []
    for r in rows:
        process = service.schema.approvals.get(r["process"]) or {}
        label = process.get("label") if isinstance(process, Mapping) else None
        out.append({"kind": "approval", "at": _iso(r["at"], service.tz), "request_id": r["request_id"],
                    "process": r["process"], "process_label": pick_label(label) if label else r["process"],
                    "event": r["event"], "step": r["step_key"], "request_status": r["status"],
                    "user_id": r["user_id"], "who": names.get(r["user_id"], ""), "reason": r["reason"]})
    return out


def notes(service: Any, object_name: str, record_id: int) -> list[dict[str, Any]]:
    from runtime.i18n import pick_label
    from runtime.records import ListParams, RecordError, list_records
    from runtime.records.permissions import object_access
    out: list[dict[str, Any]] = []
    authors: set[int] = set()
    for child in service.schema.objects.values():
        if child.name == object_name:
            continue  # a self-lookup (parent account, ...) is a hierarchy, not notes
        access = object_access(service.schema, service.actor, child.name)
        if not access.read:
            continue
        texts = [f.name for f in child.fields.values() if f.type == "textarea" and access.can_see(f.name)]
        for f in child.fields.values():
            if f.type != "lookup" or f.target != object_name or not access.can_see(f.name):
                continue
            try:
                page = list_records(service, child.name, ListParams(
                    filter=f"{f.name} = {int(record_id)}", sort="-created_at", per_page=NOTE_LIMIT,
                    with_total=False))
            except RecordError:
                continue
            for rec in page["records"]:
                title_field = child.title_field if child.title_field and access.can_see(child.title_field) else None
                title = rec.get(title_field) if title_field else None
                text = next((rec.get(t) for t in texts if rec.get(t) not in (None, "")), None)
                author = rec.get("created_by")
                author_id = author.get("id") if isinstance(author, dict) else author
                if isinstance(author_id, int):
                    authors.add(author_id)
                at = rec.get("created_at")
                out.append({"kind": "note", "at": at if isinstance(at, str) else _iso(at, service.tz),
                            "object": child.name, "object_label": pick_label(child.label), "via": f.name,
                            "record_id": rec.get("id"), "title": str(title) if title not in (None, "") else None,
                            "text": text, "author_id": author_id})
    if out:
        with service.svc.engine.connect() as conn:
            names = _names(conn, authors)
        for entry in out:
            entry["who"] = names.get(entry["author_id"], "")
    return out
