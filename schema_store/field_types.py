"""The field type registry: what each metadata field type means for expressions and storage.

Storage kinds are what tables.py turns into columns; two field types with the same storage kind can
be swapped without DDL. Expression types are the names expression/ checks against.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

# storage kinds (see tables.column_type)
TEXT, NUMBER, CURRENCY, BOOLEAN, DATE, DATETIME, INTEGER = (
    "text", "number", "currency", "boolean", "date", "datetime", "integer")

EXPRESSION_TYPES = ("number", "currency", "text", "boolean", "date", "datetime", "picklist",
                    "multi_picklist", "lookup", "file", "blank")


@dataclass(frozen=True)
class FieldType:
    """One built-in (or registered) field type."""

    name: str
    expr_type: str | None        # None: derived from the definition (formula, rollup)
    storage: str | None          # None: derived (formula, rollup)
    indexed: bool = False        # an index on the column (lookups, picklists, users)
    input: bool = True           # users enter values (False: formula, rollup, autonumber)
    label_en: str = ""
    label_zh: str = ""


_BUILTIN = (
    FieldType("text", "text", TEXT, label_en="Text", label_zh="文本"),
    FieldType("textarea", "text", TEXT, label_en="Long text", label_zh="多行文本"),
    FieldType("email", "text", TEXT, label_en="Email", label_zh="邮箱"),
    FieldType("phone", "text", TEXT, label_en="Phone", label_zh="电话"),
    FieldType("url", "text", TEXT, label_en="URL", label_zh="网址"),
    FieldType("number", "number", NUMBER, label_en="Number", label_zh="数字"),
    FieldType("currency", "currency", CURRENCY, label_en="Currency", label_zh="金额"),
    FieldType("percent", "number", NUMBER, label_en="Percent", label_zh="百分比"),
    FieldType("boolean", "boolean", BOOLEAN, label_en="Checkbox", label_zh="复选框"),
    FieldType("date", "date", DATE, label_en="Date", label_zh="日期"),
    FieldType("datetime", "datetime", DATETIME, label_en="Date and time", label_zh="日期时间"),
    FieldType("picklist", "picklist", TEXT, indexed=True, label_en="Picklist", label_zh="单选列表"),
    FieldType("multi_picklist", "multi_picklist", TEXT, label_en="Multi-select picklist", label_zh="多选列表"),
    FieldType("lookup", "lookup", INTEGER, indexed=True, label_en="Lookup", label_zh="关联"),
    FieldType("file", "file", TEXT, label_en="File", label_zh="附件"),
    FieldType("formula", None, None, input=False, label_en="Formula", label_zh="公式"),
    FieldType("rollup", None, None, input=False, label_en="Roll-up summary", label_zh="汇总"),
    FieldType("autonumber", "text", TEXT, input=False, label_en="Auto number", label_zh="自动编号"),
    FieldType("user", "lookup", INTEGER, indexed=True, label_en="User", label_zh="用户"),
)

FIELD_TYPES: Mapping[str, FieldType] = MappingProxyType({t.name: t for t in _BUILTIN})

# expression type -> storage kind, for formula results and roll-ups
STORAGE_OF_EXPR_TYPE: Mapping[str, str] = MappingProxyType({
    "number": NUMBER, "currency": CURRENCY, "text": TEXT, "picklist": TEXT, "multi_picklist": TEXT,
    "file": TEXT, "boolean": BOOLEAN, "date": DATE, "datetime": DATETIME, "lookup": INTEGER,
})

TEXT_TYPES = frozenset({"text", "textarea", "email", "phone", "url"})
NUMERIC_TYPES = frozenset({"number", "currency", "percent"})
REFERENCE_TYPES = frozenset({"lookup", "user"})

# System columns every object table has, with their expression types (names: names.SYSTEM_COLUMNS).
SYSTEM_EXPR_TYPES: Mapping[str, str] = MappingProxyType({
    "id": "number", "owner": "lookup", "created_at": "datetime", "created_by": "lookup",
    "updated_at": "datetime", "updated_by": "lookup", "version": "number", "stage": "picklist",
    "stage_entered_at": "datetime", "deleted_at": "datetime", "last_activity_at": "datetime",
})
USER_SYSTEM_COLUMNS = frozenset({"owner", "created_by", "updated_by"})

# What a path through a user reference may read (``owner.region``); runtime resolves these
# from its users table.
USER_ATTRIBUTES: Mapping[str, str] = MappingProxyType({
    "username": "text", "name": "text", "email": "text", "role": "text", "team": "text",
    "region": "text", "manager": "lookup",
})
USER_TARGET = "user"  # the pseudo-object a user field points to


def assignable(actual: str, expected: str | None) -> bool:
    """Can a value of expression type ``actual`` go where ``expected`` is needed?"""
    if expected is None or actual == expected or actual == "blank":
        return True
    numeric = {"number", "currency"}
    if actual in numeric and expected in numeric:
        return True
    if expected in ("text", "picklist") and actual in ("text", "picklist"):
        return True
    if expected == "multi_picklist" and actual in ("text", "picklist"):
        return True
    if expected == "datetime" and actual == "date":
        return True
    return expected == "lookup" and actual == "number"
