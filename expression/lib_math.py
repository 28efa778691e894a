"""Number functions (decimal arithmetic: 0.1 + 0.2 = 0.3). A blank number argument gives blank."""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from expression import sqlkit as K
from expression import values as V
from expression.functions import Doc, Function, Param
from expression.nodes import Literal
from expression.sqlkit import Dialects, SqlValue
from expression.types import NUMBER, NUMERIC, TEMPORAL, unify_all

NUM = NUMERIC
BLANK_EN, BLANK_ZH = "A blank argument gives blank.", "参数为空时结果为空。"


def _doc(sig: str, en: str, zh: str, example: str, result: str, blank_en: str = BLANK_EN,
         blank_zh: str = BLANK_ZH) -> Doc:
    return Doc(sig, en, zh, blank_en, blank_zh, example, result, "math")


def _same(types: tuple[str, ...]) -> str:
    return types[0] if types[0] in NUMERIC else NUMBER


# -- Python -----------------------------------------------------------------------------------------
def power(x: Decimal | None, y: Decimal | None) -> Decimal | None:
    """x ^ y; blank for 0 to a negative power, a negative base with a fractional power, or overflow."""
    if x is None or y is None:
        return None
    if not x:
        return None if y < 0 else (Decimal(1) if not y else V.ZERO)
    try:
        if y == y.to_integral_value():
            if abs(y) > 10_000:
                return None
            return x ** int(y)
        if x < 0:
            return None
        return x ** y
    except decimal.DecimalException:
        return None


def _round(x: Decimal | None, digits: Decimal | None) -> Decimal | None:
    if x is None or digits is None:
        return None
    return V.quantize_half_up(x, V.clamp_int(digits, 1000))


def _mod(n: Decimal | None, d: Decimal | None) -> Decimal | None:
    if n is None or d is None or not d:
        return None
    try:
        return n - d * V.floor(n / d)
    except decimal.DecimalException:
        return None


def _sqrt(x: Decimal | None) -> Decimal | None:
    if x is None or x < 0:
        return None
    return x.sqrt()


def _least(*xs: Any) -> Any:
    vals = [x for x in xs if x is not None]
    return min(vals) if vals else None


def _greatest(*xs: Any) -> Any:
    vals = [x for x in xs if x is not None]
    return max(vals) if vals else None


def _ceiling(x: Decimal | None) -> Decimal | None:
    return None if x is None else x.to_integral_value(rounding=decimal.ROUND_CEILING)


def _floor(x: Decimal | None) -> Decimal | None:
    return None if x is None else V.floor(x)


# -- SQL ----------------------------------------------------------------------------------------
def sql_power(a: SqlValue, b: SqlValue) -> SqlValue:
    x, y = a.expr, b.expr
    expr = sa.case((sa.and_(x == 0, y < 0), sa.null()),
                   (sa.and_(x < 0, y != K.trunc(y)), sa.null()),
                   else_=sa.func.power(x, y))
    return SqlValue(expr, NUMBER, True, True)


