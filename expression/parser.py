"""Source text -> AST: a lazily built Lark LALR parser, with parse errors mapped to ExpressionError."""
from __future__ import annotations

import functools
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from expression.errors import ExpressionError, error
from expression.limits import DEFAULT_LIMITS, Limits
from expression.nodes import Node, Span, children
from expression.transform import ToAst

GRAMMAR = Path(__file__).with_name("grammar.lark")

_TERMINALS = {
    "RPAR": ("')'", "“)”"), "LPAR": ("'('", "“(”"), "COMMA": ("','", "“,”"),
    "NUMBER": ("a number", "数字"), "STRING": ("a text in quotes", "带引号的文本"),
    "NAME": ("a field or function name", "字段名或函数名"), "CONTEXT": ("a $ variable", "$ 变量"),
    "COMPARE": ("a comparison", "比较运算符"), "ADD": ("'+' or '-'", "“+” 或 “-”"),
    "MUL": ("'*' or '/'", "“*” 或 “/”"), "POW": ("'^'", "“^”"), "AMP": ("'&'", "“&”"),
    "AND": ("AND", "AND"), "ANDAND": ("'&&'", "“&&”"), "OR": ("OR", "OR"), "OROR": ("'||'", "“||”"),
    "NOT": ("NOT", "NOT"), "BANG": ("'!'", "“!”"), "TRUE": ("TRUE", "TRUE"), "FALSE": ("FALSE", "FALSE"),
    "$END": ("the end", "结尾"),
}
_FULLWIDTH = {"（": "(", "）": ")", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "＝": "=",
              "＜": "<", "＞": ">", "＋": "+", "－": "-", "＊": "*", "／": "/", "；": ";", "！": "!"}


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser, built once on first use."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=False)


def parse(source: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse ``source`` into an AST, enforcing source length, nesting depth and node count."""
    if not isinstance(source, str):
        raise error("syntax", "the expression must be text", "表达式必须是文本")
    if len(source) > limits.max_source_length:
        raise error("limit", f"the expression is too long ({len(source)} characters; at most "
                    f"{limits.max_source_length})", f"表达式过长（{len(source)} 个字符，最多 "
                    f"{limits.max_source_length} 个）", source=source, span=_point(source, limits.max_source_length))
    if not source.strip():
        raise error("syntax", "the expression is empty", "表达式为空", source=source, span=_point(source, 0))
    open_parens = _check_paren_depth(source, limits)
    try:
        tree = lark_parser().parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(source, exc, open_parens) from None
    try:
        node = ToAst(source, limits).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExpressionError):
            raise exc.orig_exc from None
        raise
    _check_size(node, source, limits)
    return node


def _check_paren_depth(source: str, limits: Limits) -> int:
    """Reject excessive nesting before parsing; return how many '(' are left open."""
    depth, quote, escaped = 0, "", False
    for i, ch in enumerate(source):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
            if depth > limits.max_depth:
                raise _too_deep(source, _point(source, i), limits)
        elif ch == ")":
            depth -= 1
    return depth


def _check_size(root: Node, source: str, limits: Limits) -> None:
    count, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > limits.max_depth:
            raise _too_deep(source, node.span, limits)
        if count > limits.max_nodes:
            raise error("limit", f"the expression is too large (more than {limits.max_nodes} parts)",
                        f"表达式过大（超过 {limits.max_nodes} 个组成部分）", source=source, span=root.span)
        stack.extend((c, depth + 1) for c in children(node))


def _too_deep(source: str, span: Span, limits: Limits) -> ExpressionError:
    return error("limit", f"the expression is nested too deeply (at most {limits.max_depth} levels)",
                 f"表达式嵌套过深（最多 {limits.max_depth} 层）", source=source, span=span,
                 hint=("split it into several formula fields", "可拆分为多个公式字段"))


def _point(source: str, pos: int) -> Span:
    pos = max(0, min(pos, len(source)))
    line = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return Span(line, col, line, col + 1, pos, pos + 1)


def _token_span(source: str, tok: Token) -> Span:
    if tok.type == "$END" or tok.start_pos is None:
        return _point(source, len(source.rstrip()))
    return Span(tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


def _syntax_error(source: str, exc: UnexpectedInput, open_parens: int = 0) -> ExpressionError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        ch = source[pos] if pos < len(source) else ""
        span = _point(source, pos)
        hint = None
        if ch in _FULLWIDTH:
            hint = (f"'{ch}' is a full-width character; use '{_FULLWIDTH[ch]}'",
                    f"“{ch}” 是全角字符，请改用半角 “{_FULLWIDTH[ch]}”")
        elif ch in "\"'":
            hint = (f"close the text with a matching {ch}", f"请用 {ch} 结束这段文本")
        elif ch == "$":
            hint = ("context variables are $now, $today, $user.id, $user.role, $user.team",
                    "可用的上下文变量：$now、$today、$user.id、$user.role、$user.team")
        elif ch in "[]{};":
            hint = ("lists and statements are not part of the language", "表达式不支持列表或语句")
        return error("syntax", f"unexpected character {ch!r}", f"无法识别的字符 “{ch}”",
                     source=source, span=span, hint=hint)
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    span = _token_span(source, tok)
    expected = set(exc.expected or ())
    hint = None
    if tok.type == "$END":
        if "RPAR" in expected or open_parens > 0:
            hint = ("a '(' is not closed: add ')'", "有未闭合的 “(”，请补上 “)”")
        en, zh = "the expression ends too early", "表达式不完整"
        if not hint:
            hint = ("add a value after the last operator", "请在最后一个运算符后补充内容")
    else:
        shown = str(tok.value)
        en, zh = f"unexpected {shown!r}", f"此处不应出现 “{shown}”"
        if tok.type == "COMPARE" and "COMPARE" not in expected:
            hint = ("comparisons cannot be chained; combine them with AND",
                    "比较不能连写，请用 AND 连接两个比较")
        elif tok.type == "RPAR" and "RPAR" not in expected:
            hint = ("there is a ')' without a matching '('", "多了一个 “)”")
        elif tok.type in ("NAME", "NUMBER", "STRING", "CONTEXT", "LPAR") and expected & {"RPAR", "COMMA", "$END"}:
            hint = ("an operator or ',' is missing before it", "它前面缺少运算符或逗号")
        else:
            names = sorted(_TERMINALS[t][0] for t in expected if t in _TERMINALS)[:6]
            if names:
                hint = ("expected " + ", ".join(names),
                        "此处应为：" + "、".join(sorted(_TERMINALS[t][1] for t in expected if t in _TERMINALS)[:6]))
    return error("syntax", en, zh, source=source, span=span, hint=hint)
