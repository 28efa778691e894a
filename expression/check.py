"""The type checker: field and function resolution, types, picklist options, SQL capability.

It collects every problem (never stops at the first) and records what the compilers need: the
type of each node, the fields read, and why the expression cannot run in SQL (if it cannot).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Mapping

from expression.errors import ExpressionError, Text, error
from expression.functions import Function, Registry
from expression.nodes import COMPARISONS, Binary, Call, ContextRef, FieldRef, Literal, Node, Span, Unary
from expression.types import (BLANK, BOOLEAN, CURRENCY, DATE, DATETIME, ERROR, LOOKUP, NUMBER, NUMERIC, PICKLIST,
                              TEXT, TEXTLIKE, FieldSpec, TypeClash, accepts, comparable, describe, family,
                              field_spec)

SYSTEM_FIELDS = ("stage", "stage_entered_at")


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one expression."""

    source: str
    node: Node | None
    type: str
    types: Mapping[int, str]
    references: frozenset[str]
    errors: tuple[ExpressionError, ...]
    sql_reason: Text | None
    sql_span: Span | None

    @property
    def ok(self) -> bool:
        return not self.errors


def compatible(expect: str, actual: str) -> bool:
    """Whether a result of type ``actual`` satisfies an expected result type."""
    if actual in (BLANK, ERROR) or expect == actual:
        return True
    if family(expect) == family(actual) and expect not in ("multi_picklist", "file"):
        return True
    return {expect, actual} <= {LOOKUP, NUMBER}