def _sql_round(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    x, n = a[0].expr, K.as_int(a[1].expr)
    digits = node.args[1]
    if isinstance(digits, Literal) and digits.value >= 0:
        sqlite = sa.func.round(x, n)
    else:  # SQLite's round() ignores negative digits
        scale = sa.func.power(10.0, -n)
        sqlite = sa.case((n >= 0, sa.func.round(x, n)), else_=sa.func.round(x / scale) * scale)
    return Dialects(sqlite, sa.func.round(sa.cast(x, sa.Numeric), n), sa.Numeric())


def _sql_mod(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    n, d = a[0].expr, a[1].expr
    return SqlValue(n - d * K.floor(K.settle(K.div(n, d))), sc.type_of(node), True, True)


def _sql_extreme(pick: str) -> Any:
    def build(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
        exprs = [v.expr for v in a]
        if len(exprs) == 1:
            return exprs[0]
        # SQLite's scalar min/max give NULL if any argument is NULL: stand in a sentinel that never wins
        t = sc.type_of(node)
        if t in NUMERIC:
            sentinel: Any = sa.literal(1e308 if pick == "min" else -1e308, sa.Float())
        else:
            sentinel = sa.literal("~" if pick == "min" else "", sa.String())
        sqlite = sa.func.nullif(getattr(sa.func, pick)(*(sa.func.coalesce(e, sentinel) for e in exprs)), sentinel)
        pg = (sa.func.least if pick == "min" else sa.func.greatest)(*exprs)
        return Dialects(sqlite, pg, a[0].expr.type)
    return build


def _sql_sqrt(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    x = a[0].expr
    return sa.case((x < 0, sa.null()), else_=sa.func.sqrt(x))


def _extreme_type(types: tuple[str, ...]) -> str:
    return unify_all(types)


ORDERABLE = NUMERIC | TEMPORAL

ITEMS = (
    Function("ROUND", (Param("number", NUM), Param("digits", NUM)), _same,
             _doc("ROUND(number, digits) -> number", "Rounds half away from zero to `digits` decimal places "
                  "(negative digits round to tens, hundreds...).", "四舍五入（远离零）到 `digits` 位小数（负数表示十位、百位…）。",
                  "ROUND(2.5, 0)", "3"),
             py=_round, sql=_sql_round),
    Function("FLOOR", (Param("number", NUM),), _same,
             _doc("FLOOR(number) -> number", "The largest whole number not above it.", "不大于它的最大整数。",
                  "FLOOR(-2.5)", "-3"), py=_floor, sql=lambda a, sc, n: K.floor(a[0].expr)),
    Function("CEILING", (Param("number", NUM),), _same,
             _doc("CEILING(number) -> number", "The smallest whole number not below it.", "不小于它的最小整数。",
                  "CEILING(2.1)", "3"), py=_ceiling, sql=lambda a, sc, n: K.ceil(a[0].expr)),
    Function("ABS", (Param("number", NUM),), _same,
             _doc("ABS(number) -> number", "The absolute value.", "绝对值。", "ABS(-3)", "3"),
             py=lambda x: None if x is None else abs(x), sql=lambda a, sc, n: sa.func.abs(a[0].expr)),
    Function("MIN", (Param("value", ORDERABLE),), _extreme_type,
             _doc("MIN(value, ...) -> number, date or datetime", "The smallest value.", "最小值。", "MIN(3, 1, 2)", "1",
                  "Blank values are ignored; all blank gives blank.", "忽略空值；全部为空时结果为空。"),
             variadic=True, py=_least, sql=_sql_extreme("min")),
    Function("MAX", (Param("value", ORDERABLE),), _extreme_type,
             _doc("MAX(value, ...) -> number, date or datetime", "The largest value.", "最大值。",
                  "MAX(3, BLANK(), 2)", "3",
                  "Blank values are ignored; all blank gives blank.", "忽略空值；全部为空时结果为空。"),
             variadic=True, py=_greatest, sql=_sql_extreme("max")),
    Function("MOD", (Param("number", NUM), Param("divisor", NUM)), _same,
             _doc("MOD(number, divisor) -> number", "The remainder, with the sign of the divisor (as in Excel).",
                  "余数，符号与除数相同（与 Excel 一致）。", "MOD(-3, 2)", "1",
                  "A blank argument or a zero divisor gives blank.", "参数为空或除数为 0 时结果为空。"),
             py=_mod, sql=_sql_mod),
    Function("POWER", (Param("number", NUM), Param("exponent", NUM)), NUMBER,
             _doc("POWER(number, exponent) -> number; also `number ^ exponent`", "Raises to a power.", "乘方。",
                  "POWER(2, 10)", "1024", "Blank argument, 0 to a negative power, or a negative number to a "
                  "fractional power gives blank.", "参数为空、0 的负数次方、负数的小数次方，结果均为空。"),
             py=power, sql=lambda a, sc, n: sql_power(a[0], a[1])),
    Function("SQRT", (Param("number", NUM),), NUMBER,
             _doc("SQRT(number) -> number", "The square root.", "平方根。", "SQRT(16)", "4",
                  "Blank or a negative number gives blank.", "参数为空或为负数时结果为空。"),
             py=_sqrt, sql=_sql_sqrt),
)


