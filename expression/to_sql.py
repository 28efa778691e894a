"""AST -> SQLAlchemy Core expression with the same semantics as the Python closures.

Field paths map to column elements given by the caller; context values become bind parameters.
Conditions never yield NULL where Python yields TRUE/FALSE.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping

import sqlalchemy as sa

from expression import sqlkit as K
from expression.check import Checked
from expression.errors import ExpressionError, Text, error
from expression.functions import Registry
from expression.nodes import COMPARISONS, Binary, Call, ContextRef, FieldRef, Literal, Node, Unary
from expression.sqlkit import SqlValue
from expression.types import BLANK, BOOLEAN, DATETIME, FILE, MULTI_PICKLIST, NUMERIC, TEXT, TEXTLIKE

UTC = _dt.timezone.utc
#: functions that hand their arguments through unchanged (float noise is settled later, once)
PASS_THROUGH = frozenset({"IF", "BLANKVALUE"})
MAX_SQL_NODES = 20_000


class SqlCompiler:
    """Compiles a checked AST for given columns and context values; one instance per call."""

    def __init__(self, checked: Checked, registry: Registry, columns: Mapping[str, Any], *,
                 now: _dt.datetime | None, user: Mapping[str, Any] | None, tz: _dt.tzinfo) -> None:
        self.checked = checked
        self.source = checked.source
        self.registry = registry
        self.columns = columns
        self.tz = tz
        moment = now or _dt.datetime.now(tz)
        self.now = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        self.today = self.now.astimezone(tz).date()
        self.user = user or {}

    def type_of(self, node: Node) -> str:
        return self.checked.types.get(id(node), BLANK)

    def fail(self, en: str, zh: str, node: Node) -> ExpressionError:
        return error("not_sql", en, zh, source=self.source, span=node.span)

    # -- entry --------------------------------------------------------------------------------
    def compile(self, node: Node) -> SqlValue:
        if isinstance(node, Literal):
            return self.literal(node.value, node.type)
        if isinstance(node, FieldRef):
            return self.column(node.path, self.type_of(node), node)
        if isinstance(node, ContextRef):
            return self.registry.variables[node.name].sql(self)
        if isinstance(node, Unary):
            v = self.compile(node.operand)
            return SqlValue(-v.expr, self.type_of(node), v.nullable, v.noisy)
        if isinstance(node, Binary):
            a, b = self.compile(node.left), self.compile(node.right)
            if node.op in COMPARISONS:
                return SqlValue(self.compare(node.op, a, b), BOOLEAN, False)
            if node.op == "&":
                return SqlValue(K.text_of(a).concat(K.text_of(b)), TEXT, True)
            return self.arithmetic(node, a, b)
        assert isinstance(node, Call)
        fn = self.registry.get(node.name)
        assert fn is not None
        if fn.sql is None:
            reason = fn.not_sql or Text(f"{fn.name} cannot run in the database", f"{fn.name} 无法在数据库中执行")
            raise error("not_sql", reason.en, reason.zh, source=self.source, span=node.span)
        args = tuple(self.compile(a) for a in node.args)
        if fn.name not in PASS_THROUGH:
            args = tuple(SqlValue(K.exact(a), a.type, a.nullable) if a.noisy else a for a in args)
        out = fn.sql(args, self, node)
        if isinstance(out, SqlValue):
            return out
        return SqlValue(out, self.type_of(node), True)

    # -- leaves -------------------------------------------------------------------------------
    def literal(self, value: Any, t: str) -> SqlValue:
        if t == BOOLEAN:
            return SqlValue(sa.true() if value else sa.false(), BOOLEAN, False)
        if value is None or t == BLANK:
            return SqlValue(sa.null(), BLANK, True)
        return SqlValue(K.bind(value, t), t, t == TEXT and value == "")

    def column(self, path: str, t: str, node: Node | None = None) -> SqlValue:
        col = self.columns.get(path)
        if col is None:
            raise error("missing_column", f"no column was given for '{path}'", f"没有为 “{path}” 提供数据库列",
                        source=self.source, span=node.span if node is not None else None)
        return SqlValue(col, t, True)

    def bind_datetime(self, value: _dt.datetime) -> sa.ColumnElement:
        """Datetimes are stored in UTC (naive on SQLite), so binds are converted to UTC."""
        return K.bind(value.astimezone(UTC), DATETIME)

    def local_date(self, v: SqlValue) -> sa.ColumnElement:
        """A datetime as a date in the app timezone (SQLite: the zone's UTC offset at ``now``)."""
        offset = self.now.astimezone(self.tz).utcoffset() or _dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        zone = getattr(self.tz, "key", None) or f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return K.Dialects(sa.func.date(v.expr, K.bind(f"{minutes:+d} minutes", TEXT)),
                          sa.cast(sa.func.timezone(K.bind(zone, TEXT), v.expr), sa.Date), sa.Date())

    # -- operators ----------------------------------------------------------------------------
    def compare(self, op: str, a: SqlValue, b: SqlValue) -> sa.ColumnElement:
        """A comparison under the blank rules; the result is never NULL."""
        if a.noisy or b.noisy:
            a = SqlValue(K.exact(a), a.type, a.nullable)
            b = SqlValue(K.exact(b), b.type, b.nullable)
        if a.type == BLANK or b.type == BLANK or {a.type, b.type} & {MULTI_PICKLIST, FILE}:
            if op not in ("=", "<>"):
                return sa.false()
            both = K.all_of(K.isblank(a), K.isblank(b))
            either = sa.or_(K.isblank(a), K.isblank(b))
            same = sa.case((either, both), else_=sa.func.coalesce(a.expr == b.expr, sa.false()))
            return sa.not_(same) if op == "<>" else same
        text = a.type in TEXTLIKE or b.type in TEXTLIKE
        ea, eb = a.expr, b.expr
        if text:
            ea, eb = sa.type_coerce(ea, sa.String()), sa.type_coerce(eb, sa.String())
        if op == "=":
            if a.nullable and b.nullable:
                return (K.text_of(a) == K.text_of(b)) if text else ea.is_not_distinct_from(eb)
            return K.all_of(*(x.expr.is_not(None) for x in (a, b) if x.nullable), ea == eb)
        if op == "<>":
            if a.nullable and b.nullable:
                return (K.text_of(a) != K.text_of(b)) if text else ea.is_distinct_from(eb)
            nulls = [x.expr.is_(None) for x in (a, b) if x.nullable]
            return sa.or_(*nulls, ea != eb) if nulls else ea != eb
        if text:
            ea = K.codepoint_order(ea)
        ordered = {"<": ea < eb, "<=": ea <= eb, ">": ea > eb, ">=": ea >= eb}[op]
        return K.all_of(K.nonblank(a), K.nonblank(b), ordered)

    def arithmetic(self, node: Binary, a: SqlValue, b: SqlValue) -> SqlValue:
        from expression import lib_dates, lib_math

        t = self.type_of(node)
        nullable = a.nullable or b.nullable
        if (a.type in NUMERIC or a.type == BLANK) and (b.type in NUMERIC or b.type == BLANK):
            if node.op == "+":
                return SqlValue(a.expr + b.expr, t, nullable, True)
            if node.op == "-":
                return SqlValue(a.expr - b.expr, t, nullable, True)
            if node.op == "*":
                return SqlValue(a.expr * b.expr, t, nullable, True)
            if node.op == "/":
                return SqlValue(K.div(a.expr, K.exact(b)), t, True, True)
            return lib_math.sql_power(SqlValue(K.exact(a), a.type), SqlValue(K.exact(b), b.type))
        if a.noisy or b.noisy:
            a, b = SqlValue(K.exact(a), a.type, a.nullable), SqlValue(K.exact(b), b.type, b.nullable)
        return lib_dates.sql_arithmetic(node.op, a, b, t, self)


def result_expr(value: SqlValue, source: str = "") -> sa.ColumnElement:
    """The final expression, typed so that results come back as Decimal/date/datetime/bool."""
    expr = K.typed(K.exact(value), value.type)
    if sql_size(expr) > MAX_SQL_NODES:
        raise error("limit", "the expression is too large to run in the database", "表达式过大，无法在数据库中执行",
                    source=source, hint=("split it into formula fields", "可拆分为多个公式字段"))
    return expr


def sql_size(root: Any) -> int:
    """How many elements the SQL text will hold (repeated sub-expressions count each time)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        kids = [node.sqlite, node.postgresql] if isinstance(node, K.Dialects) else list(node.get_children())
        if not done:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
            continue
        parts = [sizes.get(id(k), 1) for k in kids]
        sizes[id(node)] = 1 + (max(parts) if isinstance(node, K.Dialects) else sum(parts))
    return sizes[id(root)]
