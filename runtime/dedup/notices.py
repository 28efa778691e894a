"""What the API and the record page show about duplicates: the possible duplicates of a record
(``warn`` flags, either direction, live records the reader may see) and "merged into #N"."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.dedup.actions import titles
from runtime.dedup.merging import merged_into
from runtime.dedup.tables import dedup_flags
from runtime.i18n import pick_label
from runtime.records.tables import record_history


def possible_duplicates(service: Any, object_name: str, record_id: int, conn: sa.Connection | None = None
                        ) -> list[dict[str, Any]]:
    """``[{"id", "title", "rule", "score"}]`` of live records flagged as duplicates of this one."""
    if not service.schema.duplicates:
        return []
    with (service.svc.engine.connect() if conn is None else _same(conn)) as c:
        f = dedup_flags.c
        rows = c.execute(sa.select(f.record_id, f.other_id, f.rule, f.score).where(
            f.object == object_name, sa.or_(f.record_id == record_id, f.other_id == record_id))
            .order_by(f.score.desc(), f.id)).all()
        best: dict[int, tuple[str, float]] = {}
        for a, b, rule, score in rows:
            other = b if a == record_id else a
            if other != record_id and other not in best:
                best[other] = (rule, score)
        if not best:
            return []
        visible = service.visible_ids(c, object_name, sorted(best))
        names = titles(c, service, object_name, sorted(visible))
    return [{"id": i, "title": names[i], "rule": best[i][0], "score": best[i][1]}
            for i in sorted(visible, key=lambda i: (-best[i][1], i))]


class _same:
    def __init__(self, conn: sa.Connection):
        self.conn = conn

    def __enter__(self) -> sa.Connection:
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        return None


def merged_target(service: Any, object_name: str, record_id: int) -> int | None:
    """The live record ``record_id`` was merged into, if the reader may see it."""
    if object_name not in service.schema.objects:
        return None
    with service.svc.engine.connect() as c:
        target = merged_into(c, object_name, record_id)
        if target is None or target not in service.visible_ids(c, object_name, [target]):
            return None
    return target


def duplicate_notes(service: Any, object_name: str, record_id: int, merged_incoming: bool = False) -> dict:
    """Keys the API adds to a record's JSON: ``possible_duplicates`` (when there are any) and
    ``merged_incoming: true`` when a create was merged into this existing record."""
    out: dict[str, Any] = {"merged_incoming": True} if merged_incoming else {}
    found = possible_duplicates(service, object_name, record_id)
    if found:
        out["possible_duplicates"] = found
    return out


def merge_timeline(service: Any, object_name: str, record_id: int) -> list[dict[str, Any]]:
    """Timeline source: merges into this record, and this record's own merge into another."""
    h = record_history.c
    with service.svc.engine.connect() as conn:
        rows = conn.execute(sa.select(h.action, h.new_value, h.at).where(
            h.object == object_name, h.record_id == record_id, h.action.in_(("merge", "merged")))
            .order_by(h.id)).all()
    obj = service.schema.objects.get(object_name)

    def labels(names: Any) -> str:
        fields = obj.fields if obj is not None else {}
        return ", ".join(pick_label(fields[n].label) or n if n in fields else str(n) for n in names or ()) or "—"
    out = []
    for action, raw, at in rows:
        data = json.loads(raw) if raw else {}
        if action == "merged":
            title = _("Merged into #%(id)s", id=data.get("survivor_id"))
        elif "merged_id" in data:
            title = _("#%(id)s merged into this record; values taken: %(fields)s", id=data["merged_id"],
                      fields=labels(data.get("taken")))
        else:
            title = _("A new record matching rule %(rule)s was merged in; fields filled: %(fields)s",
                      rule=data.get("rule", ""), fields=labels(data.get("filled")))
        when = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
        out.append({"kind": "merge", "at": when.astimezone(service.tz).isoformat(), "action": action,
                    "title": title, **data})
    return out


def dismiss(service: Any, object_name: str, record_id: int, other_id: int) -> None:
    """Drop the possible-duplicate flag between two records (either direction). A later save that
    matches again flags them again."""
    f = dedup_flags.c
    pair = sa.or_(sa.and_(f.record_id == record_id, f.other_id == other_id),
                  sa.and_(f.record_id == other_id, f.other_id == record_id))
    with service.transaction() as conn:
        conn.execute(dedup_flags.delete().where(f.object == object_name, pair))
