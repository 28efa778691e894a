"""The field editor's form, both ways: a field definition as flat input values, and the posted
inputs back as a definition with every problem keyed by its input. Pure (no Flask, no I/O), so
the type-specific rules are unit-testable; the options each type takes follow
schema_store/schema_source.py ``field()``."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from schema_store.schema_source import COMPUTED_TYPES, FIELD_TYPES, NUMERIC_TYPES, TEXT_TYPES

Gettext = Callable[..., str]
NOT_COMPUTED = tuple(t for t in FIELD_TYPES if t not in COMPUTED_TYPES)
# input -> the field types it applies to
APPLIES: dict[str, tuple[str, ...]] = {
    "required": NOT_COMPUTED, "required_when": NOT_COMPUTED,
    "default": tuple(t for t in NOT_COMPUTED if t != "file"),
    "unique": ("text", "email", "phone", "url", *NUMERIC_TYPES, "autonumber", "date", "datetime"),
    "max_length": tuple(TEXT_TYPES), "min": tuple(NUMERIC_TYPES), "max": tuple(NUMERIC_TYPES),
    "scale": (*NUMERIC_TYPES, "formula"), "options": ("picklist", "multi_picklist"),
    "target": ("lookup",), "on_delete": ("lookup", "user"), "accept": ("file",), "max_size_mb": ("file",),
    "multiple": ("file",), "expression": ("formula",), "format": ("autonumber",),
    "rollup_object": ("rollup",), "rollup_lookup": ("rollup",), "rollup_function": ("rollup",),
    "rollup_field": ("rollup",), "rollup_filter": ("rollup",),
}
ROLLUP_KEYS = {"rollup_object": "object", "rollup_lookup": "lookup", "rollup_function": "function",
               "rollup_field": "field", "rollup_filter": "filter"}
EXPRESSIONS = ("required_when", "visible_when", "readonly_when", "default", "expression", "rollup_filter")
MANAGED = {"label", "help", "visible_when", "readonly_when", *APPLIES, *ROLLUP_KEYS.values()}
KEPT_ONLY_FOR = {"placeholder": tuple(TEXT_TYPES), "related_label": ("lookup",)}
ACCEPT = re.compile(r"^(\.[A-Za-z0-9]{1,16}|[a-z]+/([a-z0-9.+-]+|\*))$")
BLANK_OPTION_ROWS = 3


def applies(name: str, field_type: str) -> bool:
    return field_type in APPLIES.get(name, FIELD_TYPES)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return ""
    return str(value)


def label_inputs(label: Any, prefix: str, sep: str = "_") -> dict[str, str]:
    """A label as its two inputs, ``{prefix}_zh`` and ``{prefix}_en`` (a plain string counts as zh-CN)."""
    if isinstance(label, str):
        return {f"{prefix}{sep}zh": label, f"{prefix}{sep}en": ""}
    label = label if isinstance(label, Mapping) else {}
    return {f"{prefix}{sep}zh": label.get("zh-CN", ""), f"{prefix}{sep}en": label.get("en", "")}


def inputs(name: str, field: Mapping[str, Any]) -> dict[str, Any]:
    """Flat input values (``name`` -> string) for the field editor."""
    out: dict[str, Any] = {"name": name, "type": _text(field.get("type", "text")),
                           **label_inputs(field.get("label"), "label"), **label_inputs(field.get("help"), "help")}
    for key in ("required_when", "visible_when", "readonly_when", "default", "max_length", "min", "max", "scale",
                "target", "on_delete", "max_size_mb", "expression", "format"):
        if key in field:
            out[key] = _text(field[key])
    for key in ("required", "unique", "multiple"):
        out[key] = "1" if field.get(key) else ""
    accept = field.get("accept")
    out["accept"] = ", ".join(str(a) for a in accept) if isinstance(accept, list) else _text(accept)
    for input_name, key in ROLLUP_KEYS.items():
        if key in field and field.get("type") == "rollup":
            out[input_name] = _text(field[key])
    options = field.get("options")
    for i, option in enumerate(options if isinstance(options, list) else ()):
        option = option if isinstance(option, Mapping) else {"value": _text(option)}
        out.update({f"opt-{i}-value": option.get("value", ""), f"opt-{i}-pos": str(i + 1),
                    f"opt-{i}-active": "" if option.get("active") is False else "1",
                    **label_inputs(option.get("label"), f"opt-{i}", "-")})
    return out


def option_rows(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The option rows to show: every row present in ``values`` plus a few blank ones to add."""
    indexes = sorted({int(m.group(1)) for k in values if (m := re.match(r"^opt-(\d{1,4})-", k))})
    rows = [{"i": i, "value": values.get(f"opt-{i}-value", ""), "zh": values.get(f"opt-{i}-zh", ""),
             "en": values.get(f"opt-{i}-en", ""), "active": bool(values.get(f"opt-{i}-active")),
             "pos": values.get(f"opt-{i}-pos", "")} for i in indexes]
    start = (indexes[-1] + 1) if indexes else 0
    rows += [{"i": i, "value": "", "zh": "", "en": "", "active": True, "pos": ""}
             for i in range(start, start + BLANK_OPTION_ROWS)]
    return rows


def _number(text: str, integer: bool = False) -> int | float | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or (integer and value != value.to_integral_value()):
        raise ValueError
    return int(value) if value == value.to_integral_value() else float(value)


