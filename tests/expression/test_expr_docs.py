"""docs/expressions.md documents every registered function and context variable, and every example
on the page runs and gives the stated result."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

import expression
from expression import BUILTINS

DOC = Path(__file__).resolve().parents[2] / "docs" / "expressions.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLE = re.compile(r"`(?P<expr>[^`]+)` → `(?P<result>[^`]+)`(?: — with `(?P<given>[^`]+)`)?")
CONTEXT_KEYS = {"now", "prior", "is_new", "user", "stage", "stage_entered_at"}
EXAMPLES = [m.groupdict() for m in EXAMPLE.finditer(TEXT)]


def _value(v: Any) -> Any:
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+([+-]\d\d:\d\d)?", v):
        return dt.datetime.fromisoformat(v)
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v):
        return dt.date.fromisoformat(v)
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return v


def run_example(expr: str, given: str | None) -> Any:
    data = {k: _value(v) for k, v in json.loads(given or "{}").items()}
    context = {k: v for k, v in data.items() if k in CONTEXT_KEYS}
    record = {k: v for k, v in data.items() if k not in CONTEXT_KEYS}
    return expression.evaluate(expr, record, **context)


@pytest.mark.parametrize("fn", list(BUILTINS), ids=lambda f: f.name)
def test_every_registered_function_is_documented(fn: expression.Function) -> None:
    assert re.search(rf"^#### {re.escape(fn.name)}$", TEXT, re.M), f"{fn.name} is missing from {DOC.name}"
    section = TEXT.split(f"#### {fn.name}\n", 1)[1].split("\n#### ", 1)[0]
    assert fn.doc.example in section and "zh-CN:" in section and "Blank" in section
    assert fn.doc.en and fn.doc.zh and fn.doc.blank_en and fn.doc.blank_zh


@pytest.mark.parametrize("name", sorted(BUILTINS.variables))
def test_every_context_variable_is_documented(name: str) -> None:
    assert f"`${name}`" in TEXT


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= len(list(BUILTINS)) + 20


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["expr"])
def test_every_example_on_the_page_runs(example: dict[str, str]) -> None:
    got = run_example(example["expr"], example["given"])
    want = expression.evaluate(example["result"])
    assert got == want, f"{example['expr']} gave {got!r}, the docs say {example['result']}"


@pytest.mark.parametrize("fn", list(BUILTINS), ids=lambda f: f.name)
def test_registry_examples_run(fn: expression.Function) -> None:
    assert run_example(fn.doc.example, fn.doc.given or None) == expression.evaluate(fn.doc.result)
