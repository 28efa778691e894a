"""The bridge to expression/: field specs in, ExprDef or positioned diagnostics out.

Also a cheap lexical scan of an expression's identifiers, used to order formula fields (a formula's
type depends on the formulas it reads) before any of them is compiled.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Mapping

from schema_store.diagnostics import Diagnostic, Span, diag
from schema_store.field_types import assignable
from schema_store.model import ExprDef

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_IDENT = re.compile(r"(?<![\w$.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?!\s*\()")
_VOLATILE = re.compile(r"\$(now|today|user)\b|\b(today|now|hoursinstage|daysinstage|ischanged|priorvalue|isnew)\s*\(",
                       re.IGNORECASE)


class ExpressionUnavailable(RuntimeError):
    """expression/ cannot be imported (yet)."""


def _module() -> Any:
    try:
        import expression
    except ImportError as exc:  # pragma: no cover - only while expression/ is being built
        raise ExpressionUnavailable(str(exc)) from exc
    if not hasattr(expression, "compile"):
        raise ExpressionUnavailable("expression.compile is missing")
    return expression


def spec(expr_type: str, options: tuple[str, ...] | None = None) -> Any:
    """What ``expression.compile(fields=...)`` takes for one field."""
    if options is None:
        return expr_type
    return _module().FieldSpec(expr_type, options=tuple(options))


def source_of(value: Any) -> str:
    """JSON literals are accepted where an expression is expected: 15 -> ``15``, true -> ``TRUE``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return str(value)


def type_name(t: Any) -> str:
    return str(getattr(t, "name", getattr(t, "value", t)))


def compile_expression(source: str, fields: Mapping[str, Any], path: str,
                       expect: str | None = None) -> tuple[ExprDef | None, list[Diagnostic]]:
    """Compile ``source`` against ``fields``; problems come back as diagnostics at ``path``.

    ``expect`` is checked here with :func:`field_types.assignable` (so a number may go where a
    currency is needed and a text literal where a picklist is), not by the checker itself.
    """
    try:
        mod = _module()
    except ExpressionUnavailable as exc:
        return None, [diag("expr.unavailable", path, detail=str(exc))]
    try:
        try:
            compiled = _compile_for(source, _signature(source, fields))
        except mod.ExpressionError:
            compiled = mod.compile(source, fields=fields)  # again with every field, for the hints
    except mod.ExpressionError as err:
        problems = list(getattr(err, "errors", None) or [err])
        return None, [_from_error(p, path) for p in problems]
    except RecursionError:
        return None, [diag("expr.internal", path, detail="too deeply nested")]
    actual = type_name(compiled.type)
    if expect is not None and not assignable(actual, expect):
        return None, [diag("expr.result_type", path, span=whole_span(source), actual=actual, expected=expect)]
    return ExprDef(source=source, path=path, type=actual, compiled=compiled), []


@functools.lru_cache(maxsize=8192)
def _compile_for(source: str, signature: tuple[tuple[str, Any], ...]) -> Any:
    """Compiled expressions, memoized on the source and the types of the names it may read (a pure
    function: the same inputs always give the same immutable result)."""
    return _module().compile(source, fields=dict(signature))


_ALWAYS = ("stage", "stage_entered_at")  # read by STAGE(), HOURSINSTAGE() without being named


def _signature(source: str, fields: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    names = set(_ALWAYS)
    for ref in lexical_references(source):
        names.add(ref)
        names.add(ref.split(".")[0])
    return tuple(sorted((n, fields[n]) for n in names if n in fields))


def _from_error(problem: Any, path: str) -> Diagnostic:
    get = (problem.get if isinstance(problem, Mapping) else lambda k, d=None: getattr(problem, k, d))
    line, col = get("line"), get("column")
    span: Span | None = None
    if line is not None and col is not None:
        end_line = get("end_line") or line
        end_col = get("end_column") or col + 1
        span = (int(line), int(col), int(end_line), int(end_col))
    messages = get("messages") or {"en": str(get("message", problem))}
    from types import MappingProxyType

    return Diagnostic(code=str(get("code", "expression.error")), messages=MappingProxyType(dict(messages)),
                      path=path, span=span, hint=get("hint"))


def whole_span(source: str) -> Span:
    lines = source.split("\n")
    return (1, 1, len(lines), len(lines[-1]) + 1)


def lexical_references(source: str) -> set[str]:
    """Identifiers (and dotted paths) an expression may read: a superset of its real references."""
    bare = _STRING.sub('""', source)
    return {m.group(1) for m in _IDENT.finditer(bare) if not m.group(1).upper() in ("TRUE", "FALSE",
                                                                                        "AND", "OR", "NOT")}


def is_volatile(source: str) -> bool:
    """True when the value depends on more than the record: the clock, the user, prior values."""
    return bool(_VOLATILE.search(_STRING.sub('""', source)))
