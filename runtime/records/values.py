"""Typed values: marshmallow schemas generated from an object's fields coerce the caller's input;
helpers turn values into columns and rows into JSON.

Inside the runtime a record is a dict of Python values: Decimal numbers, ``date``, aware
``datetime``, ``str``, ``bool``, ``int`` ids, a tuple of option values for multi-picklists, a tuple
of file ids for file fields, and ``None`` for blank.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Mapping

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields as mf
from marshmallow import validate as mv

from schema_store.model import FieldDef, ObjectDef

COMPUTED = ("formula", "rollup", "autonumber")


def _messages() -> dict[str, str]:
    return {"required": _("This field is required."), "null": _("This field is required."),
            "invalid": _("Not a valid value.")}


def _typed_messages(kind: str) -> dict[str, str]:
    text = {
        "number": _("Enter a number."),
        "date": _("Enter a date such as 2026-03-01."),
        "datetime": _("Enter a date and time such as 2026-03-01T09:30."),
        "boolean": _("Choose yes or no."),
        "integer": _("Choose an existing record."),
        "list": _("Choose from the list."),
        "email": _("Enter a valid email address."),
        "url": _("Enter a valid web address (https://...)."),
        "string": _("Enter text."),
    }[kind]
    return {**_messages(), "invalid": text, "special": text, "too_large": text, "not_a_date": text}


class BlankAware(ma.Schema):
    """Empty strings mean blank for every non-text field (HTML forms send them)."""

    class Meta:
        unknown = ma.RAISE

    text_fields: frozenset[str] = frozenset()

    @ma.pre_load
    def _blank(self, data, **_kw):
        if not isinstance(data, Mapping):
            return data
        return {k: (None if v == "" and k not in self.text_fields else v) for k, v in data.items()}


class MultiPicklist(mf.List):
    """A list of option values; a ``;``-separated string is accepted too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [v for v in value.split(";") if v]
        return tuple(super()._deserialize(value, attr, data, **kwargs))


class FileIds(mf.List):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, str)):
            value = [value]
        return tuple(super()._deserialize(value, attr, data, **kwargs))


def _field(f: FieldDef, tz: dt.tzinfo) -> mf.Field:
    kw: dict[str, Any] = {"allow_none": True, "data_key": f.name}
    validators: list[Any] = []
    t = f.type
    if t in ("number", "currency", "percent"):
        if f.min is not None or f.max is not None:
            validators.append(mv.Range(min=f.min, max=f.max, error=_("Enter a number between %(min)s and %(max)s.",
                                       min="-∞" if f.min is None else f.min, max="∞" if f.max is None else f.max)))
        limit = Decimal(10) ** (14 if t == "currency" else 28)  # the column's precision: Numeric(18,4) / (38,10)
        validators.append(mv.Range(min=-limit, max=limit, min_inclusive=False, max_inclusive=False,
                                   error=_("Enter a number between %(min)s and %(max)s.", min=-limit, max=limit)))
        return mf.Decimal(validate=validators, error_messages=_typed_messages("number"), **kw)
    if t == "boolean":
        return mf.Boolean(error_messages=_typed_messages("boolean"), **kw)
    if t == "date":
        return mf.Date(error_messages=_typed_messages("date"), **kw)
    if t == "datetime":
        return mf.AwareDateTime(default_timezone=tz, error_messages=_typed_messages("datetime"), **kw)
    if t == "picklist":
        choices = [o.value for o in f.options if o.active]
        return mf.String(validate=mv.OneOf(choices, error=_("Choose one of: %(choices)s", choices=", ".join(choices))),
                         error_messages=_typed_messages("string"), **kw)
    if t == "multi_picklist":
        choices = [o.value for o in f.options if o.active]
        inner = mf.String(validate=mv.OneOf(choices, error=_("Choose one of: %(choices)s", choices=", ".join(choices))))
        return MultiPicklist(inner, error_messages=_typed_messages("list"), **kw)
    if t in ("lookup", "user"):
        return mf.Integer(strict=False, validate=mv.Range(min=1, max=2**31 - 1, error=_("Choose an existing record.")),
                          error_messages=_typed_messages("integer"), **kw)  # ids are 32-bit
    if t == "file":
        return FileIds(mf.Integer(strict=False), error_messages=_typed_messages("list"), **kw)
    if f.max_length:
        validators.append(mv.Length(max=f.max_length, error=_("At most %(n)s characters.", n=f.max_length)))
    validators.append(mv.Regexp(r"^[^\x00]*$", error=_("Enter text.")))  # PostgreSQL text cannot hold NUL
    if t == "email":
        return mf.Email(validate=validators, error_messages=_typed_messages("email"), **kw)
    if t == "url":
        return mf.Url(validate=validators, error_messages=_typed_messages("url"), **kw)
    return mf.String(validate=validators, error_messages=_typed_messages("string"), **kw)


