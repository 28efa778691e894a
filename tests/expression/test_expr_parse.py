"""Grammar, AST spans, syntax errors with hints, and parse-time limits."""
from __future__ import annotations

from decimal import Decimal

import pytest

import expression
from expression import ExpressionError, Limits
from expression.nodes import Binary, Call, ContextRef, FieldRef, Literal, Span, Unary
from expression.parser import parse


def test_precedence_and_associativity() -> None:
    assert expression.evaluate("1 + 2 * 3") == 7
    assert expression.evaluate("(1 + 2) * 3") == 9
    assert expression.evaluate("2 ^ 3 ^ 2") == 512  # right-associative
    assert expression.evaluate("-2 ^ 2") == -4  # unary minus binds looser than ^
    assert expression.evaluate("10 - 4 - 3") == 3
    assert expression.evaluate('"a" & "b" = "ab"') is True
    assert expression.evaluate("1 < 2 AND 2 < 3 OR FALSE") is True
    assert expression.evaluate("NOT 1 > 2") is True


def test_operator_spellings_are_equivalent() -> None:
    for a, b in [("TRUE AND FALSE", "TRUE && FALSE"), ("TRUE OR FALSE", "TRUE || FALSE"),
                 ("NOT TRUE", "!TRUE"), ("1 <> 2", "1 != 2"), ("1 = 1", "1 == 1"), ("true and false", "TRUE AND FALSE")]:
        assert expression.evaluate(a) == expression.evaluate(b)


def test_functions_are_case_insensitive_and_fields_keep_their_case() -> None:
    assert expression.evaluate('len("abc") + Len("ab") + LEN("a")') == 6
    with pytest.raises(ExpressionError) as err:
        expression.compile("Budget > 1", fields={"budget": "number"})
    assert err.value.code == "unknown_field" and "budget" in err.value.message


def test_ast_nodes_are_frozen_and_carry_spans() -> None:
    node = parse('IF(budget > 10, "大", $user.role)')
    assert isinstance(node, Call) and node.name == "IF"
    cond, then, other = node.args
    assert isinstance(cond, Binary) and cond.op == ">" and isinstance(cond.left, FieldRef)
    assert cond.span == Span(1, 4, 1, 15, 3, 14)
    assert isinstance(then, Literal) and then.value == "大"
    assert isinstance(other, ContextRef) and other.name == "user.role"
    with pytest.raises(AttributeError):
        node.name = "X"  # type: ignore[misc]


def test_literals() -> None:
    assert parse("1.50").value == Decimal("1.50")  # type: ignore[attr-defined]
    assert parse(".5").value == Decimal("0.5")  # type: ignore[attr-defined]
    assert parse("'it''s'" if False else r"'it\'s'").value == "it's"  # type: ignore[attr-defined]
    assert parse(r'"a\nb\tc\\d\u4e2d"').value == "a\nb\tc\\d中"  # type: ignore[attr-defined]
    assert parse(r'"\d+"').value == r"\d+"  # unknown escapes stay (regex friendly)
    assert isinstance(parse("-x"), Unary)
    assert expression.evaluate("/* comment */ 1 + /* 2 */ 1") == 2
    assert expression.evaluate("1\u3000+\n1") == 2  # full-width spaces and newlines are whitespace


def test_and_or_chains_are_flattened() -> None:
    node = parse("a AND b AND c && d")
    assert isinstance(node, Call) and len(node.args) == 4


@pytest.mark.parametrize("source, fragment, hint", [
    ("1 +", "ends too early", None),
    ("IF(a, 1", "ends too early", "not closed"),
    ("(1 + 2))", "unexpected ')'", "without a matching"),
    ("a < b < c", "unexpected '<'", "cannot be chained"),
    ('"abc', "unexpected character", "close the text"),
    ("（1 + 2）", "unexpected character", "full-width"),
    ("1 2", "unexpected '2'", "operator or ','"),
    ("budget.upper()", "not allowed", "UPPER(budget)"),
    ("__import__('os')", None, None),
    ("$", "unexpected character", "$now"),
    ("", "empty", None),
])
def test_syntax_errors_are_positioned_with_hints(source: str, fragment: str | None, hint: str | None) -> None:
    with pytest.raises(ExpressionError) as err:
        expression.compile(source, fields={"a": "boolean", "budget": "number"})
    e = err.value
    assert e.line == 1 and e.column >= 1 and e.end_column >= e.column
    if fragment:
        assert fragment in e.message
    if hint:
        assert e.hint and hint in e.hint["en"]
    assert e.messages["zh-CN"] and e.excerpt.count("\n") == (1 if source else 0)


def test_caret_excerpt_and_str() -> None:
    with pytest.raises(ExpressionError) as err:
        expression.compile("budget >\n  budgett", fields={"budget": "number"})
    e = err.value
    assert (e.line, e.column, e.end_line, e.end_column) == (2, 3, 2, 10)
    assert e.excerpt == "  budgett\n  ^^^^^^^"
    assert "did you mean 'budget'" in str(e) and "line 2, column 3" in str(e)
    d = e.to_dict("zh-CN")
    assert d["code"] == "unknown_field" and "budget" in d["message"] and d["line"] == 2


def test_caret_under_chinese_text_is_double_width() -> None:
    with pytest.raises(ExpressionError) as err:
        expression.compile('"三甲" + 1')
    assert err.value.excerpt.splitlines()[1].startswith("^" * 9)


def test_limits_at_parse_time() -> None:
    small = Limits(max_source_length=20, max_depth=5, max_nodes=10)
    for source, code in [("1" * 30, "limit"), ("((((((1))))))", "limit"), ("ABS(ABS(ABS(ABS(ABS(1)))))", "limit"),
                         ("1+1+1+1+1+1+1", "limit")]:
        with pytest.raises(ExpressionError) as err:
            expression.compile(source, limits=small)
        assert err.value.code == code, source
    with pytest.raises(ExpressionError) as err:
        expression.compile("1" * 40)
    assert err.value.code == "limit"  # a 40-digit number


def test_default_depth_limit_is_excel_like() -> None:
    ok = "ABS(" * 60 + "1" + ")" * 60
    assert expression.evaluate(ok) == 1
    with pytest.raises(ExpressionError) as err:
        expression.compile("ABS(" * 70 + "1" + ")" * 70)
    assert err.value.code == "limit" and "nested too deeply" in err.value.message
    with pytest.raises(ExpressionError):
        expression.compile("(" * 10_000)
    with pytest.raises(ExpressionError):
        expression.compile("-" * 4000 + "x", fields={"x": "number"})
    assert expression.evaluate("-" * 4000 + "1") == 1  # literal negations fold


def test_parser_is_built_once() -> None:
    from expression.parser import lark_parser
    assert lark_parser() is lark_parser()
