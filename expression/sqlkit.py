"""SQL building blocks shared by the SQL compiler and the function library.

``Dialects`` picks one of two prebuilt alternatives when the statement is compiled, so one
expression tree runs on SQLite and on PostgreSQL. Values are always bind parameters.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from expression.types import (BLANK, BOOLEAN, CURRENCY, DATE, DATETIME, FILE, LOOKUP, MULTI_PICKLIST, NUMBER,
                              PICKLIST, TEXT, TEXTLIKE)

class NumberResult(sa.types.TypeDecorator):
    """Numbers come back as Decimal on both dialects (SQLite floats via their shortest repr)."""

    impl = sa.Numeric
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(v: Any) -> Any:
            if v is None or v.__class__ is Decimal:
                return v
            if isinstance(v, float):
                return Decimal(repr(v)) if math.isfinite(v) else None
            return Decimal(v)
        return process


class DateTimeResult(sa.types.TypeDecorator):
    """Datetimes come back aware (UTC) on both dialects (SQLite stores naive UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        inner = self.impl_instance.result_processor(dialect, coltype)

        def process(v: Any) -> Any:
            if inner is not None:
                v = inner(v)
            if isinstance(v, _dt.datetime) and v.tzinfo is None:
                return v.replace(tzinfo=_dt.timezone.utc)
            return v
        return process


RESULT_TYPES: dict[str, Any] = {NUMBER: NumberResult(), CURRENCY: NumberResult(), DATETIME: DateTimeResult()}

SQL_TYPES: dict[str, Any] = {
    NUMBER: sa.Numeric(asdecimal=True), CURRENCY: sa.Numeric(asdecimal=True), TEXT: sa.String(),
    PICKLIST: sa.String(), BOOLEAN: sa.Boolean(), DATE: sa.Date(), DATETIME: sa.DateTime(timezone=True),
    MULTI_PICKLIST: sa.String(), LOOKUP: sa.Integer(), FILE: sa.String(), BLANK: sa.types.NullType(),
}
TEXT_BLANK_LIKE = (TEXT, PICKLIST, MULTI_PICKLIST, FILE)


class Dialects(ColumnElement):
    """Renders ``postgresql`` on PostgreSQL and ``sqlite`` on everything else."""

    inherit_cache = True
    _traverse_internals = [("sqlite", InternalTraversal.dp_clauseelement),
                           ("postgresql", InternalTraversal.dp_clauseelement)]

    def __init__(self, sqlite: ColumnElement, postgresql: ColumnElement, type_: Any = None) -> None:
        self.sqlite = sa.sql.coercions.expect(sa.sql.roles.ExpressionElementRole, sqlite)
        self.postgresql = sa.sql.coercions.expect(sa.sql.roles.ExpressionElementRole, postgresql)
        self.type = type_ if type_ is not None else self.sqlite.type

    @property
    def _from_objects(self) -> list[Any]:
        return self.sqlite._from_objects + self.postgresql._from_objects


@compiles(Dialects)
def _compile_sqlite(element: Dialects, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.sqlite, **kw)})"


@compiles(Dialects, "postgresql")
def _compile_pg(element: Dialects, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.postgresql, **kw)})"


@dataclass(frozen=True, slots=True)
class SqlValue:
    """A compiled sub-expression: the SQL element, its language type, and whether it can be blank."""

    expr: Any
    type: str
    nullable: bool = True
    noisy: bool = False  # a computed number that may carry binary-float noise on SQLite


def exact(v: SqlValue) -> Any:
    """The value with SQLite's float noise rounded away (only where a computed number is consumed)."""
    return settle(v.expr) if v.noisy else v.expr


def bind(value: Any, t: str) -> ColumnElement:
    """A typed bind parameter (never spliced into the SQL text)."""
    if value is None:
        return sa.null()
    return sa.literal(value, SQL_TYPES.get(t, sa.String()))


