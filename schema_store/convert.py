"""Converting stored values when a field changes type, and encoding values for the archive.

``convert`` either returns the value in the new field's storage or raises :class:`Unconvertible`
with a short reason; a publish is refused when any row's value would raise.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from schema_store import field_types as ft
from schema_store.model import FieldDef

UTC = dt.timezone.utc
_TRUE = {"true", "t", "yes", "y", "1", "是", "真", "on"}
_FALSE = {"false", "f", "no", "n", "0", "否", "假", "off"}
NUMBER_LIMIT = Decimal(10) ** 28
CURRENCY_LIMIT = Decimal(10) ** 14


class Unconvertible(ValueError):
    """A value that cannot become the new type (the message says why)."""


def convert(value: Any, old_type: str, new: FieldDef, tz: dt.tzinfo = ZoneInfo("Asia/Shanghai")) -> Any:
    """``value`` (as read from a column of ``old_type``) in the storage of ``new``."""
    if value is None:
        return None
    storage = new.storage
    if new.type in ft.REFERENCE_TYPES and old_type not in ft.REFERENCE_TYPES:
        raise Unconvertible("only references can become references")
    if storage == ft.TEXT:
        return _to_text(value, old_type, new)
    if storage in (ft.NUMBER, ft.CURRENCY):
        return _to_decimal(value, storage)
    if storage == ft.BOOLEAN:
        return _to_bool(value)
    if storage == ft.DATE:
        return _to_date(value, tz)
    if storage == ft.DATETIME:
        return _to_datetime(value, tz)
    if storage == ft.INTEGER:
        return _to_int(value)
    raise Unconvertible(f"no column for {new.type}")


def _text_of(value: Any, old_type: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if old_type == "multi_picklist":
        return ";".join(v for v in text.split(";") if v)
    return text


def _to_text(value: Any, old_type: str, new: FieldDef) -> str:
    if new.type == "multi_picklist":
        if old_type == "multi_picklist":
            values = [v for v in str(value).split(";") if v]
        else:
            raw = _text_of(value, old_type)
            values = [v.strip() for v in raw.replace("，", ";").replace(",", ";").split(";") if v.strip()]
        missing = [v for v in values if new.options and v not in new.option_values]
        if missing:
            raise Unconvertible(f"'{missing[0]}' is not an option")
        return ";" + ";".join(values) + ";" if values else ""
    text = _text_of(value, old_type)
    if new.type == "picklist":
        if old_type == "multi_picklist" and ";" in text:
            raise Unconvertible("more than one value selected")
        if new.options and text not in new.option_values:
            raise Unconvertible(f"'{text}' is not an option")
    if new.type == "file" and old_type != "file":
        try:
            ok = isinstance(json.loads(text), list)
        except ValueError:
            ok = False
        if not ok:
            raise Unconvertible("not a list of file ids")
    return text


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _to_decimal(value: Any, storage: str) -> Decimal:
    if isinstance(value, bool):
        d = Decimal(int(value))
    elif isinstance(value, (int, Decimal)):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("，", "").replace(" ", "")
        for sign in ("¥", "￥", "$", "€"):
            cleaned = cleaned.replace(sign, "")
        try:
            d = Decimal(cleaned)
        except InvalidOperation:
            raise Unconvertible("not a number") from None
    else:
        raise Unconvertible("not a number")
    if not d.is_finite():
        raise Unconvertible("not a finite number")
    places, limit = (4, CURRENCY_LIMIT) if storage == ft.CURRENCY else (10, NUMBER_LIMIT)
    if abs(d) >= limit:
        raise Unconvertible("too large")
    if d != d.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP"):
        raise Unconvertible(f"more than {places} decimal places")
    return d


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Unconvertible("not true or false")


def _to_date(value: Any, tz: dt.tzinfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return _aware(value).astimezone(tz).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            try:
                return _aware(dt.datetime.fromisoformat(text), tz).astimezone(tz).date()
            except ValueError:
                pass
    raise Unconvertible("not a date")


def _to_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _aware(value).astimezone(UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tz).astimezone(UTC)
    if isinstance(value, str):
        try:
            return _aware(dt.datetime.fromisoformat(value.strip().replace("/", "-")), tz).astimezone(UTC)
        except ValueError:
            pass
    raise Unconvertible("not a date and time")


def _aware(value: dt.datetime, tz: dt.tzinfo = UTC) -> dt.datetime:
    """Naive datetimes from a column are UTC (storage convention); naive text is local time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Unconvertible("not a record id")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise Unconvertible("not a record id")


# -- archive encoding ----------------------------------------------------------------------------
def encode(value: Any) -> Any:
    """A JSON-able form of a column value (Decimal and dates as text)."""
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, dt.datetime):
        return _aware(value).astimezone(UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def decode(value: Any, field_type: str) -> Any:
    """The column value back from :func:`encode`, given the field type it was archived from."""
    if value is None:
        return None
    storage = ft.FIELD_TYPES[field_type].storage if field_type in ft.FIELD_TYPES else ft.STORAGE_OF_EXPR_TYPE.get(
        field_type, ft.TEXT)
    if storage in (ft.NUMBER, ft.CURRENCY):
        return Decimal(str(value))
    if storage == ft.DATE:
        return dt.date.fromisoformat(value)
    if storage == ft.DATETIME:
        return _aware(dt.datetime.fromisoformat(value))
    return value
