"""Entry requirements of a stage node: ``requires`` (fields that must be filled; a file field needs
at least one file) and ``requires_when`` (a boolean expression that must be TRUE). Every missing
item is collected, never just the first."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from flask_babel import gettext

import expression
from runtime.i18n import pick_label
from schema_store.model import ObjectDef, StageNode


def _(text: str, **values: Any) -> str:
    """gettext, or the English text where no app/request is active (a worker's automation)."""
    try:
        return gettext(text, **values)
    except RuntimeError:
        return text % values if values else text


@dataclass
class Missing:
    """What stops a record from entering a node."""

    fields: list[dict[str, str]] = field(default_factory=list)   # [{field, label}]
    rules: list[dict[str, Any]] = field(default_factory=list)    # [{key, message, expression}]

    def __bool__(self) -> bool:
        return bool(self.fields or self.rules)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (isinstance(value, (list, tuple, set, dict)) and not value)


def field_label(obj: ObjectDef, name: str, lang: str) -> str:
    f = obj.fields.get(name)
    return (pick_label(f.label, lang) if f is not None and f.label else "") or name


def check(obj: ObjectDef, node: StageNode, record: Mapping[str, Any], ctx: Any, lang: str) -> Missing:
    """``record`` carries the lookup paths the expressions read; ``ctx`` is its expression context."""
    missing = Missing()
    for name in node.requires:
        if is_blank(record.get(name)):
            missing.fields.append({"field": name, "label": field_label(obj, name, lang)})
    if node.requires_when is not None:
        try:
            ok = node.requires_when.evaluate(ctx) is True
        except expression.ExpressionError:
            ok = False
        if not ok:
            stage = pick_label(node.label, lang) or node.key
            missing.rules.append({"key": f"{node.key}.requires_when", "expression": node.requires_when.source,
                                  "message": _("The condition to enter %(stage)s is not met: %(expr)s",
                                               stage=stage, expr=node.requires_when.source)})
    return missing
