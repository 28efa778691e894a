"""The expression language: Excel/Salesforce-style formulas, checked before they run, with two
compile targets (Python closures and SQLAlchemy expressions) that agree, blanks included.

    >>> import expression
    >>> expression.evaluate('IF(budget > 100, "big", "small")', {"budget": 150})
    'big'
    >>> c = expression.compile("budget * 2", fields={"budget": "currency"})
    >>> c.type, c.evaluate({"budget": 1.5})
    ('currency', Decimal('3.0'))

Imports nothing of ours: only the standard library, lark and SQLAlchemy Core.
"""
from __future__ import annotations

import datetime as _dt
import decimal
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from expression.calendar import MONDAY_TO_FRIDAY, WeekdayCalendar, WorkCalendar
from expression.check import Checked, Checker
from expression.context import APP_TZ, DEFAULT_CONTEXT, EMPTY, Context, is_context_dict
from expression.errors import ExpressionError, Text, error, first_of
from expression.functions import BUILTINS, Doc, Function, Param, Registry, Variable
from expression.limits import DEFAULT_LIMITS, Limits
from expression.parser import parse
from expression.types import T, FieldSpec, infer_fields

__all__ = [
    "APP_TZ", "BUILTINS", "Compiled", "Context", "DEFAULT_LIMITS", "Diagnosis", "Doc", "ExpressionError",
    "FieldSpec", "Function", "Limits", "MONDAY_TO_FRIDAY", "Param", "Registry", "T", "Variable",
    "WeekdayCalendar", "WorkCalendar", "check", "compile", "evaluate",
]


@dataclass(frozen=True)
class Compiled:
    """A checked, compiled expression: immutable, reusable, cheap to call."""

    source: str
    type: str
    references: frozenset[str]
    sql_capable: bool
    sql_reason: dict[str, str] | None
    _fn: Callable[[Mapping[str, Any], Context], Any] = field(repr=False, compare=False)
    _checked: Checked = field(repr=False, compare=False)
    _registry: Registry = field(repr=False, compare=False)

    def evaluate(self, ctx: Context | Mapping[str, Any] | None = None) -> Any:
        """Evaluate for one record: ``ctx`` is a Context, a dict of Context fields, or the record itself."""
        fn = self._fn
        try:
            if ctx.__class__ is Context:
                return fn(ctx.record, ctx)  # type: ignore[union-attr]
            if ctx is None:
                return fn(EMPTY, DEFAULT_CONTEXT)
            if "record" in ctx and is_context_dict(ctx):  # type: ignore[operator, arg-type]
                c = Context(**ctx)  # type: ignore[arg-type]
                return fn(c.record, c)
            return fn(ctx, DEFAULT_CONTEXT)  # type: ignore[arg-type]
        except ExpressionError:
            raise
        except decimal.InvalidOperation as exc:
            raise error("bad_value", "a number in the record is not valid (NaN or infinite)",
                        "记录中有无效的数字（NaN 或无穷大）", source=self.source) from exc
        except Exception as exc:  # a bug or a hostile value must not leak as a traceback
            raise error("runtime", f"the expression failed: {type(exc).__name__}", "表达式执行失败",
                        source=self.source, span=self._checked.node.span if self._checked.node else None) from exc

    def bind(self, ctx: Context | None = None) -> Callable[[Mapping[str, Any]], Any]:
        """A function ``record -> value`` sharing one context (for loops over many records)."""
        c = ctx or DEFAULT_CONTEXT
        evaluate = self.evaluate
        fn = self._fn

        def run(record: Mapping[str, Any]) -> Any:
            try:
                return fn(record, c)
            except Exception:
                return evaluate(Context(record=record, prior=c.prior, is_new=c.is_new, user=c.user, now=c.now,
                                        tz=c.tz, calendar=c.calendar, stage=c.stage,
                                        stage_entered_at=c.stage_entered_at))
        return run

    def to_sql(self, columns: Mapping[str, Any], *, now: _dt.datetime | None = None,
               user: Mapping[str, Any] | None = None, tz: _dt.tzinfo | None = None) -> Any:
        """A SQLAlchemy expression for SQLite and PostgreSQL.

        ``columns`` maps every referenced field path (and ``stage``/``stage_entered_at`` for the stage
        helpers) to a column element. ``now``/``user``/``tz`` become bind parameters.
        """
        from expression.to_sql import SqlCompiler, result_expr

        if not self.sql_capable:
            reason = self._checked.sql_reason or Text("cannot run in the database", "无法在数据库中执行")
            raise ExpressionError("not_sql", reason, source=self.source, span=self._checked.sql_span)
        assert self._checked.node is not None
        compiler = SqlCompiler(self._checked, self._registry, columns, now=now, user=user, tz=tz or APP_TZ)
        return result_expr(compiler.compile(self._checked.node), self.source)


