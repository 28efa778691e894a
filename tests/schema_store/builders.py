"""Documents for schema_store tests: one realistic base, varied with ``make_doc(**overrides)``.

Overrides address a path with ``__``: ``make_doc(objects__lead__fields__score={"type": "number"})``
sets one field; the value ``DELETE`` removes the entry.
"""
from __future__ import annotations

import copy
from typing import Any

DELETE = object()


def label(en: str, zh: str | None = None) -> dict[str, str]:
    return {"en": en, "zh-CN": zh or en}


BASE: dict[str, Any] = {
    "app": {"name": "demo", "label": label("Demo", "演示"), "version": "1.0"},
    "objects": {
        "account": {
            "label": label("Hospital", "医院"),
            "title_field": "name",
            "fields": {
                "name": {"type": "text", "label": label("Name", "名称"), "required": True, "max_length": 200},
                "level": {"type": "picklist", "label": label("Level", "等级"),
                          "options": [{"value": "三甲"}, {"value": "三乙"}, {"value": "二级"}]},
                "nda_signed": {"type": "boolean", "label": label("NDA signed")},
                "region": {"type": "text", "label": label("Region", "区域")},
            },
        },
        "lead": {
            "label": label("Lead", "线索"),
            "title_field": "name",
            "fields": {
                "name": {"type": "text", "label": label("Name", "名称"), "required": True},
                "budget": {"type": "currency", "label": label("Budget", "预算"), "min": 0,
                           "required_when": "stage = \"qualified\""},
                "account": {"type": "lookup", "target": "account", "label": label("Hospital", "医院")},
                "channel": {"type": "picklist", "label": label("Channel", "渠道"), "default": "'web'",
                            "options": [{"value": "web", "label": label("Website", "官网")},
                                        {"value": "expo", "label": label("Trade fair", "展会")}]},
                "booth": {"type": "text", "label": label("Booth", "展位号"),
                          "required_when": "ISPICKVAL(channel, \"expo\")"},
                "email": {"type": "email", "label": label("Email")},
                "rep": {"type": "user", "label": label("Presales", "售前")},
                "visits": {"type": "number", "label": label("Visits")},
                "tags": {"type": "multi_picklist", "label": label("Tags"),
                         "options": [{"value": "gcp"}, {"value": "tender"}]},
                "contract": {"type": "file", "label": label("Contract"), "accept": [".pdf"],
                             "visible_when": "account.nda_signed"},
                "weighted": {"type": "formula", "label": label("Weighted"), "expression": "budget * 2"},
            },
            "validations": [{"key": "budget_positive", "error_when": "budget < 0",
                             "message": label("Budget must not be negative", "预算不能为负"), "field": "budget"}],
            "pipeline": {"initial": "new", "nodes": [
                {"key": "new", "label": label("New", "新建"), "order": 1, "allowed_next": ["qualified", "lost"]},
                {"key": "qualified", "label": label("Qualified", "已确认"), "order": 2, "requires": ["budget"],
                 "allowed_next": ["won", "lost"],
                 "sla": {"hours": 72, "levels": [{"name": "yellow", "at": 0.5}, {"name": "red", "at": 1}]}},
                {"key": "won", "label": label("Won", "赢单"), "order": 3, "outcome": "won", "probability": 100},
                {"key": "lost", "label": label("Lost", "输单"), "order": 4, "outcome": "lost", "probability": 0},
            ]},
            "layouts": {"form": {"sections": [{"label": label("Main"), "columns": 2,
                                                "fields": ["name", "budget", "account", "channel"]}]},
                        "list": {"columns": ["name", "budget", "stage", "created_at"], "sort": "-created_at"},
                        "kanban": {"card": ["name", "budget"]}},
        },
    },
    "rules": [
        {"key": "notify_qualified", "object": "lead", "trigger": {"type": "stage_entered", "stage": "qualified"},
         "when": "budget > 1000", "phase": "after_save",
         "actions": [{"type": "notify", "to": [{"kind": "owner"}], "channels": ["in_app"],
                      "message": label("Lead {id} is qualified", "线索 {id} 已确认")}]},
    ],
}


def make_doc(**overrides: Any) -> dict[str, Any]:
    """A deep copy of BASE with ``overrides`` applied (see module docstring)."""
    doc = copy.deepcopy(BASE)
    for key, value in overrides.items():
        parts = key.split("__")
        target: Any = doc
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        last: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
        if value is DELETE:
            del target[last]
        else:
            target[last] = copy.deepcopy(value)
    return doc


def one_object(fields: dict[str, Any], name: str = "lead", **extra: Any) -> dict[str, Any]:
    """A document with one object (for migration tests)."""
    return {"objects": {name: {"label": label(name.title()), "fields": copy.deepcopy(fields), **extra}}}


def paths(diagnostics: Any) -> list[str]:
    return [d.path for d in diagnostics]


def codes(diagnostics: Any) -> dict[str, str]:
    return {d.path: d.code for d in diagnostics}
