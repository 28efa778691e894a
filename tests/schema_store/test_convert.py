"""Converting stored values when a field changes type (pure)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from schema_store import convert
from schema_store.model import FieldDef, Option

SH = ZoneInfo("Asia/Shanghai")


def f(type_: str, storage: str, **kw) -> FieldDef:
    return FieldDef(name="x", type=type_, label={"en": "x"}, expr_type=type_, storage=storage, **kw)


TEXT, NUMBER, CURRENCY = f("text", "text"), f("number", "number"), f("currency", "currency")
BOOL, DATE, DATETIME = f("boolean", "boolean"), f("date", "date"), f("datetime", "datetime")
PICK = f("picklist", "text", options=(Option("a", {"en": "a"}), Option("b", {"en": "b"})))
MULTI = f("multi_picklist", "text", options=PICK.options)
LOOKUP = f("lookup", "integer", target="account")


@pytest.mark.parametrize("value,old,new,expected", [
    ("1,234.50", "text", NUMBER, Decimal("1234.50")),
    ("¥12", "text", CURRENCY, Decimal("12")),
    (Decimal("1.5000000000"), "number", TEXT, "1.5"),
    (Decimal("2.25"), "number", CURRENCY, Decimal("2.25")),
    ("yes", "text", BOOL, True), ("否", "text", BOOL, False), (Decimal(1), "number", BOOL, True),
    (True, "boolean", TEXT, "true"), (True, "boolean", NUMBER, Decimal(1)),
    ("2026/03/01", "text", DATE, dt.date(2026, 3, 1)),
    (dt.datetime(2026, 3, 1, 20, 0), "datetime", DATE, dt.date(2026, 3, 2)),  # UTC 20:00 = 04:00 next day CST
    (dt.date(2026, 3, 1), "date", DATETIME, dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.timezone.utc)),
    ("2026-03-01 08:00", "text", DATETIME, dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.timezone.utc)),
    ("a", "text", PICK, "a"), ("a", "picklist", MULTI, ";a;"), ("a, b", "text", MULTI, ";a;b;"),
    (";b;", "multi_picklist", PICK, "b"), (";a;b;", "multi_picklist", TEXT, "a;b"),
    (7, "lookup", TEXT, "7"), (None, "text", NUMBER, None),
])
def test_conversions(value, old, new, expected):
    assert convert.convert(value, old, new, SH) == expected


@pytest.mark.parametrize("value,old,new", [
    ("abc", "text", NUMBER), ("maybe", "text", BOOL), (Decimal(2), "number", BOOL),
    ("31/31/2026", "text", DATE), ("c", "text", PICK), (";a;b;", "multi_picklist", PICK),
    (Decimal("0.12345"), "number", CURRENCY), (Decimal("1e30"), "number", NUMBER),
    ("12", "text", LOOKUP), (Decimal("NaN"), "number", NUMBER),
])
def test_values_that_do_not_convert_say_why(value, old, new):
    with pytest.raises(convert.Unconvertible) as err:
        convert.convert(value, old, new, SH)
    assert str(err.value)


@pytest.mark.parametrize("value,field_type", [
    (Decimal("12.5"), "currency"), (dt.date(2026, 1, 2), "date"), ("x", "text"), (True, "boolean"), (3, "lookup"),
    (dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc), "datetime"),
])
def test_archive_encoding_round_trips(value, field_type):
    assert convert.decode(convert.encode(value), field_type) == value