def parse(form: Mapping[str, Any], existing: Mapping[str, Any] | None, _: Gettext
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted inputs as a field definition, and the problems by input name."""
    errors: dict[str, str] = {}
    ftype = (form.get("type") or "").strip()
    if ftype not in FIELD_TYPES:
        return {}, {"type": _("Choose a field type.")}
    field: dict[str, Any] = {k: v for k, v in (existing or {}).items()
                             if k not in MANAGED and k != "type" and ftype in KEPT_ONLY_FOR.get(k, FIELD_TYPES)}
    field["type"] = ftype
    for key, prefix in (("label", "label"), ("help", "help")):
        label = {lang: (form.get(f"{prefix}_{short}") or "").strip()[:2000]
                 for short, lang in (("zh", "zh-CN"), ("en", "en"))}
        label = {k: v for k, v in label.items() if v}
        if label:
            field[key] = label
    for name in EXPRESSIONS:
        text = (form.get(name) or "").strip()
        if text and applies(name, ftype):
            field[ROLLUP_KEYS.get(name, name)] = text
    for name in ("required", "unique", "multiple"):
        if form.get(name) and applies(name, ftype):
            field[name] = True
    numbers = {"max_length": (True, 1, 100000), "min": (False, None, None), "max": (False, None, None),
               "scale": (True, 0, 10), "max_size_mb": (False, 0, 2048)}
    for name, (integer, low, high) in numbers.items():
        text = (form.get(name) or "").strip()
        if not text or not applies(name, ftype):
            continue
        try:
            value = _number(text, integer)
        except ValueError:
            errors[name] = _("Enter a whole number.") if integer else _("Enter a number.")
            continue
        if (low is not None and (value < low or (name == "max_size_mb" and value <= low))) or \
                (high is not None and value > high):
            errors[name] = _("Enter a number between %(low)s and %(high)s.", low=low, high=high)
            continue
        field[name] = value
    if "min" in field and "max" in field and field["min"] > field["max"]:
        errors["max"] = _("The maximum is below the minimum.")
    for name in ("target", "on_delete", "format", "rollup_object", "rollup_lookup", "rollup_function",
                 "rollup_field"):
        text = (form.get(name) or "").strip()
        if text and applies(name, ftype):
            field[ROLLUP_KEYS.get(name, name)] = text
    if ftype == "lookup" and not field.get("target"):
        errors["target"] = _("Choose the object this field points to.")
    if ftype == "formula" and not field.get("expression"):
        errors["expression"] = _("Write the formula.")
    if ftype == "autonumber" and not field.get("format"):
        errors["format"] = _("Give a format with {seq}, e.g. CK{YYYYMMDD}-{seq:4}.")
    if ftype == "rollup":
        for name, message in (("rollup_object", _("Choose the child object.")),
                              ("rollup_lookup", _("Name the child's lookup to this object.")),
                              ("rollup_function", _("Choose what to compute."))):
            if not field.get(ROLLUP_KEYS[name]):
                errors[name] = message
        if field.get("function") not in (None, "count") and not field.get("field"):
            errors["rollup_field"] = _("Choose the child field to compute over.")
    if ftype == "file":
        accept = [a for a in re.split(r"[\s,;]+", form.get("accept") or "") if a]
        bad = [a for a in accept if not ACCEPT.match(a)]
        if bad:
            errors["accept"] = _("Not a file type: %(items)s (use .pdf or image/*).", items=", ".join(bad))
        elif accept:
            field["accept"] = list(dict.fromkeys(accept))
    if applies("options", ftype):
        options, problem = _options(form, existing, _)
        if problem:
            errors["options"] = problem
        elif not options:
            errors["options"] = _("Give at least one option.")
        else:
            field["options"] = options
    return field, errors


def _options(form: Mapping[str, Any], existing: Mapping[str, Any] | None, _: Gettext
             ) -> tuple[list[dict[str, Any]], str | None]:
    options = (existing or {}).get("options")
    before = {o.get("value"): o for o in (options if isinstance(options, list) else ()) if isinstance(o, Mapping)}
    rows = []
    for row in option_rows(form):
        value = (row["value"] or "").strip()
        if not value:
            if (row["zh"] or "").strip() or (row["en"] or "").strip():
                return [], _("Option row %(n)s has a label but no value.", n=row["i"] + 1)
            continue
        if ";" in value:
            return [], _("Option values cannot contain ';' (%(value)s).", value=value)
        try:
            pos = _number(row["pos"], True) if (row["pos"] or "").strip() else None
        except ValueError:
            return [], _("The position of option '%(value)s' must be a whole number.", value=value)
        option: dict[str, Any] = {"value": value[:255]}
        label = {lang: (row[short] or "").strip() for short, lang in (("zh", "zh-CN"), ("en", "en"))}
        if any(label.values()):
            option["label"] = {k: v for k, v in label.items() if v}
        if before.get(value, {}).get("color"):
            option["color"] = before[value]["color"]
        if not row["active"]:
            option["active"] = False
        rows.append((pos if pos is not None else 10_000 + row["i"], row["i"], option))
    values = [o["value"] for _p, _i, o in rows]
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        return [], _("Option values must differ: %(values)s.", values=", ".join(dupes))
    return [o for _p, _i, o in sorted(rows, key=lambda r: (r[0], r[1]))], None
