"""The editors of the designer's logic pages as configuration of the generic editor: where an item
lives in the document, its schema, how a new one starts, and what references resolve to."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from builder.designer import logic_schema as ls
from builder.designer.expr_fields import draft_fields
from builder.designer.logic_form import EditorContext, Options
from builder.designer.logic_labels import property_label, variant_label, weekday_options
from runtime.api.expressions import EXPRESSION_TYPES
from schema_store.check_context import BUILTIN_ROLES
from schema_store.diagnostics import pointer

BOOLEAN_EXPRESSIONS = ("when", "requires_when", "auto_advance_when", "error_when", "entry_when", "filter",
                       "visible_when", "scope_when")
EXPECTS = {**{name: "boolean" for name in BOOLEAN_EXPRESSIONS}, "points": "number"}

# property name -> what its value refers to
FIELD_REFS = ("field", "lookup", "requires", "required_by_channel", "title_field", "date_field", "rows", "columns",
              "group_by")
STAGE_REFS = ("stage", "from", "auto_advance_to", "initial", "allowed_next", "stages")


@dataclass(frozen=True)
class Section:
    """One editor: items of a keyed section (``approvals``: ``/approvals/<key>``), of the rules
    list (found by their ``key``), or one fixed place (a pipeline, the assignment pools)."""

    name: str                                   # URL part: /builder/<name>
    title: str                                  # msgid of the page title
    shape: Callable[[], ls.Shape]
    kind: str = "map"                           # map | list | single
    document_key: tuple[str, ...] = ()          # where the items live
    needs_object: bool = True                   # a new item names its object
    start: Callable[[str, str], dict[str, Any]] = lambda key, obj: {"object": obj}
    hidden: frozenset[str] = frozenset()
    # the keys a new item may take (a select on the list page), when not any name
    key_choices: Callable[[Mapping[str, Any], str], Options] | None = None
    # what the list page shows beside an item (default: its object)
    summary: Callable[[Any], str] | None = None

    def items(self, document: Mapping[str, Any]) -> list[tuple[str, Any]]:
        container = dig(document, self.document_key)
        if self.kind == "list":
            return [(item.get("key"), item) for item in container if isinstance(item, dict)
                    and isinstance(item.get("key"), str)] if isinstance(container, list) else []
        return list(container.items()) if isinstance(container, dict) else []

    def pointer_of(self, document: Mapping[str, Any], key: str) -> str | None:
        """The JSON pointer of the item ``key`` in ``document`` (None when there is none)."""
        container = dig(document, self.document_key)
        if self.kind == "list":
            for i, item in enumerate(container if isinstance(container, list) else []):
                if isinstance(item, dict) and item.get("key") == key:
                    return pointer(*self.document_key, i)
            return None
        return pointer(*self.document_key, key) if isinstance(container, dict) and key in container else None


def dig(document: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = document
    for k in keys:
        node = node.get(k) if isinstance(node, dict) else None
    return node


def _values_of(*path: str) -> Callable[[], ls.Shape]:
    return lambda: ls.at(*path).values


def _permissions_shape() -> ls.Shape:
    """A role's permissions: a map object -> permission whose keys are chosen from the draft's
    objects (each entry edited on its object) and whose ``fields`` map's keys from its fields."""
    node = copy.deepcopy(ls.at("permissions").values.node)
    node["x-keys"] = "object"
    node["additionalProperties"]["properties"]["fields"]["x-keys"] = "field"
    return ls.shape(node)


def _labelled(value: Any) -> dict[str, Any]:
    return {"label": {"zh-CN": value}}


def role_choices(document: Mapping[str, Any], lang: str) -> Options:
    """Built-in and custom roles (the keys of ``permissions``)."""
    roles = document.get("roles") if isinstance(document.get("roles"), dict) else {}
    return [(r, r) for r in BUILTIN_ROLES if r not in roles] + [
        (k, _label(v.get("label") if isinstance(v, dict) else None, k, lang)) for k, v in roles.items()]


def _objects_named(value: Any) -> str:
    return ", ".join(str(k) for k in value) if isinstance(value, dict) else ""


SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("rules", "Rules", lambda: ls.at("$defs", "rule"), kind="list", document_key=("rules",),
            start=lambda key, obj: {"key": key, "object": obj, "trigger": {"type": "create"},
                                    "actions": [{"type": "notify", "to": [{"kind": "owner"}]}]}),
    Section("approvals", "Approval processes", _values_of("approvals"), document_key=("approvals",),
            start=lambda key, obj: {"object": obj, "steps": [{"key": "step1", "approver": {"kind": "owner_manager"}}]}),
    Section("scoring", "Scoring models", _values_of("scoring"), document_key=("scoring",),
            start=lambda key, obj: {"object": obj, "rules": [{"when": "", "points": 0}]}),
    Section("duplicates", "Duplicate rules", _values_of("duplicates"), document_key=("duplicates",),
            start=lambda key, obj: {"object": obj, "match": [{"field": ""}], "action": "warn"}),
    Section("forms", "Public forms", _values_of("forms"), document_key=("forms",),
            start=lambda key, obj: {"object": obj, "fields": [{"field": ""}]}),
    Section("assignment", "Assignment", lambda: ls.at("assignment").properties()["routes"].values,
            document_key=("assignment", "routes"), start=lambda key, obj: {"object": obj, "entries": []}),
    Section("reports", "Reports", _values_of("reports"), document_key=("reports",),
            start=lambda key, obj: {"type": "metric", "object": obj, "measures": {"count": {"function": "count"}}}),
    Section("roles", "Roles", _values_of("roles"), document_key=("roles",), needs_object=False,
            start=lambda key, obj: _labelled(key), summary=lambda _v: ""),
    Section("teams", "Teams", _values_of("teams"), document_key=("teams",), needs_object=False,
            start=lambda key, obj: _labelled(key),
            summary=lambda v: str(v.get("region") or "") if isinstance(v, dict) else ""),
    Section("permissions", "Permissions", _permissions_shape, document_key=("permissions",), needs_object=False,
            start=lambda key, obj: {}, key_choices=role_choices, summary=_objects_named),
)}

POOLS = Section("assignment-pools", "Pools", lambda: ls.at("assignment").properties()["pools"], kind="single",
                document_key=("assignment", "pools"), needs_object=False)
CALENDAR = Section("calendar", "Business calendar", lambda: ls.at("calendar"), kind="single",
                   document_key=("calendar",), needs_object=False)
SINGLES = (POOLS, CALENDAR)
PIPELINE_SHAPE = lambda: ls.at("$defs", "pipeline")  # noqa: E731


def _label(value: Any, fallback: str, lang: str) -> str:
    if isinstance(value, dict):
        text = value.get(lang) or value.get("zh-CN") or value.get("en")
        if text:
            return f"{text} ({fallback})"
    return fallback


def references(document: Mapping[str, Any], object_name: str, lang: str) -> Callable[[str, str], Options | None]:
    """``refs(property, path)`` for items on ``object_name``: choices drawn from the draft."""
    objects = document.get("objects") if isinstance(document.get("objects"), dict) else {}
    obj = objects.get(object_name) if isinstance(objects.get(object_name), dict) else {}
    fields = obj.get("fields") if isinstance(obj.get("fields"), dict) else {}
    pipeline = obj.get("pipeline") if isinstance(obj.get("pipeline"), dict) else {}
    nodes = pipeline.get("nodes") if isinstance(pipeline.get("nodes"), list) else []

    def keyed(section: Any) -> Options:
        return [(k, _label(v.get("label") if isinstance(v, dict) else None, k, lang))
                for k, v in (section.items() if isinstance(section, dict) else [])]

    field_options = [(k, _label(f.get("label") if isinstance(f, dict) else None, k, lang)) for k, f in fields.items()]
    stage_options = [(n["key"], _label(n.get("label"), n["key"], lang)) for n in nodes
                     if isinstance(n, dict) and isinstance(n.get("key"), str)]
    assignment = document.get("assignment") if isinstance(document.get("assignment"), dict) else {}
    roles = [(r, r) for r in BUILTIN_ROLES] + keyed(document.get("roles"))
    teams = keyed(document.get("teams")) if isinstance(document.get("teams"), dict) else None
    table = {
        "object": keyed(objects), "process": keyed(document.get("approvals")), "route": keyed(assignment.get("routes")),
        "pool": keyed(assignment.get("pools")), "role": roles, "team": teams, "parent": keyed(document.get("teams")),
        "workdays": weekday_options(),
        **{name: field_options for name in FIELD_REFS}, **{name: stage_options for name in STAGE_REFS},
    }

    def refs(prop: str, path: str) -> Options | None:
        if "/values/" in f"/{path}/" or path.startswith("values"):
            return None     # keys of create_record / update_related values belong to another object
        choices = table.get(prop)
        return list(choices) if choices is not None else None
    return refs


def editor_context(document: Mapping[str, Any], object_name: str, lang: str,
                   hidden: frozenset[str] = frozenset()) -> EditorContext:
    fields = draft_fields(document, object_name) or {} if object_name else {}
    types = {name: getattr(spec, "type", spec) for name, spec in fields.items() if "." not in name}
    types = {name: t for name, t in types.items() if t in EXPRESSION_TYPES}   # what the live check accepts
    return EditorContext(object_name=object_name, label=property_label, variant_label=variant_label,
                         refs=references(document, object_name, lang), expects=EXPECTS, hidden=hidden,
                         field_types=types, on_object=lambda name: editor_context(document, name, lang, hidden))
