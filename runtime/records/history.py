"""Field history: every change writes who / when / field / old / new, grouped per save."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Mapping

import sqlalchemy as sa

from runtime.records.tables import record_history
from runtime.records.values import to_json
from runtime.system_tables import users

UTC = dt.timezone.utc


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any], names) -> dict[str, tuple[Any, Any]]:
    return {n: (before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)}


def write(conn: sa.Connection, *, object_name: str, record_id: int, action: str,
          changes: Mapping[str, tuple[Any, Any]], actor_id: int | None, source: str,
          at: dt.datetime) -> str:
    """Write one save's history; returns its change id."""
    change_id, rows = entries(object_name=object_name, record_id=record_id, action=action, changes=changes,
                              actor_id=actor_id, source=source, at=at)
    conn.execute(record_history.insert(), rows if len(rows) > 1 else rows[0])
    return change_id


def entries(*, object_name: str, record_id: int, action: str, changes: Mapping[str, tuple[Any, Any]],
            actor_id: int | None, source: str, at: dt.datetime) -> tuple[str, list[dict[str, Any]]]:
    """One save's history rows (one per changed field, or one without a field), not yet written:
    batch writers insert many saves' rows in one statement."""
    change_id = uuid.uuid4().hex
    rows = [{"object": object_name, "record_id": record_id, "change_id": change_id, "action": action,
             "field": name, "old_value": _dump(old), "new_value": _dump(new), "actor_id": actor_id,
             "source": source, "at": at} for name, (old, new) in changes.items()]
    if not rows:
        rows = [{"object": object_name, "record_id": record_id, "change_id": change_id, "action": action,
                 "field": None, "old_value": None, "new_value": None, "actor_id": actor_id,
                 "source": source, "at": at}]
    return change_id, rows


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(to_json(value, UTC), ensure_ascii=False)


def read(conn: sa.Connection, object_name: str, record_id: int, *, visible=lambda name: True,
         tz: dt.tzinfo = UTC, limit: int = 500) -> list[dict[str, Any]]:
    """The history of one record, newest first, without fields the reader may not see."""
    h = record_history.c
    rows = conn.execute(
        sa.select(record_history, users.c.username, users.c.display_name)
        .select_from(record_history.outerjoin(users, users.c.id == h.actor_id))
        .where(h.object == object_name, h.record_id == record_id)
        .order_by(h.at.desc(), h.id.desc()).limit(limit)).mappings()
    out = []
    for r in rows:
        if r["field"] is not None and not visible(r["field"]):
            continue
        at = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC)
        out.append({"at": at.astimezone(tz).isoformat(), "action": r["action"], "field": r["field"],
                    "old": _load(r["old_value"]), "new": _load(r["new_value"]),
                    "actor": {"id": r["actor_id"], "username": r["username"],
                              "display_name": r["display_name"]} if r["actor_id"] else None,
                    "source": r["source"], "change_id": r["change_id"]})
    return out


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)
