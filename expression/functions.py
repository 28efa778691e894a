"""The function registry: one entry per function (signature, type rule, Python impl, SQL impl, docs).

Built-ins register through ``Registry.extend`` exactly as an extension would::

    from expression import BUILTINS, Function, Param, Doc
    mine = BUILTINS.extend(Function("DOUBLE", (Param("x", NUMERIC),), NUMBER, doc=..., py=lambda x: x * 2))
    expression.compile("DOUBLE(budget)", fields=..., functions=mine)

A Registry is immutable: ``extend`` returns a new one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Union

from expression.errors import Text
from expression.types import ANY

#: SQL implementation: (args: tuple[SqlValue, ...], compiler) -> SqlValue | ColumnElement
SqlImpl = Callable[..., Any]
#: Special-form compile hook: (node, arg_fns, arg_types, compiler) -> closure(record, ctx)
PyCompile = Callable[..., Callable[[Any, Any], Any]]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its name (for messages and docs) and the types it accepts."""

    name: str
    types: frozenset[str] = ANY
    optional: bool = False
    field_only: bool = False  # must be written as a field name (ISCHANGED, PRIORVALUE)


@dataclass(frozen=True, slots=True)
class Doc:
    """Documentation in both languages, with an example that the docs test executes."""

    signature: str
    en: str
    zh: str
    blank_en: str
    blank_zh: str
    example: str
    result: str
    category: str = "other"
    given: str = ""  # JSON object: record values and context (prior, is_new, now, user, stage...)


@dataclass(frozen=True, slots=True)
class Function:
    """A function of the language.

    ``returns`` is a type name or a rule ``(arg_types) -> type`` (raise ``TypeClash`` to refuse).
    ``py`` receives evaluated argument values (plus the Context first when ``context`` is set, and
    ``limits=`` when ``limits`` is set). ``compile_py`` replaces ``py`` for special forms that
    need lazy arguments. ``sql`` is None when the function cannot run in a database; ``not_sql``
    says why. ``sql_check(arg_types)`` may refuse SQL for some argument types only.
    """

    name: str
    params: tuple[Param, ...]
    returns: Union[str, Callable[[tuple[str, ...]], str]]
    doc: Doc
    py: Callable[..., Any] | None = None
    sql: SqlImpl | None = None
    not_sql: Text | None = None
    variadic: bool = False
    arity: Callable[[int], Text | None] | None = None
    context: bool = False
    limits: bool = False
    pure: bool = True
    compile_py: PyCompile | None = None
    check: Callable[..., None] | None = None
    sql_check: Callable[[tuple[str, ...]], Text | None] | None = None

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def param(self, i: int) -> Param:
        return self.params[min(i, len(self.params) - 1)]

    def result_type(self, arg_types: tuple[str, ...]) -> str:
        return self.returns(arg_types) if callable(self.returns) else self.returns


@dataclass(frozen=True, slots=True)
class Variable:
    """A context variable (``$now``, ``$user.id``): type, Python getter, SQL builder, docs."""

    name: str
    type: str
    py: Callable[[Any], Any]
    sql: Callable[[Any], Any]
    en: str
    zh: str


@dataclass(frozen=True)
class Registry:
    """An immutable set of functions and context variables."""

    functions: Mapping[str, Function] = field(default_factory=lambda: MappingProxyType({}))
    variables: Mapping[str, Variable] = field(default_factory=lambda: MappingProxyType({}))

    def extend(self, *items: Function | Variable) -> Registry:
        """A new registry with ``items`` added (a later item replaces one of the same name)."""
        funcs, vars_ = dict(self.functions), dict(self.variables)
        for item in items:
            if isinstance(item, Function):
                funcs[item.name.upper()] = item
            elif isinstance(item, Variable):
                vars_[item.name] = item
            else:
                raise TypeError(f"cannot register {item!r}")
        return Registry(MappingProxyType(funcs), MappingProxyType(vars_))

    def get(self, name: str) -> Function | None:
        return self.functions.get(name.upper())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self.functions

    def __iter__(self) -> Iterator[Function]:
        return iter(self.functions.values())

    def __repr__(self) -> str:
        return f"Registry({len(self.functions)} functions, {len(self.variables)} variables)"


def _builtins() -> Registry:
    from expression import lib_dates, lib_logic, lib_math, lib_text

    return Registry().extend(*lib_logic.ITEMS, *lib_text.ITEMS, *lib_math.ITEMS, *lib_dates.ITEMS)


BUILTINS = _builtins()
