"""Property tests: random and mutated sources never raise anything but ExpressionError, and the
linear-time regex matcher agrees with Python's re."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import expression
from expression import ExpressionError
from expression.limits import DEFAULT_LIMITS
from expression.safe_regex import compile_regex
from expr_strategies import FIELDS, any_expr, random_record

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKENS = ["IF(", "AND(", "OR(", "NOT ", "(", ")", ",", "+", "-", "*", "/", "^", "&", "=", "<>", "!=", "<", ">=",
          "&&", "||", "!", '"三甲"', "'x'", '"', "'", "1", "0", "1.5", "1e400", "TRUE", "BLANK()", "amount", "name",
          "level", "tags", "hospital.level", "created_at", "$user.id", "$now", "$", ".", "LEN(", "REGEX(", "CASE(",
          "DATE(", "WORKDAYS(", "ISCHANGED(", "__class__", "（", "）", " ", "\n", "/*", "*/", "\\", "MID("]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                   st.decimals(allow_nan=True), st.text(max_size=20), st.dates(), st.datetimes(),
                   st.lists(st.text(max_size=3), max_size=3), st.binary(max_size=3))


def compile_and_run(source: str, record: dict) -> None:
    try:
        compiled = expression.compile(source, FIELDS)
    except ExpressionError as exc:
        assert exc.code != "internal", exc
        assert isinstance(exc.message, str) and exc.to_dict()["code"] == exc.code
        return
    try:
        compiled.evaluate(expression.Context(record=record, now=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)))
    except ExpressionError as exc:
        assert exc.code != "internal", exc


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_only_raises_expression_error(source: str) -> None:
    compile_and_run(source, {})


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_token_soup_only_raises_expression_error(source: str) -> None:
    compile_and_run(source, {})


@st.composite
def mutated(draw) -> str:
    source = draw(any_expr(3))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(source)))
        op = draw(st.sampled_from(["delete", "insert", "swap"]))
        if op == "delete" and source:
            j = draw(st.integers(i, min(len(source), i + 4)))
            source = source[:i] + source[j:]
        elif op == "insert":
            source = source[:i] + draw(st.sampled_from(TOKENS)) + source[i:]
        elif len(source) > 1:
            j = draw(st.integers(0, len(source) - 1))
            chars = list(source)
            chars[i % len(chars)], chars[j] = chars[j], chars[i % len(chars)]
            source = "".join(chars)
    return source


@SETTINGS
@given(mutated(), st.randoms(use_true_random=False))
def test_mutated_expressions_only_raise_expression_error(source: str, rnd) -> None:
    compile_and_run(source, random_record(rnd))


@SETTINGS
@given(any_expr(3), st.dictionaries(st.sampled_from(sorted(FIELDS)), VALUES, max_size=6))
def test_hostile_record_values_only_raise_expression_error(source: str, record: dict) -> None:
    compile_and_run(source, record)


REGEX_PARTS = ["a", "b", "三", ".", "\\d", "\\w", "\\s", "[a-c]", "[^a]", "(", ")", "|", "*", "+", "?", "{1,3}", "{2}",
               "^", "$", "\\b", "(?i)", "A"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(REGEX_PARTS), min_size=1, max_size=8).map("".join),
       st.text("ab三1 A_", max_size=10))
def test_linear_time_matcher_agrees_with_re(pattern: str, text: str) -> None:
    try:
        expected = re.fullmatch(pattern, text) is not None
    except re.error:
        return
    try:
        compiled = compile_regex(pattern, DEFAULT_LIMITS)
    except Exception as exc:  # refused patterns must be refused with a Problem
        assert type(exc).__name__ == "Problem"
        return
    assert compiled.simulate(text, 10**7) == expected
    assert compiled.fullmatch(text, DEFAULT_LIMITS) == expected


def test_decimal_special_values_do_not_escape() -> None:
    c = expression.compile("amount * 2 > 1", FIELDS)
    try:
        c.evaluate({"amount": Decimal("NaN")})
    except ExpressionError as exc:
        assert exc.code == "bad_value"
    assert c.evaluate({"amount": float("inf")}) is False
