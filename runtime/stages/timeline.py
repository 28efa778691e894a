"""Stage changes and SLA alerts on the record timeline (a ``timeline_sources`` entry)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from runtime.stages.moves import aware, read_history
from runtime.stages.sla import alerts_for


def entries(service: Any, object_name: str, record_id: int) -> list[dict[str, Any]]:
    obj = service.schema.objects.get(object_name)
    if obj is None or obj.pipeline is None:
        return []
    out: list[dict[str, Any]] = []
    with service.svc.engine.connect() as conn:
        for h in read_history(conn, object_name, record_id, now=service.now(), tz=service.tz):
            out.append({"kind": "stage", "at": h["entered_at"], "stage": h["stage"], "from": h["from"],
                        "entry_no": h["entry_no"], "duration_seconds": h["duration_seconds"],
                        "source": h["source"]})
        for a in alerts_for(conn, object_name, record_id):
            fired: dt.datetime = aware(a["fired_at"])  # type: ignore[assignment]
            out.append({"kind": "sla_alert", "at": fired.astimezone(service.tz).isoformat(),
                        "stage": a["stage"], "level": a["level"]})
    return out
