"""The generic, schema-driven editor: one item of the document (a rule, a pipeline, an approval
process...) becomes a tree of :class:`Widget` objects from its JSON Schema, the template renders the
tree as nested fieldsets, and :func:`parse` turns the posted form back into JSON.

Objects become fieldsets, arrays repeatable rows (add / remove / move up / move down are submit
buttons, so they work without JavaScript), enums selects, booleans checkboxes, labels a zh-CN and an
en input, expressions the live-checked ``expr_input``, references to fields, stages, processes...
selects filled from the draft (:class:`EditorContext.refs`). A map whose schema node carries
``"x-keys": "<property>"`` (added by a section's configuration, not in the document schema) takes its
keys from the same references; entries keyed by an object are edited on that object. Pure: no Flask,
no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from builder.designer import logic_schema as ls
from builder.designer.logic_schema import Shape

MISSING: Any = object()
Options = list[tuple[str, str]]


@dataclass
class EditorContext:
    """What the editor of one section knows beyond the schema."""

    object_name: str = ""                                   # the object expressions run on
    label: Callable[[str], str] = str                       # property name -> localized label
    variant_label: Callable[..., str] = lambda value, prop="": value   # (enum value, property) -> localized label
    refs: Callable[[str, str], Options | None] = lambda _prop, _path: None   # (property, path) -> choices
    expects: Mapping[str, str] = field(default_factory=dict)          # property -> expected type
    hidden: frozenset[str] = frozenset()                    # properties the page does not show
    true_by_default: frozenset[str] = frozenset({"active"})
    field_types: Mapping[str, str] = field(default_factory=dict)      # field -> expression type (set_field)
    # the context of a map entry whose key names an object (``"x-keys": "object"``): its
    # expressions and field references are on that object
    on_object: Callable[[str], "EditorContext"] | None = None


@dataclass
class Widget:
    kind: str                       # group | repeat | map | multi | label | expr | select | checkbox | number | text
    path: str                       # JSON pointer relative to the item ("" = the item), for diagnostics
    name: str                       # the form field name (``v/...``)
    label: str
    value: Any = None
    options: Options = field(default_factory=list)
    children: list["Widget"] = field(default_factory=list)
    required: bool = False
    expect: str = ""
    object: str = ""
    variants: Options = field(default_factory=list)          # repeat: what a new row may be
    key: str | None = None                                  # map rows: the key
    key_select: bool = False        # map: keys are chosen from ``options`` (``"x-keys"`` in the schema node)
    key_label: str = ""             # map: what a key is ("Object", "Field"; blank: a key)
    integer: bool = False
    present: bool = False           # repeat / multi / map / checkbox: the value exists (kept as written)
    refresh: bool = False           # a discriminator: changing it re-renders the form (with JS)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + (re.sub(r"[^A-Za-z0-9_-]", "-", self.name[2:]) or "item")

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _join(base: str, part: Any) -> str:
    part = str(part).replace("~", "~0").replace("/", "~1")
    return f"{base}/{part}" if base else part


def build(shape: Shape, value: Any, ctx: EditorContext, *, path: str = "", name: str = "v", prop: str = "",
          label: str = "", required: bool = False, expect: str = "") -> Widget:
    """The widget tree for ``value`` of ``shape``."""
    label = label or (ctx.label(prop) if prop else "")
    kind = shape.kind
    if kind == ls.OBJECT:
        value = value if isinstance(value, dict) else {}
        w = Widget("group", path, name, label, required=required)
        props = shape.properties(value)
        needed = shape.required(value)
        disc = shape.discriminator()
        order = ([disc] if disc else []) + [p for p in props if p != disc]
        for p in order:
            if p in ctx.hidden:
                continue
            typed = ctx.field_types.get(value.get("field"), "") if p == "value" and value.get("type") == "set_field" \
                else ""      # a set_field value must suit the field it sets
            child = build(props[p], value.get(p), ctx, path=_join(path, p), name=f"{name}/{p}", prop=p,
                          required=p in needed, expect=typed)
            child.refresh = p == disc or p == "object"   # new fields / references to show
            w.children.append(child)
        return w
    if kind == ls.ARRAY:
        items = value if isinstance(value, list) else []
        choices = ctx.refs(prop, path) if shape.items.kind in (ls.STRING, ls.ENUM, ls.INTEGER) else None
        if shape.unique_enum_items or choices is not None:
            options = choices if choices is not None else [(str(o), ctx.variant_label(str(o)))
                                                           for o in shape.items.options]
            known = {v for v, _ in options}
            options += [(str(v), f"{v} (?)") for v in items if str(v) not in known]
            return Widget("multi", path, name, label, value=[str(v) for v in items], options=options,
                          required=required, present=isinstance(value, list))
        w = Widget("repeat", path, name, label, required=required, present=isinstance(value, list))
        item_shape = shape.items
        if item_shape.kind == ls.OBJECT and item_shape.discriminator():
            w.variants = [(str(v), ctx.variant_label(str(v))) for v in item_shape.variants()]
        for i, item in enumerate(items):
            w.children.append(build(item_shape, item, ctx, path=_join(path, i), name=f"{name}/{i}", prop=prop,
                                    label=f"{label} {i + 1}"))
        return w
    if kind == ls.MAP:
        entries = list(value.items()) if isinstance(value, dict) else []
        w = Widget("map", path, name, label, required=required, present=isinstance(value, dict))
        refers = shape.node.get("x-keys")       # what the keys name (a ``refs`` property: object, field...)
        key_choices = ctx.refs(refers, path) if isinstance(refers, str) else None
        if key_choices is not None:
            w.key_select, w.key_label = True, ctx.label(refers)
            known = {v for v, _ in key_choices}
            w.options = [*key_choices, *((k, f"{k} (?)") for k, _v in entries if k not in known)]
        for i, (k, v) in enumerate([*entries, ("", None)]):   # one empty row to add an entry
            entry_ctx = ctx.on_object(k) if refers == "object" and k and ctx.on_object else ctx
            row = build(shape.values, v, entry_ctx, path=_join(path, k) if k else f"{path}/@new",
                        name=f"{name}/@{i}/@v", prop=prop, label=f"{label}: {k}" if k and label else k or label)
            row.key = k
            w.children.append(row)
        return w
    if kind == ls.LABEL:
        value = value if isinstance(value, dict) else ({"zh-CN": value} if isinstance(value, str) else {})
        return Widget("label", path, name, label, value=value, required=required)
    if kind in (ls.EXPR, ls.VALUE):
        text = "" if value is None else ("TRUE" if value is True else "FALSE" if value is False else str(value))
        return Widget("expr", path, name, label, value=text, required=required, expect=expect or ctx.expects.get(prop, ""),
                      object=ctx.object_name)
    if kind == ls.ENUM:
        options = [(_enum_text(o), ctx.variant_label(_enum_text(o), prop)) for o in shape.options]
        return Widget("select", path, name, label, value=_enum_text(value) if value is not None else "",
                      options=_with_current(options, value), required=required)
    if kind == ls.BOOLEAN:
        checked = value if isinstance(value, bool) else prop in ctx.true_by_default
        return Widget("checkbox", path, name, label, value=checked, present=isinstance(value, bool))
    if kind in (ls.NUMBER, ls.INTEGER):
        return Widget("number", path, name, label, value="" if value is None else str(value), required=required,
                      integer=kind == ls.INTEGER)
    choices = ctx.refs(prop, path)
    if choices is not None:
        return Widget("select", path, name, label, value="" if value is None else str(value),
                      options=_with_current(list(choices), value), required=required)
    return Widget("text", path, name, label, value="" if value is None else str(value), required=required)


def _enum_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _with_current(options: Options, value: Any) -> Options:
    """Keep a value the choices do not know (a typo, a deleted field) visible, so saving loses nothing."""
    text = _enum_text(value)
    if text and text not in {v for v, _ in options}:
        return [*options, (text, f"{text} (?)")]
    return options


# -- parsing the posted form -------------------------------------------------------------------


def parse(shape: Shape, form: Any, ctx: EditorContext, name: str = "v", prop: str = "") -> Any:
    """The JSON value the form posts under ``name`` (``MISSING`` when left empty). ``form`` is a
    MultiDict (``.get``, ``.getlist``, iteration over keys)."""
    kind = shape.kind
    if kind == ls.OBJECT:
        out: dict[str, Any] = {}
        disc = shape.discriminator()
        if disc:
            chosen = (form.get(f"{name}/{disc}") or "").strip()
            if chosen:
                out[disc] = chosen
        for p, sub in shape.properties(out).items():
            if p == disc or p in ctx.hidden:
                continue
            v = parse(sub, form, ctx, f"{name}/{p}", p)
            if v is not MISSING:
                out[p] = v
        return out if out else MISSING
    if kind == ls.ARRAY:
        if f"{name}/@multi" in form:
            chosen: list[Any] = [v for v in form.getlist(name) if v]
            if shape.items.kind == ls.INTEGER:      # kept as typed when not a number: refused beside the input
                chosen = [int(v) if re.fullmatch(r"-?\d{1,15}", v) else v for v in chosen]
            known = [o for o in shape.items.options] if shape.items.kind == ls.ENUM else None
            if known is not None:
                chosen = [o for o in known if _enum_text(o) in chosen] + [v for v in chosen if v not in
                                                                          {_enum_text(o) for o in known}]
            return chosen or ([] if f"{name}/@present" in form else MISSING)
        rows = []
        for i in _indices(form, name, r"(\d+)"):
            v = parse(shape.items, form, ctx, f"{name}/{i}", prop)
            if v is not MISSING:
                rows.append(v)
        return rows or ([] if f"{name}/@present" in form else MISSING)
    if kind == ls.MAP:
        result: dict[str, Any] = {}
        for i in _indices(form, name, r"@(\d+)"):
            key = (form.get(f"{name}/@{i}/@key") or "").strip()
            v = parse(shape.values, form, ctx, f"{name}/@{i}/@v", prop)
            if key and v is not MISSING:
                result[key] = v
            elif key:
                result[key] = {} if shape.values.kind in (ls.OBJECT, ls.MAP) else ""
        return result or ({} if f"{name}/@present" in form else MISSING)
    if kind == ls.LABEL:
        label = {lang: (form.get(f"{name}/{lang}") or "").strip() for lang in ("zh-CN", "en")}
        label = {k: v for k, v in label.items() if v}
        return label or MISSING
    raw = form.get(name)
    if kind == ls.BOOLEAN:
        if f"{name}/@bool" not in form:
            return MISSING
        checked = raw is not None
        if form.get(f"{name}/@bool") == "kept":     # the document held a value: keep it written
            return checked
        return MISSING if checked == (prop in ctx.true_by_default) else checked
    text = (raw or "").strip()
    if not text:
        return MISSING
    if kind == ls.ENUM:
        for option in shape.options:
            if _enum_text(option) == text:
                return option
        return text
    if kind in (ls.NUMBER, ls.INTEGER):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text            # kept as typed: the schema's diagnostic appears beside the input
        if not number.is_finite() or number.adjusted() > 15:
            return text            # not a number the document can hold: refused beside the input
        return int(number) if number == number.to_integral_value() else float(number)
    if kind in (ls.EXPR, ls.VALUE):
        return (raw or "").strip("\n")
    return text


def _indices(form: Any, name: str, pattern: str) -> list[int]:
    rx = re.compile(re.escape(name) + "/" + pattern + r"(?:/|$)")
    found = {int(m.group(1)) for key in form for m in [rx.match(key)] if m}
    return sorted(found)


# -- row operations (add / remove / move), applied to the parsed value ---------------------------


def apply_op(value: dict[str, Any], op: str, shape: Shape, new_variant: str | None = None) -> dict[str, Any]:
    """``add:<path>``, ``remove:<path>/<i>``, ``up:<path>/<i>``, ``down:<path>/<i>`` on ``value``;
    paths are JSON pointers relative to the item. Unknown or stale operations change nothing."""
    verb, _sep, path = op.partition(":")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")] if path else []
    if verb == "add":
        if not parts or _shape_at(shape, parts).kind != ls.ARRAY:
            return value
        container, last = _container(value, shape, parts, create=True)
        if container is None:
            return value
        target = container.setdefault(last, []) if isinstance(container, dict) else None
        if not isinstance(target, list):
            return value
        item_shape = _shape_at(shape, parts).items
        target.append(_new_item(item_shape, new_variant))
        return value
    if verb in ("remove", "up", "down") and len(parts) >= 2 and parts[-1].isdigit():
        container, last = _container(value, shape, parts[:-1], create=False)
        rows = container.get(last) if isinstance(container, dict) else None
        i = int(parts[-1])
        if not isinstance(rows, list) or not 0 <= i < len(rows):
            return value
        if verb == "remove":
            rows.pop(i)
            if not rows:
                container.pop(last)
        elif verb == "up" and i > 0:
            rows[i - 1], rows[i] = rows[i], rows[i - 1]
        elif verb == "down" and i < len(rows) - 1:
            rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return value


def _new_item(item_shape: Shape, variant: str | None) -> Any:
    if item_shape.kind == ls.OBJECT:
        key = item_shape.discriminator()
        if key:
            variants = item_shape.variants()
            return {key: variant if variant in variants else variants[0]}
        return {}
    return ""


def _shape_at(shape: Shape, parts: list[str]) -> Shape:
    current = shape
    for p in parts:
        if current.kind == ls.ARRAY:
            current = current.items
        elif current.kind == ls.MAP:
            current = current.values
        else:
            current = current.properties().get(p) or _any_variant_property(current, p)
    return current


def _any_variant_property(shape: Shape, name: str) -> Shape:
    for variant in shape.variants():
        found = shape.properties({shape.discriminator(): variant}).get(name)
        if found is not None:
            return found
    return ls.shape({})


def _container(value: Any, shape: Shape, parts: list[str], *, create: bool) -> tuple[Any, str | None]:
    """The dict holding the last part of ``parts`` (made on the way when ``create``)."""
    if not parts:
        return None, None
    node = value
    for p in parts[:-1]:
        if isinstance(node, list):
            if not p.isdigit() or int(p) >= len(node):
                return None, None
            node = node[int(p)]
        elif isinstance(node, dict):
            if p not in node:
                if not create:
                    return None, None
                node[p] = {}
            node = node[p]
        else:
            return None, None
    return (node, parts[-1]) if isinstance(node, dict) else (None, None)


# -- diagnostics beside their inputs ------------------------------------------------------------


def attach(root: Widget, problems: list[dict[str, Any]]) -> None:
    """Give each problem (``{"path": relative pointer, ...}``) to the widget whose path is its
    longest prefix, so a message sits beside the input it is about (or its fieldset)."""
    widgets = list(root.walk())
    for problem in problems:
        rel = problem["path"]
        best = root
        for w in widgets:
            if w.path and (rel == w.path or rel.startswith(w.path + "/")) and len(w.path) > len(best.path):
                best = w
        best.problems.append(problem)


def caret(source: str, span: Mapping[str, int] | None) -> str:
    """The expression's line with a caret under the span (for a diagnostic beside its input)."""
    if not span or not isinstance(source, str):
        return ""
    lines = source.split("\n")
    line_no, col = span.get("line", 1), span.get("column", 1)
    if not 1 <= line_no <= len(lines):
        return ""
    width = max(1, span.get("end_column", col + 1) - col) if span.get("end_line", line_no) == line_no else 1
    return lines[line_no - 1] + "\n" + " " * (col - 1) + "^" * width
