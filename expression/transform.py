"""Lark parse tree -> typed AST nodes (non-recursive, so deep input cannot overflow the stack)."""
from __future__ import annotations

import decimal
import re

from lark import Token, Transformer_NonRecursive

from expression.errors import error
from expression.limits import Limits
from expression.nodes import Binary, Call, ContextRef, FieldRef, Literal, Node, Span, Unary
from expression.types import BOOLEAN, NUMBER, TEXT

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)
_OPS = {"==": "=", "!=": "<>"}


def tok_span(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


def unescape(body: str) -> str:
    """Backslash escapes: \\n \\t \\r \\\\ \\" \\' \\uXXXX; any other backslash is kept (regex-friendly)."""
    def repl(m: re.Match[str]) -> str:
        code = m.group(1)
        if len(code) == 5:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, m.group(0))
    return _ESCAPE_RE.sub(repl, body) if "\\" in body else body


class ToAst(Transformer_NonRecursive):
    """Builds AST nodes; one instance per parse (it holds the source for error positions)."""

    def __init__(self, source: str, limits: Limits) -> None:
        super().__init__()
        self.source = source
        self.limits = limits

    def _err(self, code: str, en: str, zh: str, span: Span, hint: tuple[str, str] | None = None):
        return error(code, en, zh, source=self.source, span=span, hint=hint)

    # -- leaves -------------------------------------------------------------------------------
    def number(self, items: list[Token]) -> Node:
        tok = items[0]
        value = decimal.Decimal(str(tok))
        digits = max(value.adjusted() + 1, 0)
        if digits > self.limits.max_number_digits or len(tok) > 60:
            raise self._err("limit", f"the number {tok} is too large", f"数字 {tok} 过大", tok_span(tok))
        return Literal(tok_span(tok), value, NUMBER)

    def string(self, items: list[Token]) -> Node:
        tok = items[0]
        return Literal(tok_span(tok), unescape(str(tok)[1:-1]), TEXT)

    def boolean(self, items: list[Token]) -> Node:
        tok = items[0]
        return Literal(tok_span(tok), str(tok).upper() == "TRUE", BOOLEAN)

    def field(self, items: list[Token]) -> Node:
        return FieldRef(tok_span(items[0]), str(items[0]))

    def context(self, items: list[Token]) -> Node:
        return ContextRef(tok_span(items[0]), str(items[0])[1:])

    # -- composites ---------------------------------------------------------------------------
    def group(self, items: list) -> Node:
        return items[1]

    def arguments(self, items: list) -> tuple[Node, ...]:
        return tuple(x for x in items if not isinstance(x, Token))

    def call(self, items: list) -> Node:
        name_tok, rpar = items[0], items[-1]
        args = next((x for x in items[1:-1] if isinstance(x, tuple)), ())
        span = tok_span(name_tok).to(tok_span(rpar))
        if "." in name_tok:
            obj, _, method = str(name_tok).rpartition(".")
            raise self._err("attribute_access", f"'{name_tok}(...)' is not allowed: there is no attribute "
                            "or method access", f"不支持 “{name_tok}(...)”：表达式不能访问属性或方法",
                            tok_span(name_tok), hint=(f"use a function such as {method.upper()}({obj})",
                                                      f"请使用函数，例如 {method.upper()}({obj})"))
        return Call(span, str(name_tok).upper(), args, tok_span(name_tok))

    def logic(self, items: list) -> Node:
        left, op, right = items
        name = "AND" if op.type in ("AND", "ANDAND") else "OR"
        # AND/OR are associative: flatten chains (a AND b AND c) so long chains stay shallow
        if isinstance(left, Call) and left.name == name:
            args = left.args + (right,)
        else:
            args = (left, right)
        return Call(left.span.to(right.span), name, args, tok_span(op))

    def not_op(self, items: list) -> Node:
        op, operand = items
        return Call(tok_span(op).to(operand.span), "NOT", (operand,), tok_span(op))

    def binary(self, items: list) -> Node:
        left, op, right = items
        sym = _OPS.get(str(op), str(op))
        return Binary(left.span.to(right.span), sym, left, right)

    def unary_op(self, items: list) -> Node:
        op, operand = items
        if str(op) == "+":
            return operand
        if isinstance(operand, Literal) and operand.type == NUMBER:
            return Literal(tok_span(op).to(operand.span), -operand.value, NUMBER)
        return Unary(tok_span(op).to(operand.span), str(op), operand)
