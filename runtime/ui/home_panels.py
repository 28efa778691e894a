"""The per-user home: my overdue items (records I own past an SLA level), my approvals, my
latest notifications."""
from __future__ import annotations

import json
from typing import Any

from flask import url_for

from runtime.i18n import pick_label
from runtime.records import ListParams, RecordError, RecordService, list_records
from runtime.records.permissions import readable_objects
from runtime.ui import display
from runtime.ui.stage_path import build_path

PER_OBJECT = 50


def overdue_items(svc: RecordService) -> list[dict[str, Any]]:
    from runtime.stages.sla import sla_cutoff
    out = []
    now, calendar = svc.now(), svc.calendar()
    for name in readable_objects(svc.schema, svc.actor):
        obj = svc.schema.object(name)
        if obj.pipeline is None or obj.pipeline.field != "stage":
            continue
        nodes = [n.key for n in obj.pipeline.nodes if n.sla is not None]
        if not nodes:
            continue
        stages = " || ".join(f"stage = {json.dumps(k, ensure_ascii=False)}" for k in nodes)
        try:
            page = list_records(svc, name, ListParams(filter=f"owner = {int(svc.actor.id)} && ({stages})",
                                                      sort="stage_entered_at", per_page=PER_OBJECT, with_total=False))
        except RecordError:
            continue
        for r in page["records"]:
            path = build_path(obj, r, now=now, calendar=calendar, label=pick_label, cutoff=sla_cutoff)
            if path and path.sla_colour:
                out.append({"title": display.title_of(obj, r), "object": pick_label(obj.label), "stage": path.current_label,
                            "colour": path.sla_colour, "level": path.sla_label,
                            "href": url_for("ui.record_view", object_name=name, record_id=r["id"])})
    rank = {"red": 0, "yellow": 1, "blue": 2}
    return sorted(out, key=lambda i: rank.get(i["colour"], 3))[:20]


def pending_approvals(svc: RecordService) -> list[dict[str, Any]] | None:
    """None while no approvals engine is installed."""
    from runtime.ui.approvals import pending
    return pending(svc)


def panels(svc: RecordService) -> dict[str, Any]:
    from runtime.notifications.inbox import list_inbox
    with svc.svc.engine.connect() as conn:
        notes = list_inbox(conn, svc.actor.id, per_page=5).items
    try:
        overdue = overdue_items(svc)
    except Exception:  # noqa: BLE001 - no published app yet
        overdue = []
    return {"overdue": overdue, "approvals": pending_approvals(svc), "notifications": notes}