def typed(expr: Any, t: str) -> ColumnElement:
    """The final expression, typed so results come back as Decimal/date/aware datetime/bool."""
    return sa.type_coerce(expr, RESULT_TYPES.get(t) or SQL_TYPES.get(t, sa.types.NullType()))


def true() -> ColumnElement:
    return sa.true()


def false() -> ColumnElement:
    return sa.false()


def as_int(expr: Any) -> ColumnElement:
    """Truncate a number toward zero, as an integer."""
    return Dialects(sa.cast(expr, sa.Integer), sa.cast(sa.func.trunc(expr), sa.Integer), sa.Integer())


def floor(x: Any) -> ColumnElement:
    """FLOOR; on SQLite as -ceil(-x) (SQLAlchemy replaces SQLite's floor() with a function failing on NULL)."""
    return Dialects(-sa.func.ceil(-x), sa.func.floor(x), sa.Numeric())


def ceil(x: Any) -> ColumnElement:
    return sa.func.ceil(x)


def trunc(x: Any) -> ColumnElement:
    return Dialects(sa.cast(sa.cast(x, sa.Integer), sa.Float), sa.func.trunc(x), sa.Numeric())


def div(a: Any, b: Any) -> ColumnElement:
    """``a / b`` as decimal division (SQLite would divide integers as integers); NULL when b is 0."""
    safe_b = sa.func.nullif(b, 0)
    return Dialects(sa.cast(a, sa.Float) / safe_b, sa.cast(a, sa.Numeric) / safe_b, sa.Numeric())


def settle(expr: Any) -> ColumnElement:
    """SQLite computes with binary floats: round arithmetic to 10 places so 0.1 + 0.2 = 0.3 there."""
    return Dialects(sa.func.round(expr, 10), expr, sa.Numeric())


def char_length(expr: Any) -> ColumnElement:
    return Dialects(sa.func.length(expr), sa.func.char_length(expr), sa.Integer())


def codepoint_order(expr: Any) -> ColumnElement:
    """Compare text by code point on PostgreSQL too (SQLite already does)."""
    return Dialects(expr, expr.collate("C"), sa.String())


def text_of(v: SqlValue) -> ColumnElement:
    """A text value with blank as '' (text functions treat blank text as empty)."""
    if not v.nullable:
        return sa.type_coerce(v.expr, sa.String())
    return sa.func.coalesce(sa.type_coerce(v.expr, sa.String()), sa.literal("", sa.String()))


def nonblank(v: SqlValue) -> ColumnElement | None:
    """A condition that ``v`` is not blank (None when it never is)."""
    if not v.nullable:
        return None
    if v.type in TEXT_BLANK_LIKE:
        return sa.and_(v.expr.is_not(None), sa.type_coerce(v.expr, sa.String()) != "")
    return v.expr.is_not(None)


def isblank(v: SqlValue) -> ColumnElement:
    if not v.nullable:
        return sa.false()
    if v.type == MULTI_PICKLIST:
        return sa.func.coalesce(v.expr, "").in_(["", ";", ";;"])
    if v.type in TEXT_BLANK_LIKE:
        return sa.func.coalesce(sa.type_coerce(v.expr, sa.String()), "") == ""
    return v.expr.is_(None)


def cond(v: SqlValue) -> ColumnElement:
    """A boolean as a condition: blank counts as FALSE, so the result is never NULL."""
    if not v.nullable:
        return v.expr
    return sa.func.coalesce(v.expr, sa.false())


def all_of(*conds: ColumnElement | None) -> ColumnElement:
    parts = [c for c in conds if c is not None]
    if not parts:
        return sa.true()
    return parts[0] if len(parts) == 1 else sa.and_(*parts)


def guard(v: SqlValue, *conds: ColumnElement | None) -> ColumnElement:
    """``v`` when all conditions hold, else NULL."""
    parts = [c for c in conds if c is not None]
    if not parts:
        return v.expr
    return sa.case((all_of(*parts), v.expr), else_=sa.null())


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def textish(t: str) -> bool:
    return t in TEXTLIKE
