"""Runtime value representation (Python side): coercion of record values and shared helpers.

number/currency -> Decimal, text/picklist -> str, boolean -> bool, date -> date, datetime -> aware
datetime, multi_picklist -> tuple[str, ...], lookup -> int, file -> opaque, blank -> None.
Text blank is None or ""; a multi-picklist is blank when empty.
"""
from __future__ import annotations

import datetime as _dt
import decimal
from decimal import Decimal
from typing import Any, Callable

from expression.types import (BOOLEAN, CURRENCY, DATE, DATETIME, FILE, LOOKUP, MULTI_PICKLIST, NUMBER,
                              PICKLIST, TEXT)

UTC = _dt.timezone.utc
WIDE = decimal.Context(prec=100, Emax=999_999, Emin=-999_999)
ZERO = Decimal(0)
#: Decimals for small whole numbers (lengths, date parts), built once: cheaper than Decimal(n) per call
SMALL = tuple(Decimal(i) for i in range(10_000))


def small(n: int) -> Decimal:
    return SMALL[n] if 0 <= n < 10_000 else Decimal(n)


class BadValue(Exception):
    """A record value that does not fit its declared type (turned into ExpressionError by callers)."""


def is_blank(v: Any) -> bool:
    return v is None or v == "" or v == ()


def to_decimal(v: Any) -> Decimal | None:
    if v is None or v.__class__ is Decimal:
        return v
    if isinstance(v, bool):
        raise BadValue("a boolean")
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return None
        return Decimal(str(v))
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, str):
        return parse_number(v) if v.strip() else None
    raise BadValue(type(v).__name__)


def parse_number(s: str) -> Decimal | None:
    """Text -> Decimal ("1,234.5", "  42 ", "１２"); None when it is not a number."""
    t = s.strip().replace(",", "").replace("，", "")
    if not t or len(t) > 60:
        return None
    try:
        d = Decimal(t)
    except decimal.InvalidOperation:
        return None
    return d if d.is_finite() else None


def to_text(v: Any) -> str | None:
    if v is None or v.__class__ is str:
        return v
    if isinstance(v, str):
        return str(v)
    raise BadValue(type(v).__name__)


def to_bool(v: Any) -> bool | None:
    if v is None or v is True or v is False:
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if v == "":
        return None
    raise BadValue(type(v).__name__)


def to_date(v: Any, tz: _dt.tzinfo) -> _dt.date | None:
    if v is None or v.__class__ is _dt.date:
        return v
    if isinstance(v, _dt.datetime):
        return aware(v).astimezone(tz).date()
    if isinstance(v, _dt.date):
        return _dt.date(v.year, v.month, v.day)
    if isinstance(v, str):
        if not v.strip():
            return None
        try:
            return _dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            raise BadValue("text that is not a date") from None
    raise BadValue(type(v).__name__)


def aware(v: _dt.datetime) -> _dt.datetime:
    """Naive datetimes are taken to be UTC (the storage convention)."""
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


def to_datetime(v: Any, tz: _dt.tzinfo) -> _dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return aware(v)
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day, tzinfo=tz)
    if isinstance(v, str):
        if not v.strip():
            return None
        try:
            return aware(_dt.datetime.fromisoformat(v.strip()))
        except ValueError:
            raise BadValue("text that is not a date-time") from None
    raise BadValue(type(v).__name__)


def to_multi(v: Any) -> tuple[str, ...]:
    if v is None or v == "":
        return ()
    if v.__class__ is tuple:
        return v
    if isinstance(v, str):
        return tuple(p for p in v.split(";") if p)
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(str(x) for x in v)
    raise BadValue(type(v).__name__)


def to_lookup(v: Any) -> int | Decimal | None:
    if v is None or v.__class__ is int:
        return v
    if isinstance(v, bool):
        raise BadValue("a boolean")
    if isinstance(v, int):
        return int(v)
    if isinstance(v, (Decimal, float)):
        return to_decimal(v)
    if isinstance(v, str):
        return int(v) if v.strip().lstrip("-").isdigit() else None
    raise BadValue(type(v).__name__)


