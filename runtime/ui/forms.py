"""Create/edit forms: one widget per field type, sections from the form layout, and the live
field state (visible / required / read-only) evaluated server-side with the compiled expressions.

``build_form(...)`` is pure and returns a :class:`Form` the ``runtime/_form_fields.html`` macro
renders; ``render_form`` renders it, so the designer's preview and the real form share one path.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

from schema_store.model import FieldDef, ObjectDef

WIDGETS = {"text": "text", "email": "email", "phone": "tel", "url": "url", "textarea": "textarea",
           "number": "number", "currency": "number", "percent": "number", "boolean": "boolean",
           "date": "date", "datetime": "datetime-local", "picklist": "select", "multi_picklist": "checkboxes",
           "lookup": "lookup", "user": "lookup", "file": "file"}
COMPUTED = ("formula", "rollup", "autonumber")


@dataclass(frozen=True)
class FieldState:
    visible: bool = True
    required: bool = False
    readonly: bool = False

    def to_json(self) -> dict[str, bool]:
        return {"visible": self.visible, "required": self.required, "readonly": self.readonly}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str
    value: Any                       # a string, or a list of strings (multi-select, files)
    state: FieldState
    errors: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    help: str = ""
    display: str = ""                # the lookup's title, the computed value
    accept: str = ""
    multiple: bool = False
    target: str | None = None
    placeholder: str = ""

    @property
    def html_id(self) -> str:
        return f"f-{self.name}"


@dataclass(frozen=True)
class FormSection:
    label: str
    columns: int
    fields: tuple[FormField, ...]
    visible: bool = True


@dataclass(frozen=True)
class Form:
    object: ObjectDef
    sections: tuple[FormSection, ...]
    rule_errors: tuple[str, ...] = ()

    @property
    def fields(self) -> list[FormField]:
        return [f for s in self.sections for f in s.fields]

    @property
    def first_error(self) -> str | None:
        return next((f.html_id for f in self.fields if f.errors), None)


def raw_value(f: FieldDef, value: Any, tz: dt.tzinfo) -> Any:
    """A runtime value as the string(s) an HTML widget holds."""
    if value is None:
        return [] if f.type in ("multi_picklist", "file") else ""
    if f.type in ("multi_picklist", "file"):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f").rstrip("0")
    return str(value)


def section_layout(obj: ObjectDef) -> list[tuple[int, dict[str, Any]]]:
    """``[(index, section)]`` from the form layout, or one section holding every field."""
    sections = list((obj.layouts.get("form") or {}).get("sections") or [])
    if not sections:
        return [(0, {"label": None, "columns": 2, "fields": list(obj.fields)})]
    return list(enumerate(sections))


def field_states(obj: ObjectDef, record: Mapping[str, Any], ctx: Any, can_edit: Callable[[str], bool]
                 ) -> dict[str, FieldState]:
    """Each field's state for the draft ``record`` (``ctx``: the expression context for it)."""
    def true(expr) -> bool:
        try:
            return bool(expr.evaluate(ctx))
        except Exception:  # noqa: BLE001 - an expression failing on a half-filled draft means "no"
            return False

    out = {}
    for f in obj.fields.values():
        out[f.name] = FieldState(
            visible=f.visible_when is None or true(f.visible_when),
            required=f.required or (f.required_when is not None and true(f.required_when)),
            readonly=f.computed or not can_edit(f.name) or (f.readonly_when is not None and true(f.readonly_when)))
    return out


def section_states(obj: ObjectDef, expression_at: Callable[[str], Any], ctx: Any) -> dict[int, bool]:
    out = {}
    for i, section in section_layout(obj):
        expr = expression_at(f"/objects/{obj.name}/layouts/form/sections/{i}/visible_when") \
            if section.get("visible_when") else None
        try:
            out[i] = expr is None or bool(expr.evaluate(ctx))
        except Exception:  # noqa: BLE001
            out[i] = False
    return out


def build_form(obj: ObjectDef, raw: Mapping[str, Any], errors: Mapping[str, list[str]], *,
               states: Mapping[str, FieldState], sections_visible: Mapping[int, bool],
               can_see: Callable[[str], bool], label: Callable[[Any], str],
               displays: Mapping[str, str] | None = None, rule_errors: tuple[str, ...] = ()) -> Form:
    """The form for ``obj`` holding the widget values ``raw`` and the ``errors`` to show by each field."""
    displays = displays or {}
    sections = []
    for i, section in section_layout(obj):
        fields = []
        for name in section.get("fields") or ():
            f = obj.fields.get(name)
            if f is None or not can_see(name):
                continue
            widget = "computed" if f.computed else WIDGETS.get(f.type, "text")
            fields.append(FormField(
                name=name, label=label(f.label) or name, widget=widget,
                value=raw.get(name, [] if f.type in ("multi_picklist", "file") else ""),
                state=states.get(name, FieldState()), errors=tuple(errors.get(name, ())),
                options=tuple((o.value, label(o.label) or o.value) for o in f.options if o.active
                              or o.value in (raw.get(name) or ())),
                help=label(f.help) if f.help else "", display=displays.get(name, ""),
                accept=",".join(f.accept), multiple=f.multiple, target=f.target,
                placeholder=label(f.placeholder) if f.placeholder else ""))
        sections.append(FormSection(label(section.get("label")) if section.get("label") else "",
                                    max(1, min(int(section.get("columns") or 1), 4)), tuple(fields),
                                    sections_visible.get(i, True)))
    return Form(obj, tuple(sections), rule_errors)


def form_data(obj: ObjectDef, form: Any, *, editable: Callable[[str], bool]) -> dict[str, Any]:
    """The submitted widgets (a MultiDict) as record input: strings, lists for multi-selects and
    files; only fields the user may edit."""
    data: dict[str, Any] = {}
    for f in obj.fields.values():
        if f.computed or not editable(f.name):
            continue
        if f.type == "multi_picklist":
            if f"{f.name}__present" in form:
                data[f.name] = [v for v in form.getlist(f.name) if v] or None
        elif f.type == "file":
            if f"{f.name}__present" in form:
                data[f.name] = [int(v) for v in form.getlist(f.name) if v.isdigit()] or None
        elif f.name in form:
            data[f.name] = form.get(f.name, "")
    return data


def raw_from_data(obj: ObjectDef, data: Mapping[str, Any]) -> dict[str, Any]:
    """Submitted input back as widget values (so nothing typed is lost on a failed submit)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        f = obj.fields.get(name)
        if f is None:
            continue
        if f.type in ("multi_picklist", "file"):
            out[name] = [str(v) for v in (value or [])]
        else:
            out[name] = "" if value is None else str(value)
    return out