@dataclass(frozen=True)
class Diagnosis:
    """The result of ``check``: every problem found, and what compile would produce."""

    ok: bool
    type: str | None
    sql_capable: bool
    sql_reason: dict[str, str] | None
    references: frozenset[str]
    errors: tuple[ExpressionError, ...]

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """The shape of ``POST /expressions/check``: ``{ok, type, sql, sql_reason, errors}``."""
        reason = self.sql_reason
        return {"ok": self.ok, "type": self.type, "sql": self.sql_capable,
                "sql_reason": (reason.get("zh-CN") if locale.lower().startswith("zh") else reason.get("en"))
                if reason else None,
                "references": sorted(self.references), "errors": [e.to_dict(locale) for e in self.errors]}


def _check(source: str, fields: Mapping[str, str | FieldSpec] | None, expect: str | Iterable[str] | None,
           functions: Registry, limits: Limits) -> Checked:
    try:
        node = parse(source, limits)
    except ExpressionError as exc:
        return Checked(source if isinstance(source, str) else "", None, "error", {}, frozenset(), (exc,), None, None)
    return Checker(source, fields or {}, functions).run(node, expect)


def check(source: str, fields: Mapping[str, str | FieldSpec] | None = None, expect: str | Iterable[str] | None = None,
          *, functions: Registry = BUILTINS, limits: Limits = DEFAULT_LIMITS) -> Diagnosis:
    """Check without raising: all errors, the result type and SQL capability (for the designer)."""
    try:
        checked = _check(source, fields, expect, functions, limits)
    except ExpressionError as exc:
        checked = Checked(source, None, "error", {}, frozenset(), (exc,), None, None)
    except Exception as exc:  # pragma: no cover - defensive: never a traceback for user input
        checked = Checked(source, None, "error", {}, frozenset(), (_internal(source, exc),), None, None)
    ok = checked.ok
    return Diagnosis(ok, checked.type if ok else None, ok and checked.sql_reason is None,
                     checked.sql_reason.as_dict() if checked.sql_reason else None, checked.references,
                     checked.errors)


def compile(source: str, fields: Mapping[str, str | FieldSpec] | None = None,
            expect: str | Iterable[str] | None = None, *, functions: Registry = BUILTINS,
            limits: Limits = DEFAULT_LIMITS) -> Compiled:
    """Parse, check and compile; raises ExpressionError (first problem; all in ``.errors``)."""
    from expression.to_python import PyCompiler

    try:
        checked = _check(source, fields, expect, functions, limits)
        if checked.errors:
            raise first_of(list(checked.errors))
        assert checked.node is not None
        fn = PyCompiler(checked, functions, limits).compile(checked.node)
    except ExpressionError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: never a traceback for user input
        raise _internal(source, exc) from exc
    return Compiled(source, checked.type, checked.references, checked.sql_reason is None,
                    checked.sql_reason.as_dict() if checked.sql_reason else None, fn, checked, functions)


def evaluate(source: str, values: Mapping[str, Any] | None = None, **context: Any) -> Any:
    """Evaluate once with field types inferred from the Python values (untyped use, the CLI, docs).

    ``context`` takes the Context fields: ``now``, ``user``, ``tz``, ``prior``, ``is_new``, ``calendar``,
    ``stage``, ``stage_entered_at``.
    """
    values = dict(values or {})
    types: dict[str, Any] = infer_fields(values)
    for key, value in infer_fields(dict(context.get("prior") or {})).items():
        if types.get(key, "blank") == "blank":
            types[key] = value
    compiled = compile(source, fields=types, functions=context.pop("functions", BUILTINS))
    return compiled.evaluate(Context(record=values, **context))


def _internal(source: str, exc: BaseException) -> ExpressionError:
    return error("internal", f"internal error while compiling the expression ({type(exc).__name__})",
                 "编译表达式时发生内部错误", source=source if isinstance(source, str) else "")