def input_schema(obj: ObjectDef, tz: dt.tzinfo) -> ma.Schema:
    """A marshmallow schema for the writable fields of ``obj`` (messages in the current language)."""
    declared = {f.name: _field(f, tz) for f in obj.fields.values() if f.type not in COMPUTED}
    text = frozenset(f.name for f in obj.fields.values()
                     if f.type in ("text", "textarea", "phone", "email", "url"))
    cls = type(f"{obj.name}_input", (BlankAware,), {**declared, "text_fields": text})
    return cls()


def coerce(schema: ma.Schema, obj: ObjectDef, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Coerce caller input; returns ``(values, errors)`` with every problem keyed by field."""
    errors: dict[str, list[str]] = {}
    payload = {}
    for key, value in data.items():
        f = obj.fields.get(key)
        if f is not None and f.type in COMPUTED:
            errors.setdefault(key, []).append(_("This field is computed and cannot be set."))
        elif f is None:
            errors.setdefault(key, []).append(_("Unknown field."))
        else:
            payload[key] = value
    try:
        values = schema.load(payload, partial=True)
    except ma.ValidationError as exc:
        for key, msgs in exc.normalized_messages().items():
            errors.setdefault(key, []).extend(_flatten(msgs))
        values = {k: v for k, v in (exc.valid_data or {}).items()}
    for key, value in list(values.items()):
        f = obj.fields[key]
        if isinstance(value, str) and f.type in ("text", "textarea", "phone", "email", "url"):
            value = value.strip() or None
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc)
        if isinstance(value, tuple) and f.type == "multi_picklist":
            order = [o.value for o in f.options]
            value = tuple(sorted(set(value), key=order.index)) or None
        values[key] = value
    return values, errors


def _flatten(msgs: Any) -> list[str]:
    if isinstance(msgs, str):
        return [msgs]
    if isinstance(msgs, dict):
        return [m for v in msgs.values() for m in _flatten(v)]
    return [m for v in msgs for m in _flatten(v)]


def to_column(f: FieldDef, value: Any) -> Any:
    """A runtime value as its column value."""
    if value is None:
        return None
    if f.type == "multi_picklist" or (f.formula is not None and f.expr_type == "multi_picklist"):
        return ";" + ";".join(value) + ";" if value else None
    if f.type == "file":
        return json.dumps(list(value)) if value else None
    return value


def from_column(f: FieldDef, value: Any) -> Any:
    """A column value as its runtime value."""
    if value is None:
        return None
    if f.type == "multi_picklist" or f.expr_type == "multi_picklist":
        return tuple(v for v in str(value).split(";") if v)
    if f.type == "file":
        return tuple(json.loads(value)) if isinstance(value, str) else tuple(value)
    if f.expr_type in ("number", "currency") and not isinstance(value, Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    if f.expr_type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def to_json(value: Any, tz: dt.tzinfo) -> Any:
    """A runtime value as JSON: numbers as numbers, dates ISO, date-times ISO in the app time zone."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(tz).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
