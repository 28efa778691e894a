"""The validation rules editor's inputs, both ways: one row per rule (key, error condition,
message zh-CN / en, the field the message shows by, active, position, remove) plus a blank row to
add one. Pure; the shape follows ``$defs/validation`` of the document schema."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from builder.designer.field_form import label_inputs
from schema_store.names import API_NAME

Gettext = Callable[..., str]


def inputs(validations: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, rule in enumerate(validations if isinstance(validations, list) else []):
        if not isinstance(rule, Mapping):
            continue
        out.update({f"val-{i}-key": rule.get("key", ""), f"val-{i}-error_when": str(rule.get("error_when", "")),
                    f"val-{i}-field": rule.get("field", "") or "", f"val-{i}-pos": str(i + 1),
                    f"val-{i}-active": "" if rule.get("active") is False else "1",
                    **label_inputs(rule.get("message"), f"val-{i}-message", "_")})
    return out


def rows(values: Mapping[str, Any]) -> list[int]:
    """The row indexes to show: every row in ``values`` and one blank row to add a rule."""
    found = sorted({int(m.group(1)) for k in values if (m := re.match(r"^val-(\d{1,3})-", k))})
    return [*found, (found[-1] + 1) if found else 0]


def parse(values: Mapping[str, Any], field_names: list[str], _: Gettext
          ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    errors: dict[str, str] = {}
    out = []
    for i in rows(values):
        get = lambda name: (values.get(f"val-{i}-{name}") or "").strip()  # noqa: E731
        if values.get(f"val-{i}-remove") or not any(get(n) for n in ("key", "error_when", "message_zh",
                                                                         "message_en")):
            continue
        rule: dict[str, Any] = {"key": get("key"), "error_when": get("error_when")}
        if not API_NAME.match(rule["key"]):
            errors[f"val-{i}-key"] = _("Use lower-case ASCII letters, digits and '_', starting with a letter "
                                       "(at most 63).")
        if not rule["error_when"]:
            errors[f"val-{i}-error_when"] = _("Write the condition under which the record is invalid.")
        message = {lang: get(f"message_{short}")[:2000] for short, lang in (("zh", "zh-CN"), ("en", "en"))}
        if not any(message.values()):
            errors[f"val-{i}-message_zh"] = _("Write the message the user sees (Chinese, English or both).")
        rule["message"] = {k: v for k, v in message.items() if v}
        if get("field"):
            if get("field") not in field_names:
                errors[f"val-{i}-field"] = _("Choose one of the object's fields.")
            rule["field"] = get("field")
        if not values.get(f"val-{i}-active"):
            rule["active"] = False
        try:
            pos = float(get("pos")) if get("pos") else 10_000.0 + i
        except ValueError:
            errors[f"val-{i}-pos"] = _("Enter a number.")
            continue
        out.append((pos, i, rule))
    keys = [r["key"] for _p, _i, r in out]
    for _p, i, r in out:
        if keys.count(r["key"]) > 1:
            errors[f"val-{i}-key"] = _("'%(name)s' already exists.", name=r["key"])
    return [r for _p, _i, r in sorted(out, key=lambda t: (t[0], t[1]))], errors
