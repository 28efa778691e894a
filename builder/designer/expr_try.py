""""Try it": evaluate an expression typed in the designer against one existing record, with the
record's live values and the runtime's evaluation context (user, clock, calendar, lookup paths).

Read-only, and only what the analyst may read: the record comes through the record service (its
object, record scope and field permissions), lookup paths only into objects and fields the analyst
may see; everything else reads as blank. Fields that exist only in the draft are blank too."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _

import expression
from runtime.records import RecordService
from runtime.records.evaluation import context, is_user_reference, load_lookups
from runtime.records.permissions import object_access
from runtime.ui.display import title_of

SEARCH_LIMIT = 20


def needed_paths(service: RecordService, object_name: str, references: frozenset[str]) -> dict[str, set[str]]:
    """``{lookup: {paths}}`` the expression reads, limited to what the actor may see."""
    obj = service.schema.object(object_name)
    needed: dict[str, set[str]] = {}
    for ref in references:
        head, _sep, rest = ref.partition(".")
        if not rest:
            continue
        f = obj.fields.get(head)
        if f is not None and f.type == "lookup":
            target = object_access(service.schema, service.actor, f.target) if f.target in service.schema.objects \
                else None
            if target is None or not target.read or not target.can_see(rest.split(".")[0]):
                continue
        elif not is_user_reference(obj, head):
            continue
        needed.setdefault(head, set()).add(rest)
    return needed


def evaluate_on(service: RecordService, object_name: str, record_id: int, compiled: expression.Compiled) -> Any:
    """The value ``compiled`` yields for the record (NotFound when the actor may not read it)."""
    record = service.get(object_name, record_id)
    obj = service.schema.object(object_name)
    with service.svc.engine.connect() as conn:
        lookups = load_lookups(conn, service.schema, obj, record,
                               needed_paths(service, object_name, compiled.references),
                               now=service.now(), tz=service.tz, actor=service.actor)
    values = {**record, **lookups}
    ctx = context(values, actor=service.actor, now=service.now(), tz=service.tz, calendar=service.calendar())
    return compiled.evaluate(ctx)


def display(value: Any, tz: dt.tzinfo) -> str:
    """A value as the analyst reads it."""
    if value is None or value == "" or value == []:
        return _("(blank)")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, dt.datetime):
        return (value.astimezone(tz) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)


def search_records(service: RecordService, object_name: str, q: str) -> list[dict[str, Any]]:
    """Records of ``object_name`` the actor may read, by id or title, newest first."""
    from runtime.records.listing import ListParams
    from runtime.records.service import list_records

    obj = service.object(object_name)
    q = q.strip()[:100]
    if q.lstrip("#").isdigit():
        source = f"id = {int(q.lstrip('#'))}"
    elif q and obj.title_field:
        source = f"CONTAINS({obj.title_field}, {_quote(q)})"
    else:
        source = None
    page = list_records(service, object_name, ListParams(filter=source, per_page=SEARCH_LIMIT, with_total=False))
    return [{"id": r["id"], "title": title_of(obj, r)} for r in page["records"]]


def _quote(text: str) -> str:
    """A text literal of the expression language (backslash escapes, no line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ") + '"'


def try_result(service: RecordService, object_name: str, record_id: Any, source: str,
               fields: Mapping[str, Any]) -> dict[str, Any]:
    """``{"ok": True, "value": ..., "display": ...}`` or ``{"ok": False, "message": ...}``."""
    from runtime.records.errors import RecordError

    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return {"ok": False, "message": _("Choose a record to try the expression on.")}
    try:
        compiled = expression.compile(source, fields=fields)
    except expression.ExpressionError:
        return {"ok": False, "message": _("Fix the expression first.")}
    if object_name not in service.schema.objects:
        return {"ok": False, "message": _("This object is not published yet, so it has no records to try.")}
    try:
        value = evaluate_on(service, object_name, record_id, compiled)
    except RecordError as exc:
        return {"ok": False, "message": str(exc)}
    except expression.ExpressionError as exc:
        return {"ok": False, "message": exc.to_dict(service.lang)["message"]}
    return {"ok": True, "record_id": record_id, "value": _jsonable(value),
            "display": display(value, service.tz)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return value
