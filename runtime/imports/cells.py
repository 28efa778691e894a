"""From spreadsheet cells to the values the save pipeline takes. Only the forms spreadsheets use
and JSON does not are translated here (是/否, 2026/3/1, 2026年3月1日, "1,200.50", ¥, picklist labels,
phone numbers Excel stored as numbers); everything else goes to the record service as text, whose
coercion and validation report what is wrong, so an import says exactly what the form would."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Iterable, Mapping

from runtime.imports.mapping import ColumnMap
from schema_store.model import FieldDef, ObjectDef

TRUE = {"1", "true", "yes", "y", "是", "对", "√", "✓", "t", "on"}
FALSE = {"0", "false", "no", "n", "否", "不", "×", "✗", "f", "off"}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATETIME = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_MULTI_SPLIT = re.compile(r"\s*[;；,，、|]\s*")
_NUMBER_JUNK = re.compile(r"[,，\s¥￥$€]")


def cell_text(value: Any) -> str:
    """A cell as the user sees it (for error reports)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, Decimal, int, float, bool)):
        return str(value)
    return str(value)


def _option(f: FieldDef, text: str) -> str:
    folded = text.strip().casefold()
    for option in f.options:
        labels = option.label.values() if isinstance(option.label, Mapping) else [option.label or ""]
        if folded == option.value.casefold() or any(folded == (lbl or "").strip().casefold() for lbl in labels):
            return option.value
    return text.strip()


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    match = _DATE.match(str(value))
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return str(value).strip()
    return str(value).strip()


def _datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0)).isoformat()
    text = str(value).strip()
    match = _DATETIME.match(text)
    if match:
        y, mo, d, h, mi, s = match.groups()
        try:
            return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0)).isoformat()
        except ValueError:
            return text
    return text


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = _NUMBER_JUNK.sub("", str(value))
    if text.endswith("%"):
        text = text[:-1]
    return text


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip() if isinstance(value, str) else str(value)


def convert(f: FieldDef, value: Any) -> Any:
    """One non-blank cell for field ``f``."""
    t = f.type
    if t in ("number", "currency", "percent"):
        return _number(value)
    if t == "boolean":
        if isinstance(value, bool):
            return value
        folded = _text(value).casefold()
        return True if folded in TRUE else False if folded in FALSE else _text(value)
    if t == "date":
        return _date(value)
    if t == "datetime":
        return _datetime(value)
    if t == "picklist":
        return _option(f, _text(value))
    if t == "multi_picklist":
        return [_option(f, part) for part in _MULTI_SPLIT.split(_text(value)) if part]
    if t in ("lookup", "user"):
        text = _text(value)
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else text
    return _text(value)


def row_values(obj: ObjectDef, mapping: Iterable[ColumnMap], cells: tuple[Any, ...]) -> dict[str, Any]:
    """The record a row describes; blank cells are left out, so defaults apply to them."""
    data: dict[str, Any] = {}
    for column in mapping:
        if column.field is None or column.index >= len(cells):
            continue
        value = cells[column.index]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        f = obj.fields.get(column.field)
        if f is None:  # a system target such as owner
            text = _text(value)
            data[column.field] = int(text) if text.isdigit() and len(text) <= 10 else text
        else:
            data[column.field] = convert(f, value)
    return data
