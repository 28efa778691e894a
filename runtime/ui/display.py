"""Values as people read them: option labels, lookup titles (through the record service, so only
what the user may see), user names, dates in the app's time zone."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.i18n import pick_label
from runtime.records import RecordService
from runtime.records.permissions import object_access
from runtime.records.reading import base_select, row_to_record
from runtime.system_tables import users
from schema_store.model import FieldDef, ObjectDef

def system_label(name: str) -> str:
    return {"id": "ID", "owner": _("Owner"), "created_at": _("Created"), "updated_at": _("Updated"),
            "stage": _("Stage"), "stage_entered_at": _("Entered stage"),
            "last_activity_at": _("Last activity")}.get(name, name)


def field_label(obj: ObjectDef, name: str) -> str:
    f = obj.fields.get(name)
    return (pick_label(f.label) or name) if f is not None else system_label(name)


def title_of(obj: ObjectDef, record: dict[str, Any]) -> str:
    if obj.title_field and record.get(obj.title_field) not in (None, ""):
        return str(record[obj.title_field])
    return f"{pick_label(obj.label)} #{record.get('id')}"


class Titles:
    """Batch look-ups of record titles and user names for one page."""

    def __init__(self, service: RecordService):
        self.service = service
        self.cache: dict[tuple[str, int], str] = {}

    def load(self, target: str, ids: Iterable[int]) -> None:
        ids = sorted({int(i) for i in ids if i} - {i for (t, i) in self.cache if t == target})
        if not ids:
            return
        if target == "user":
            with self.service.svc.engine.connect() as conn:
                for row in conn.execute(sa.select(users.c.id, users.c.display_name, users.c.username)
                                        .where(users.c.id.in_(ids))):
                    self.cache[("user", row.id)] = row.display_name or row.username
            return
        obj = self.service.schema.objects.get(target)
        if obj is None:
            return
        access = object_access(self.service.schema, self.service.actor, target)
        if not access.read:
            return
        # The record layer's own permission-scoped SELECT (scope, scope_when, hidden fields), as
        # list_records and visible_ids use it, narrowed to the ids on this page.
        with self.service.svc.engine.connect() as conn:
            query, _cols, fields = base_select(conn, self.service.read_scope(), target, access)
            table = self.service.schema.table(target)
            for start in range(0, len(ids), 500):
                rows = conn.execute(query.where(table.c.id.in_(ids[start:start + 500]))).mappings()
                for row in rows:
                    record = row_to_record(self.service.schema, target, row, fields)
                    self.cache[(target, record["id"])] = title_of(obj, record)

    def get(self, target: str, record_id: int | None) -> str:
        if record_id is None:
            return ""
        return self.cache.get((target, int(record_id)), f"#{record_id}")


def lookup_target(obj: ObjectDef, name: str) -> str | None:
    if name in ("owner", "created_by", "updated_by"):
        return "user"
    f = obj.fields.get(name)
    if f is not None and f.type in ("lookup", "user"):
        return "user" if f.type == "user" or f.target == "user" else f.target
    return None


def prefetch(titles: Titles, obj: ObjectDef, names: Iterable[str], records: Iterable[dict[str, Any]]) -> None:
    records = list(records)
    for name in names:
        target = lookup_target(obj, name)
        if target:
            titles.load(target, [r.get(name) for r in records if r.get(name)])


def text(obj: ObjectDef, name: str, value: Any, titles: Titles, tz: dt.tzinfo) -> str:
    """One value as text (CSV and HTML use the same)."""
    if value is None or value == () or value == "":
        return ""
    f: FieldDef | None = obj.fields.get(name)
    target = lookup_target(obj, name)
    if target:
        return titles.get(target, value)
    if name == "stage" and obj.pipeline is not None:
        node = obj.pipeline.node(str(value))
        return pick_label(node.label) if node else str(value)
    if f is not None and f.options:
        labels = {o.value: pick_label(o.label) or o.value for o in f.options}
        if isinstance(value, tuple):
            return "、".join(labels.get(v, v) for v in value)
        return labels.get(str(value), str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if f is not None and f.type == "currency":
            return f"{value:,.2f}"
        if f is not None and f.type == "percent":
            return f"{value.normalize():f} %"
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}".rstrip("0")
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def option_color(obj: ObjectDef, name: str, value: Any) -> str | None:
    f = obj.fields.get(name)
    if f is None or not f.options or isinstance(value, tuple):
        return None
    return next((o.color for o in f.options if o.value == value and o.color), None)