class Checker:
    """Checks one AST against field types; one instance per check."""

    def __init__(self, source: str, fields: Mapping[str, object], registry: Registry) -> None:
        self.source = source
        self.fields: dict[str, FieldSpec] = {str(k): field_spec(v) for k, v in fields.items()}  # type: ignore[arg-type]
        self.registry = registry
        self.types: dict[int, str] = {}
        self.references: set[str] = set()
        self.errors: list[ExpressionError] = []
        self.sql_reason: Text | None = None
        self.sql_span: Span | None = None

    # -- entry --------------------------------------------------------------------------------
    def run(self, node: Node, expect: str | Iterable[str] | None = None) -> Checked:
        result = self.visit(node)
        if expect is not None and result != ERROR:
            wanted = (expect,) if isinstance(expect, str) else tuple(expect)
            if not any(compatible(w, result) for w in wanted):
                shown = " or ".join(wanted)
                self.fail("result_type", f"the expression must give {_a(shown)} but gives {_a(result)}",
                          f"表达式的结果应为 {shown}，实际为 {result}", node.span,
                          hint=_result_hint(wanted, result))
        return Checked(self.source, node, result, self.types, frozenset(self.references), tuple(self.errors),
                       self.sql_reason, self.sql_span)

    # -- reporting ----------------------------------------------------------------------------
    def fail(self, code: str, en: str, zh: str, span: Span, hint: tuple[str, str] | None = None) -> str:
        self.errors.append(error(code, en, zh, source=self.source, span=span, hint=hint))
        return ERROR

    def not_sql(self, reason: Text, span: Span) -> None:
        if self.sql_reason is None:
            self.sql_reason, self.sql_span = reason, span

    def type_of(self, node: Node) -> str:
        return self.types.get(id(node), ERROR)

    def spec_of(self, node: Node) -> FieldSpec | None:
        return self.fields.get(node.path) if isinstance(node, FieldRef) else None

    # -- visitors -----------------------------------------------------------------------------
    def visit(self, node: Node) -> str:
        if isinstance(node, Literal):
            t = node.type
        elif isinstance(node, FieldRef):
            t = self._field(node)
        elif isinstance(node, ContextRef):
            t = self._context(node)
        elif isinstance(node, Unary):
            t = self._unary(node)
        elif isinstance(node, Binary):
            t = self._binary(node)
        elif isinstance(node, Call):
            t = self._call(node)
        else:  # pragma: no cover - the transformer builds only the nodes above
            t = self.fail("syntax", "unknown construct", "无法识别的结构", node.span)
        self.types[id(node)] = t
        return t

    def _field(self, node: FieldRef) -> str:
        spec = self.fields.get(node.path)
        if spec is not None:
            self.references.add(node.path)
            return spec.type
        names = list(self.fields)
        hint = None
        lower = {n.lower(): n for n in names}
        guess = lower.get(node.path.lower()) or next(iter(difflib.get_close_matches(node.path, names, 1, 0.6)), None)
        if guess:
            hint = (f"did you mean '{guess}'?", f"是否想输入 “{guess}”？")
        elif self.registry.get(node.path) is not None:
            hint = (f"{node.path.upper()} is a function: write {node.path.upper()}(...)",
                    f"{node.path.upper()} 是函数，请写成 {node.path.upper()}(...)")
        elif "." in node.path:
            head = node.path.split(".")[0]
            if head in self.fields and not any(n.startswith(head + ".") for n in names):
                hint = (f"'{head}' has no fields available through it here",
                        f"此处无法通过 “{head}” 读取其他字段")
        msg_en = f"unknown field '{node.path}'" + (f" — did you mean '{guess}'?" if guess else "")
        msg_zh = f"未知字段 “{node.path}”" + (f"——是否想输入 “{guess}”？" if guess else "")
        return self.fail("unknown_field", msg_en, msg_zh, node.span, hint=hint)

    def _context(self, node: ContextRef) -> str:
        var = self.registry.variables.get(node.name)
        if var is not None:
            return var.type
        names = list(self.registry.variables)
        guess = next(iter(difflib.get_close_matches(node.name, names, 1, 0.5)), None)
        hint = ((f"did you mean '${guess}'?", f"是否想输入 “${guess}”？") if guess else
                ("available: " + ", ".join("$" + n for n in names), "可用：" + "、".join("$" + n for n in names)))
        return self.fail("unknown_variable", f"unknown variable '${node.name}'", f"未知变量 “${node.name}”",
                         node.span, hint=hint)

    def _unary(self, node: Unary) -> str:
        t = self.visit(node.operand)
        if t in NUMERIC or t in (BLANK, ERROR):
            return NUMBER if t == BLANK else t
        return self.fail("type_mismatch", f"cannot negate {_a(t)}", f"不能对 {t} 取负", node.span)

    def _binary(self, node: Binary) -> str:
        a, b = self.visit(node.left), self.visit(node.right)
        if ERROR in (a, b):
            return BOOLEAN if node.op in COMPARISONS else ERROR
        if node.op in COMPARISONS:
            if not comparable(a, b, node.op):
                hint = None
                if {family(a), family(b)} == {"numeric", "text"}:
                    hint = ("use VALUE(text) or TEXT(number) to convert", "可用 VALUE(文本) 或 TEXT(数字) 转换")
                elif "multi_picklist" in (a, b):
                    hint = ("use INCLUDES(field, \"option\")", "请使用 INCLUDES(字段, \"选项\")")
                elif {a, b} == {DATE, DATETIME}:
                    hint = ("use DATEVALUE(datetime) to compare with a date", "请用 DATEVALUE(日期时间) 与日期比较")
                elif family(a) == family(b):
                    hint = ("only = and <> work for this type", "此类型只能使用 = 和 <>")
                self.fail("type_mismatch", f"cannot compare {a} with {b}", f"不能比较 {a} 与 {b}",
                          node.span, hint=hint)
                return BOOLEAN
            self._check_option_pair(node.left, node.right)
            self._check_option_pair(node.right, node.left)
            return BOOLEAN
        if node.op == "&":
            bad = [t for t in (a, b) if t not in TEXTLIKE and t != BLANK]
            if bad:
                return self.fail("type_mismatch", f"& joins text, not {bad[0]}", f"& 只能连接文本，不能连接 {bad[0]}",
                                 node.span, hint=("wrap it in TEXT(...)", "请用 TEXT(...) 转为文本"))
            return TEXT
        return self._arithmetic(node, a, b)

    def _arithmetic(self, node: Binary, a: str, b: str) -> str:
        op = node.op
        an, bn = a in NUMERIC or a == BLANK, b in NUMERIC or b == BLANK
        if an and bn:
            if op in "+-*":
                return CURRENCY if CURRENCY in (a, b) else NUMBER
            if op == "/":
                return CURRENCY if a == CURRENCY and b != CURRENCY else NUMBER
            return NUMBER
        if op == "+" and {a, b} & {DATE, DATETIME} and (an or bn):
            return a if a in (DATE, DATETIME) else b
        if op == "-" and a in (DATE, DATETIME) and bn:
            return a
        if op == "-" and a == b and a in (DATE, DATETIME):
            return NUMBER
        hint = None
        if op == "+" and (a in TEXTLIKE or b in TEXTLIKE):
            hint = ("use & to join text", "连接文本请使用 &")
        elif {a, b} == {DATE, DATETIME}:
            hint = ("use DATEVALUE(datetime) to turn a datetime into a date", "请用 DATEVALUE 把日期时间转为日期")
        sym = {"^": "raise"}.get(op, "")
        en = f"cannot {sym} {a} to the power of {b}" if sym else f"cannot apply '{op}' to {a} and {b}"
        return self.fail("type_mismatch", en, f"不能对 {a} 和 {b} 使用 “{op}”", node.span, hint=hint)

    def _call(self, node: Call) -> str:
        fn = self.registry.get(node.name)
        arg_types = tuple(self.visit(a) for a in node.args)
        if fn is None:
            return self._unknown_function(node)
        if not self._arity_ok(fn, node):
            return ERROR
        ok = True
        for i, (arg, t) in enumerate(zip(node.args, arg_types)):
            p = fn.param(i)
            if p.field_only and not isinstance(arg, FieldRef):
                ok = False
                self.fail("type_mismatch", f"{fn.name} expects a field name as argument {i + 1} ({p.name})",
                          f"{fn.name} 的第 {i + 1} 个参数（{p.name}）必须是字段名", arg.span)
            elif not accepts(p.types, t):
                ok = False
                self.fail("type_mismatch", f"{fn.name} expects {describe(p.types)} as argument {i + 1} ({p.name}), "
                          f"got {t}", f"{fn.name} 的第 {i + 1} 个参数（{p.name}）应为 {describe(p.types)}，实际为 {t}",
                          arg.span, hint=_conversion_hint(p.types, t))
        if not ok or ERROR in arg_types:
            return ERROR
        try:
            result = fn.result_type(arg_types)
        except TypeClash as clash:
            return self.fail("type_mismatch", f"{fn.name}: the values have different types ({clash})",
                             f"{fn.name}：各个取值的类型不一致（{clash}）", node.span)
        if fn.check is not None:
            fn.check(self, node, arg_types)
        if fn.sql is None:
            self.not_sql(fn.not_sql or Text(f"{fn.name} cannot run in the database",
                                            f"{fn.name} 无法在数据库中执行"), node.span)
        elif fn.sql_check is not None:
            reason = fn.sql_check(arg_types)
            if reason is not None:
                self.not_sql(reason, node.span)
        if node.name in ("STAGE", "HOURSINSTAGE", "DAYSINSTAGE"):
            self.references.update(("stage",) if node.name == "STAGE" else SYSTEM_FIELDS)
        return result

    def _unknown_function(self, node: Call) -> str:
        names = [f.name for f in self.registry]
        guess = next(iter(difflib.get_close_matches(node.name, names, 1, 0.6)), None)
        hint = (f"did you mean {guess}?", f"是否想输入 {guess}？") if guess else None
        if node.name.lower() in self.fields:
            hint = (f"'{node.name.lower()}' is a field: remove the parentheses",
                    f"“{node.name.lower()}” 是字段，请去掉括号")
        return self.fail("unknown_function", f"unknown function {node.name}", f"未知函数 {node.name}",
                         node.name_span, hint=hint)

    def _arity_ok(self, fn: Function, node: Call) -> bool:
        n = len(node.args)
        if fn.arity is not None:
            problem = fn.arity(n)
            if problem is not None:
                self.errors.append(ExpressionError("arity", problem, source=self.source, span=node.span))
                return False
            return True
        lo, hi = fn.min_args, fn.max_args
        if lo <= n and (hi is None or n <= hi):
            return True
        if hi is None:
            want_en, want_zh = f"at least {lo} argument{'s' * (lo != 1)}", f"至少 {lo} 个参数"
        elif lo == hi:
            want_en, want_zh = f"{lo} argument{'s' * (lo != 1)}", f"{lo} 个参数"
        else:
            want_en, want_zh = f"{lo} to {hi} arguments", f"{lo} 到 {hi} 个参数"
        self.fail("arity", f"{fn.name} expects {want_en}, got {n}", f"{fn.name} 需要 {want_zh}，实际为 {n} 个",
                  node.span, hint=(f"{fn.doc.signature}", f"{fn.doc.signature}"))
        return False

    # -- picklist options ---------------------------------------------------------------------
    def check_option(self, field_node: Node, value_node: Node) -> None:
        """Flag a text literal that is not an option of the picklist field it is compared with."""
        spec = self.spec_of(field_node)
        if spec is None or spec.options is None or spec.type not in (PICKLIST, "multi_picklist"):
            return
        if not isinstance(value_node, Literal) or value_node.type != TEXT or value_node.value == "":
            return
        if value_node.value in spec.options:
            return
        guess = next(iter(difflib.get_close_matches(value_node.value, list(spec.options), 1, 0.5)), None)
        shown = ", ".join(f'"{o}"' for o in spec.options[:12])
        hint = ((f'did you mean "{guess}"?', f"是否想输入 “{guess}”？") if guess else
                (f"options: {shown}", f"可选值：{shown}"))
        self.fail("unknown_option", f"'{value_node.value}' is not an option of {field_node.path}",  # type: ignore[attr-defined]
                  f"“{value_node.value}” 不是 {field_node.path} 的选项", value_node.span, hint=hint)  # type: ignore[attr-defined]

    def _check_option_pair(self, a: Node, b: Node) -> None:
        if isinstance(a, FieldRef) and self.type_of(a) == PICKLIST:
            self.check_option(a, b)


def _a(t: str) -> str:
    return ("an " if t[:1] in "aeiou" else "a ") + t


def _conversion_hint(allowed: frozenset[str], t: str) -> tuple[str, str] | None:
    if allowed <= TEXTLIKE and t in NUMERIC:
        return ("use TEXT(number)", "请使用 TEXT(数字)")
    if allowed <= NUMERIC and t in TEXTLIKE:
        return ("use VALUE(text)", "请使用 VALUE(文本)")
    if allowed == frozenset({DATE}) and t == DATETIME:
        return ("use DATEVALUE(datetime)", "请使用 DATEVALUE(日期时间)")
    if allowed == frozenset({BOOLEAN}) and t != BOOLEAN:
        return ("write a comparison such as budget > 0", "请写成比较，例如 budget > 0")
    return None


def _result_hint(wanted: tuple[str, ...], actual: str) -> tuple[str, str] | None:
    if BOOLEAN in wanted:
        return ("write a condition, for example budget > 100000", "请写成条件，例如 budget > 100000")
    if TEXT in wanted and actual in NUMERIC:
        return ("wrap it in TEXT(...)", "请用 TEXT(...) 包裹")
    return None

