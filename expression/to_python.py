"""AST -> Python closures ``f(record, ctx)``: built once, cheap to call, blank rules applied inline."""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Callable, Mapping

from expression.check import Checked
from expression.context import DEFAULT_CONTEXT, Context
from expression.errors import ExpressionError, Problem, error
from expression.functions import Function, Registry
from expression.limits import Limits
from expression.nodes import COMPARISONS, Binary, Call, ContextRef, FieldRef, Literal, Node, Unary
from expression.types import (BLANK, BOOLEAN, DATE, DATETIME, MULTI_PICKLIST, NUMBER, NUMERIC, PICKLIST, TEXT,
                              TEXTLIKE, FILE)
from expression import values as V

Fn = Callable[[Mapping[str, Any], Context], Any]
_PLAIN = {NUMBER: Decimal, "currency": Decimal, TEXT: str, PICKLIST: str, BOOLEAN: bool, DATE: _dt.date,
          MULTI_PICKLIST: tuple, "lookup": int}
_ORDER = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}


def value_equals(ta: str, tb: str) -> Callable[[Any, Any], bool]:
    """Equality of two evaluated values under the blank rules (both blank: equal; one blank: not)."""
    if {ta, tb} & {BLANK, MULTI_PICKLIST, FILE}:
        blank = V.is_blank
        return lambda x, y: (blank(x) and blank(y)) if (blank(x) or blank(y)) else x == y
    if ta in TEXTLIKE or tb in TEXTLIKE:
        return lambda x, y: (x or "") == (y or "")
    return lambda x, y: x == y


def const(value: Any) -> Fn:
    return lambda r, c: value


