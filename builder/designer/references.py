"""What else in the app reads a field the publish changes: rules, forms, reports, approvals,
scoring, duplicate rules, routing, layouts and pipelines, found through the compiled expressions'
references and the places that name fields directly. Pure: reads AppSchemas and documents."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from schema_store.diff import SchemaOp
from schema_store.model import AppSchema, thaw

CHANGING_KINDS = ("remove_field", "rename_field", "retype_field", "change_field")
# keys whose string (or list of strings) values name fields of the item's object
FIELD_KEYS = ("field", "fields", "requires", "rows", "columns", "card", "group_by", "title", "title_field",
              "lookup", "via")


@dataclass(frozen=True)
class Reference:
    object: str
    field: str
    path: str          # JSON pointer of the place that reads the field


def _objects_at(document: Mapping[str, Any], path: Sequence[str]) -> str | None:
    """The object an item of the document is about (objects/<o>/..., or an item with "object")."""
    if len(path) >= 2 and path[0] == "objects":
        return path[1]
    node: Any = document
    found = None
    for part in path:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            node = None
        if isinstance(node, Mapping) and isinstance(node.get("object"), str):
            found = node["object"]
    return found


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, node
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _walk(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, str(i)))


def _pointer(path: Sequence[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


def references(app: AppSchema, wanted: set[tuple[str, str]]) -> list[Reference]:
    """Every place in ``app`` that reads one of the ``wanted`` (object, field) pairs."""
    document = thaw(app.document)
    out: dict[tuple[str, str, str], Reference] = {}
    for pointer, expr in app.expressions.items():
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        obj = _objects_at(document, parts)
        for ref in expr.references:
            head = ref.split(".")[0]
            if obj is not None and (obj, head) in wanted:
                out[(obj, head, pointer)] = Reference(obj, head, pointer)
    for path, value in _walk(document, ()):
        if not path or path[-1] not in FIELD_KEYS and not (len(path) >= 2 and path[-2] in FIELD_KEYS):
            continue
        if len(path) >= 4 and path[0] == "objects" and path[2] == "fields":
            continue  # field definitions (a roll-up names its child's fields)
        names = [value] if isinstance(value, str) else []
        obj = _objects_at(document, path[:-1])
        for name in names:
            if obj is not None and (obj, name) in wanted:
                where = _pointer(path[:-1] if path[-1].isdigit() else path)
                out[(obj, name, where)] = Reference(obj, name, where)
    return sorted(out.values(), key=lambda r: (r.object, r.field, r.path))


def changed_fields(ops: Sequence[SchemaOp]) -> dict[tuple[str, str], SchemaOp]:
    """(object, field) -> the op that changes it, for ops that touch a field's meaning or data."""
    out: dict[tuple[str, str], SchemaOp] = {}
    for op in ops:
        if op.kind in CHANGING_KINDS and op.object:
            out[(op.object, getattr(op, "field"))] = op
            if op.kind == "rename_field":
                out[(op.object, getattr(op, "old"))] = op
    return out


def affected(old: AppSchema | None, new: AppSchema | None, ops: Sequence[SchemaOp]) -> list[Reference]:
    """Places in the live version and in the new one that read a field the publish changes."""
    wanted = set(changed_fields(ops))
    if not wanted:
        return []
    found: dict[tuple[str, str, str], Reference] = {}
    for app in (old, new):
        if app is not None:
            for ref in references(app, wanted):
                found[(ref.object, ref.field, ref.path)] = ref
    return sorted(found.values(), key=lambda r: (r.object, r.field, r.path))
