"""What a public form page shows: the widgets (the generated UI's FormField, so the same widget
macro renders them), the values typed so far and the errors beside each field. Pure."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from runtime.public_forms.definition import PublicForm
from runtime.ui.forms import WIDGETS, FieldState, FormField, raw_value


def required_fields(form: PublicForm, channel: str | None) -> set[str]:
    names = {i.field for i in form.items if i.required}
    names |= {f.name for f in form.object.fields.values() if f.required}
    names |= set(form.required_by_channel.get(channel or "", ()))
    return names


def build_fields(form: PublicForm, values: Mapping[str, Any], errors: Mapping[str, list[str]], *,
                 channel: str | None, label: Callable[[Any], str], tz: dt.tzinfo) -> list[FormField]:
    """One widget per visible item holding ``values`` (raw strings as typed, or Python defaults)."""
    required = required_fields(form, channel)
    out = []
    for item in form.visible_items:
        f = form.object.fields[item.field]
        value = values.get(item.field)
        if not isinstance(value, (str, list)):
            value = raw_value(f, value, tz)
        out.append(FormField(
            name=f.name, label=label(item.label) or f.name, widget=WIDGETS.get(f.type, "text"), value=value,
            state=FieldState(required=f.name in required), errors=tuple(errors.get(f.name, ())),
            options=tuple((o.value, label(o.label) or o.value) for o in f.options if o.active),
            help=label(item.help) if item.help else "",
            placeholder=label(f.placeholder) if f.placeholder else ""))
    return out


def other_errors(form: PublicForm, errors: Mapping[str, list[str]], label: Callable[[Any], str]) -> list[str]:
    """Errors of fields the page does not show (e.g. a required field missing from the form)."""
    shown = {i.field for i in form.visible_items}
    out = []
    for name, messages in errors.items():
        if name in shown:
            continue
        f = form.object.fields.get(name)
        title = label(f.label) if f is not None else name
        out.extend(f"{title or name}: {m}" for m in messages)
    return out