class PyCompiler:
    """Compiles a checked AST; one instance per compile."""

    def __init__(self, checked: Checked, registry: Registry, limits: Limits) -> None:
        self.checked = checked
        self.source = checked.source
        self.registry = registry
        self.limits = limits
        self._const: set[int] = set()

    def type_of(self, node: Node) -> str:
        return self.checked.types.get(id(node), BLANK)

    def problem(self, exc: Problem, node: Node) -> ExpressionError:
        return exc.at(self.source, node.span)

    # -- entry --------------------------------------------------------------------------------
    def compile(self, node: Node) -> Fn:
        fn = self._dispatch(node)
        if id(node) in self._const and not isinstance(node, Literal):
            try:
                return const(fn({}, DEFAULT_CONTEXT))
            except (ExpressionError, Problem, ArithmeticError, ValueError, OverflowError):
                return fn
        return fn

    def _dispatch(self, node: Node) -> Fn:
        if isinstance(node, Literal):
            self._const.add(id(node))
            return const(node.value)
        if isinstance(node, FieldRef):
            return self.field(node)
        if isinstance(node, ContextRef):
            return self.registry.variables[node.name].py
        if isinstance(node, Unary):
            f = self.compile(node.operand)
            self._mark_const(node, (node.operand,))
            return lambda r, c: None if (x := f(r, c)) is None else -x
        if isinstance(node, Binary):
            fa, fb = self.compile(node.left), self.compile(node.right)
            self._mark_const(node, (node.left, node.right))
            if node.op in COMPARISONS:
                return self.compare(node.op, node.left, node.right, fa, fb)
            if node.op == "&":
                return self.concat(node, fa, fb)
            return self.arithmetic(node, fa, fb)
        assert isinstance(node, Call)
        return self.call(node)

    def _mark_const(self, node: Node, kids: tuple[Node, ...], pure: bool = True) -> None:
        if pure and all(id(k) in self._const for k in kids):
            self._const.add(id(node))

    # -- fields -------------------------------------------------------------------------------
    def field(self, node: FieldRef) -> Fn:
        path, t = node.path, self.type_of(node)
        conv = V.converter(t)
        plain = _PLAIN.get(t)
        source, span = self.source, node.span

        def bad(v: Any) -> ExpressionError:
            return error("bad_value", f"field '{path}' holds {type(v).__name__} {v!r:.40}, not {t}",
                         f"字段 “{path}” 的值 {v!r:.40} 不是 {t}", source=source, span=span)

        if t in (DATE, DATETIME):
            is_dt = t == DATETIME

            def read_temporal(r: Mapping[str, Any], c: Context) -> Any:
                v = r.get(path)
                if v is None or (v.__class__ is _dt.datetime and v.tzinfo is not None if is_dt
                                 else v.__class__ is _dt.date):
                    return v
                try:
                    return conv(v, c.tz)
                except V.BadValue:
                    raise bad(v) from None
            return read_temporal
        if plain is None:
            return lambda r, c: conv(r.get(path))

        def read(r: Mapping[str, Any], c: Context) -> Any:
            v = r.get(path)
            if v is None or v.__class__ is plain:
                return v
            try:
                return conv(v)
            except V.BadValue:
                raise bad(v) from None
        return read

    # -- operators ----------------------------------------------------------------------------
    def compare(self, op: str, left: Node, right: Node, fa: Fn, fb: Fn) -> Fn:
        ta, tb = self.type_of(left), self.type_of(right)
        text = ta in TEXTLIKE or tb in TEXTLIKE
        odd = {ta, tb} & {BLANK, MULTI_PICKLIST, FILE}
        lit = right.value if isinstance(right, Literal) else None
        if op in ("=", "<>"):
            neg = op == "<>"
            if odd:
                blank = V.is_blank

                def eq_blank(r: Any, c: Any) -> bool:
                    x, y = fa(r, c), fb(r, c)
                    bx, by = blank(x), blank(y)
                    res = (bx and by) if (bx or by) else x == y
                    return res != neg
                return eq_blank
            if text:
                if lit:  # a non-empty text literal
                    if neg:
                        return lambda r, c: fa(r, c) != lit
                    return lambda r, c: fa(r, c) == lit
                if neg:
                    return lambda r, c: (fa(r, c) or "") != (fb(r, c) or "")
                return lambda r, c: (fa(r, c) or "") == (fb(r, c) or "")
            if lit is not None:
                if neg:
                    return lambda r, c: fa(r, c) != lit
                return lambda r, c: fa(r, c) == lit
            if neg:
                return lambda r, c: fa(r, c) != fb(r, c)
            return lambda r, c: fa(r, c) == fb(r, c)
        cmp = _ORDER[op]
        if text:
            def order_text(r: Any, c: Any) -> bool:
                x = fa(r, c)
                if not x:
                    return False
                y = fb(r, c)
                return bool(y) and cmp(x, y)
            return order_text
        if lit is not None:
            if op == ">":
                return lambda r, c: (x := fa(r, c)) is not None and x > lit
            if op == ">=":
                return lambda r, c: (x := fa(r, c)) is not None and x >= lit
            if op == "<":
                return lambda r, c: (x := fa(r, c)) is not None and x < lit
            return lambda r, c: (x := fa(r, c)) is not None and x <= lit

        def order(r: Any, c: Any) -> bool:
            x = fa(r, c)
            if x is None:
                return False
            y = fb(r, c)
            return y is not None and cmp(x, y)
        return order

    def concat(self, node: Binary, fa: Fn, fb: Fn) -> Fn:
        limit, source, span = self.limits.max_text_length, self.source, node.span

        def cat(r: Any, c: Any) -> str:
            s = (fa(r, c) or "") + (fb(r, c) or "")
            if len(s) > limit:
                raise error("limit", f"the text produced is too long (more than {limit} characters)",
                            f"生成的文本过长（超过 {limit} 个字符）", source=source, span=span)
            return s
        return cat

    def arithmetic(self, node: Binary, fa: Fn, fb: Fn) -> Fn:
        from expression import lib_dates, lib_math

        ta, tb, op = self.type_of(node.left), self.type_of(node.right), node.op
        if (ta in NUMERIC or ta == BLANK) and (tb in NUMERIC or tb == BLANK):
            if op == "+":
                return lambda r, c: None if (x := fa(r, c)) is None or (y := fb(r, c)) is None else x + y
            if op == "-":
                return lambda r, c: None if (x := fa(r, c)) is None or (y := fb(r, c)) is None else x - y
            if op == "*":
                return lambda r, c: None if (x := fa(r, c)) is None or (y := fb(r, c)) is None else x * y
            if op == "/":
                return lambda r, c: None if (x := fa(r, c)) is None or not (y := fb(r, c)) else x / y
            power = lib_math.power
            return lambda r, c: None if (x := fa(r, c)) is None or (y := fb(r, c)) is None else power(x, y)
        return lib_dates.python_arithmetic(op, ta, tb, fa, fb)

    # -- calls --------------------------------------------------------------------------------
    def call(self, node: Call) -> Fn:
        fn = self.registry.get(node.name)
        assert fn is not None
        args = tuple(self.compile(a) for a in node.args)
        self._mark_const(node, node.args, fn.pure and not fn.context)
        if fn.compile_py is not None:
            return fn.compile_py(node, args, tuple(self.type_of(a) for a in node.args), self)
        return self.eager(fn, node, args)

    def eager(self, fn: Function, node: Call, args: tuple[Fn, ...]) -> Fn:
        impl = fn.py
        assert impl is not None, f"{fn.name} has neither py nor compile_py"
        if fn.limits:
            limits, source, span, inner = self.limits, self.source, node.span, impl

            def impl(*a: Any) -> Any:  # noqa: F811 - adds limits and positions problems
                try:
                    return inner(*a, limits=limits)
                except Problem as exc:
                    raise exc.at(source, span) from None
        n = len(args)
        if fn.context:
            if n == 0:
                return lambda r, c: impl(c)
            if n == 1:
                a0 = args[0]
                return lambda r, c: impl(c, a0(r, c))
            if n == 2:
                a0, a1 = args
                return lambda r, c: impl(c, a0(r, c), a1(r, c))
            return lambda r, c: impl(c, *[a(r, c) for a in args])
        if n == 0:
            return lambda r, c: impl()
        if n == 1:
            a0 = args[0]
            return lambda r, c: impl(a0(r, c))
        if n == 2:
            a0, a1 = args
            return lambda r, c: impl(a0(r, c), a1(r, c))
        if n == 3:
            a0, a1, a2 = args
            return lambda r, c: impl(a0(r, c), a1(r, c), a2(r, c))
        return lambda r, c: impl(*[a(r, c) for a in args])