def to_file(v: Any) -> Any:
    return None if v == "" else v


def converter(t: str, tz: _dt.tzinfo | None = None) -> Callable[..., Any]:
    """The function that brings a raw value to the representation of type ``t``.

    Date and datetime converters take ``(value, tz)``; the others take ``(value)``.
    """
    return {
        NUMBER: to_decimal, CURRENCY: to_decimal, TEXT: to_text, PICKLIST: to_text, BOOLEAN: to_bool,
        DATE: to_date, DATETIME: to_datetime, MULTI_PICKLIST: to_multi, LOOKUP: to_lookup, FILE: to_file,
    }.get(t, lambda v: v)


def is_plain(t: str, v: Any) -> bool:
    """Fast check: is ``v`` already in the representation of type ``t``?"""
    cls = v.__class__
    if t in (NUMBER, CURRENCY):
        return cls is Decimal
    if t in (TEXT, PICKLIST):
        return cls is str
    if t == BOOLEAN:
        return cls is bool
    if t == DATE:
        return cls is _dt.date
    if t == MULTI_PICKLIST:
        return cls is tuple
    if t == LOOKUP:
        return cls is int
    return False


# -- numbers ------------------------------------------------------------------------------------
def to_int(d: Decimal) -> int:
    """Truncate toward zero (how counts and positions are read from numbers)."""
    return int(d)


def clamp_int(d: Decimal, bound: int = 10**9) -> int:
    return max(-bound, min(bound, int(d)))


def floor(d: Decimal) -> Decimal:
    return d.to_integral_value(rounding=decimal.ROUND_FLOOR)


def quantize_half_up(d: Decimal, places: int) -> Decimal:
    """ROUND: half away from zero; negative ``places`` round to tens, hundreds..."""
    if places > 40:
        return d
    places = max(places, -40)
    try:
        return d.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=WIDE)
    except decimal.DecimalException:
        return d


def normalized_text(d: Decimal) -> str:
    """A number as plain text without exponent or trailing zeros (1.50 -> "1.5", 1E+2 -> "100")."""
    s = format(d.normalize(WIDE), "f")
    return "0" if s in ("-0", "") else s


# -- dates --------------------------------------------------------------------------------------
def local_date(dt: _dt.datetime, tz: _dt.tzinfo) -> _dt.date:
    return dt.astimezone(tz).date()


def add_days_date(d: _dt.date, n: Decimal) -> _dt.date | None:
    try:
        return d + _dt.timedelta(days=clamp_int(n, 4_000_000))
    except OverflowError:
        return None


def add_days_datetime(dt: _dt.datetime, n: Decimal, tz: _dt.tzinfo) -> _dt.datetime | None:
    try:
        micros = int((n * 86_400_000_000).to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
        return (dt.astimezone(UTC) + _dt.timedelta(microseconds=micros)).astimezone(tz)
    except (OverflowError, decimal.DecimalException):
        return None


def seconds_between(end: _dt.datetime, start: _dt.datetime) -> Decimal:
    delta = end - start
    whole = Decimal(delta.days * 86_400 + delta.seconds)
    return whole + Decimal(delta.microseconds).scaleb(-6) if delta.microseconds else whole


def make_date(y: Decimal, m: Decimal, d: Decimal) -> _dt.date | None:
    """DATE(y, m, d) with Excel-style roll-over of months and days; blank outside years 1-9999."""
    try:
        months = int(y) * 12 + int(m) - 1
        year, month = divmod(months, 12)
        if not 1 <= year <= 9999:
            return None
        return _dt.date(year, month + 1, 1) + _dt.timedelta(days=int(d) - 1)
    except (OverflowError, ValueError):
        return None
