"""Reading the document's JSON Schema (schema_store/document_schema.json) the way the designer's
generic editor needs it: what kind of input a schema node is, and which properties an object has
for the variant its discriminator names (``{"type": "notify"}`` has ``to`` and ``message``).

Pure: no Flask, no I/O beyond the cached schema file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from schema_store.document_schema import schema

Node = Mapping[str, Any]

# Kinds of leaf input a schema node becomes.
LABEL, EXPR, VALUE, ENUM, BOOLEAN, NUMBER, INTEGER, STRING = (
    "label", "expr", "value", "enum", "boolean", "number", "integer", "string")
OBJECT, ARRAY, MAP = "object", "array", "map"


@dataclass(frozen=True)
class Shape:
    """One schema node, resolved: its kind and the parts the editor needs."""

    kind: str
    node: Node
    ref: str = ""                       # the $defs name it came from ("label", "action"...)

    @property
    def options(self) -> list[Any]:
        return list(self.node.get("enum", []))

    @property
    def items(self) -> "Shape":
        return shape(self.node.get("items", {}))

    @property
    def values(self) -> "Shape":
        return shape(self.node.get("additionalProperties", {}))

    @property
    def unique_enum_items(self) -> bool:
        """An array of distinct enum values: a group of checkboxes."""
        return self.kind == ARRAY and self.items.kind == ENUM

    def discriminator(self) -> str | None:
        """The property whose value picks the variant (``type`` of an action, ``kind`` of a recipient)."""
        for check in self.node.get("allOf", []):
            cond = check.get("if", {}).get("properties", {})
            for name, spec in cond.items():
                if "const" in spec:
                    return name
        return None

    def variants(self) -> list[Any]:
        key = self.discriminator()
        return list(self.node["properties"][key].get("enum", [])) if key else []

    def properties(self, value: Any = None) -> dict[str, "Shape"]:
        """The object's properties (in schema order) for the variant ``value`` is of."""
        props = self.node.get("properties", {})
        out = {name: shape(spec) for name, spec in props.items() if spec != {}}
        key = self.discriminator()
        if key is None:
            return out
        chosen = value.get(key) if isinstance(value, Mapping) else None
        if chosen not in self.variants():
            chosen = self.variants()[0] if self.variants() else None
        for check in self.node.get("allOf", []):
            if check.get("if", {}).get("properties", {}).get(key, {}).get("const") == chosen:
                for name, spec in check.get("then", {}).get("properties", {}).items():
                    if spec.get("$ref") != "#/$defs/notForThisType":
                        out[name] = shape(spec)
        return out

    def required(self, value: Any = None) -> set[str]:
        out = set(self.node.get("required", []))
        key = self.discriminator()
        if key and isinstance(value, Mapping):
            for check in self.node.get("allOf", []):
                if check.get("if", {}).get("properties", {}).get(key, {}).get("const") == value.get(key):
                    out |= set(check.get("then", {}).get("required", []))
        return out


def shape(node: Node) -> Shape:
    """Resolve ``$ref`` and classify."""
    ref = ""
    while "$ref" in node:
        ref = str(node["$ref"]).rsplit("/", 1)[-1]
        node = schema()["$defs"][ref]
    if ref == "label":
        return Shape(LABEL, node, ref)
    if ref == "expression":
        return Shape(EXPR, node, ref)
    kind = node.get("type")
    if isinstance(kind, list):
        return Shape(VALUE, node, ref)
    if "enum" in node:
        return Shape(ENUM, node, ref)
    if kind == "object":
        if "properties" in node:
            return Shape(OBJECT, node, ref)
        return Shape(MAP, node, ref)
    if kind == "array":
        return Shape(ARRAY, node, ref)
    if kind in (BOOLEAN, NUMBER, INTEGER):
        return Shape(kind, node, ref)
    return Shape(STRING, node, ref)


def at(*path: str) -> Shape:
    """The shape at a path of property names from the document root (``"$defs"`` names allowed):
    ``at("$defs", "pipeline")``, ``at("approvals")`` (a map: its values' shape is ``.values``)."""
    if path and path[0] == "$defs":
        node: Node = schema()["$defs"][path[1]]
        rest = path[2:]
    else:
        node, rest = schema(), path
    current = shape(node)
    for name in rest:
        current = current.properties().get(name) or shape({})
    return current
