"""The JSON Schema (draft 2020-12) of the metadata document, and its errors as diagnostics.

``document_schema.json`` next to this module is the published contract (packs validate against it
with any JSON Schema tool); this module loads it once and turns jsonschema's errors into
:class:`~schema_store.diagnostics.Diagnostic` objects with JSON pointers and bilingual messages.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import jsonschema
from jsonschema.exceptions import ValidationError

from schema_store.diagnostics import Diagnostic, diag, pointer

SCHEMA_PATH = Path(__file__).with_name("document_schema.json")

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


@functools.cache
def schema() -> dict[str, Any]:
    """The document schema as loaded from disk (treat as read-only)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator(part: str = "") -> jsonschema.Draft202012Validator:
    """The validator of one ``$defs`` entry, or (``""``) of the document minus objects and rules,
    which are checked item by item so that an unchanged item is not checked again."""
    full = schema()
    if part:
        return jsonschema.Draft202012Validator({"$schema": full["$schema"], "$defs": full["$defs"],
                                                "$ref": f"#/$defs/{part}"})
    jsonschema.Draft202012Validator.check_schema(full)
    top = copy.deepcopy(full)
    top["properties"]["objects"]["additionalProperties"] = True
    top["properties"]["rules"]["items"] = True
    return jsonschema.Draft202012Validator(top)


def check_document(document: Any) -> list[Diagnostic]:
    """Every JSON Schema problem of ``document``, as diagnostics sorted by path."""
    if not isinstance(document, dict):
        return [diag("schema.not_object", "")]
    out = _diagnostics(_validator().iter_errors(document))
    objects = document.get("objects")
    items: list[tuple[str, str, Any]] = []
    if isinstance(objects, dict):
        items += [("object", pointer("objects", name), obj) for name, obj in objects.items()]
    if isinstance(document.get("rules"), list):
        items += [("rule", pointer("rules", i), rule) for i, rule in enumerate(document["rules"])]
    for part, base, value in items:
        try:
            key = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        except TypeError:   # not JSON (keys of mixed types): checked as it is
            found: Iterable[Diagnostic] = _diagnostics(_validator(part).iter_errors(value))
        else:
            found = _check_item(part, key)
        out.extend(dataclasses.replace(d, path=base + d.path) for d in found)
    out.sort(key=lambda d: (d.path, d.code))
    return out


@functools.lru_cache(maxsize=1024)
def _check_item(part: str, canonical: str) -> tuple[Diagnostic, ...]:
    """Problems of one object or rule (paths relative to it), memoized on its canonical JSON: the
    designer and publish re-check whole documents where usually one item changed."""
    return tuple(_diagnostics(_validator(part).iter_errors(json.loads(canonical))))


def _diagnostics(errors_iter: Iterator[ValidationError]) -> list[Diagnostic]:
    errors = list(errors_iter)
    discriminator_errors = {_path(e) for e in errors if e.path and e.path[-1] in ("type", "kind")}
    out: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()
    for err in errors:
        for d in _convert(err, discriminator_errors):
            key = (d.path, d.code, d.messages["en"])
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out


def _path(err: ValidationError) -> str:
    return pointer(*err.absolute_path)


def _convert(err: ValidationError, discriminator_errors: set[str]) -> Iterator[Diagnostic]:
    path = _path(err)
    kind = err.validator
    value = err.validator_value
    if kind == "required":
        for name in value:
            if isinstance(err.instance, dict) and name not in err.instance:
                yield diag("schema.required", path + pointer(name), name=name)
    elif kind in ("additionalProperties", "unevaluatedProperties"):
        if any(p in discriminator_errors for p in (path + "/type", path + "/kind")):
            return  # the wrong type/kind already explains why these properties are unexpected
        head = err.message.split(" unexpected)")[0]
        names = _QUOTED.findall(head.split("(", 1)[-1]) if "(" in head else []
        if not names and isinstance(err.instance, dict):
            names = list(err.instance)[:1]
        for name in names:
            yield diag("schema.unknown_property", path + pointer(name), name=name)
    elif kind == "propertyNames" or _from_property_names(err):
        yield from _name_problem(err, path)
    elif kind == "not" and value == {}:
        name = err.absolute_path[-1] if err.absolute_path else "?"
        yield diag("schema.not_for_type", path, name=name)
    elif kind == "not" and isinstance(err.instance, str):
        yield _reserved(err.instance, path)
    elif kind == "pattern" and _is_name_pattern(value):
        yield diag("schema.api_name", path, name=err.instance)
    elif kind == "pattern":
        yield diag("schema.pattern", path, value=_short(err.instance))
    elif kind == "type":
        expected = value if isinstance(value, str) else " or ".join(value)
        yield diag("schema.type", path, expected=expected)
    elif kind == "enum":
        yield diag("schema.enum", path, allowed=", ".join(_short(v) for v in value))
    elif kind == "const":
        yield diag("schema.const", path, allowed=_short(value))
    elif kind in ("minLength", "minItems", "minProperties"):
        yield diag("schema.too_short", path)
    elif kind in ("maxLength", "maxItems", "maxProperties"):
        yield diag("schema.too_long", path)
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        yield diag("schema.range", path, detail=f"must be {sign} {value}")
    elif kind == "uniqueItems":
        yield diag("schema.unique_items", path)
    elif kind == "oneOf":
        yield diag("schema.one_of", path, detail=_alternatives(value))
    else:
        yield diag("schema.invalid", path, detail=err.message[:200])


def _from_property_names(err: ValidationError) -> bool:
    return any(part == "propertyNames" for part in err.relative_schema_path)


def _name_problem(err: ValidationError, path: str) -> Iterator[Diagnostic]:
    """A bad key in a map (object or field name): point at the key itself."""
    name = err.instance if isinstance(err.instance, str) else None
    if name is None:
        yield diag("schema.invalid", path, detail=err.message[:200])
        return
    where = path + pointer(name)
    if err.validator == "not" or "not" in err.relative_schema_path:
        yield _reserved(name, where)
    elif err.validator == "enum":
        yield diag("schema.enum", where, allowed=", ".join(_short(v) for v in err.validator_value))
    else:
        yield diag("schema.api_name", where, name=name)


def _reserved(name: str, path: str) -> Diagnostic:
    from schema_store.names import reserved_reason

    why = reserved_reason(name, object_name=path.startswith("/objects/") and path.count("/") == 2)
    return diag("schema.reserved_word", path, name=name, why=why or "reserved")


def _is_name_pattern(pattern: Any) -> bool:
    return pattern == "^[a-z][a-z0-9_]{0,62}$"


def _alternatives(options: Any) -> str:
    names = [o["required"][0] for o in options if isinstance(o, dict) and o.get("required")]
    if len(names) == len(options) and names:
        return "give exactly one of: " + ", ".join(names)
    return "see docs/metadata.md"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
