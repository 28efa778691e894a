"""Type names, field specifications, and the rules that combine types."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping, Protocol, Union


class T(enum.StrEnum):
    """The types of the language (values are the strings used in metadata)."""

    NUMBER = "number"
    CURRENCY = "currency"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    PICKLIST = "picklist"
    MULTI_PICKLIST = "multi_picklist"
    LOOKUP = "lookup"
    FILE = "file"
    BLANK = "blank"


NUMBER, CURRENCY, TEXT, BOOLEAN = T.NUMBER.value, T.CURRENCY.value, T.TEXT.value, T.BOOLEAN.value
DATE, DATETIME, PICKLIST, MULTI_PICKLIST = T.DATE.value, T.DATETIME.value, T.PICKLIST.value, T.MULTI_PICKLIST.value
LOOKUP, FILE, BLANK = T.LOOKUP.value, T.FILE.value, T.BLANK.value
ALL_TYPES = frozenset(t.value for t in T)
#: internal: the type of a node that already produced an error (accepted everywhere, silently).
ERROR = "error"

NUMERIC = frozenset({NUMBER, CURRENCY})
TEXTLIKE = frozenset({TEXT, PICKLIST})
TEMPORAL = frozenset({DATE, DATETIME})
ORDERED = NUMERIC | TEXTLIKE | TEMPORAL
ANY = ALL_TYPES


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field's type and, for picklists, its allowed options."""

    type: str
    options: tuple[str, ...] | None = None


FieldDecl = Union[str, FieldSpec]


class FieldTypes(Protocol):
    """What the checker needs to know about fields: a mapping from path to type or FieldSpec."""

    def get(self, key: str, default: None = None) -> FieldDecl | None: ...  # pragma: no cover

    def keys(self): ...  # pragma: no cover


def field_spec(decl: FieldDecl) -> FieldSpec:
    """Normalize a declaration (``"number"`` or ``FieldSpec``) to a FieldSpec."""
    if isinstance(decl, FieldSpec):
        return decl
    return FieldSpec(str(decl))


def family(t: str) -> str:
    """The comparison family of a type: numbers together, text with picklists."""
    if t in NUMERIC:
        return "numeric"
    if t in TEXTLIKE:
        return "text"
    return t


class TypeClash(Exception):
    """Two types that cannot be combined (internal; the checker turns it into an error)."""


def unify(a: str, b: str) -> str:
    """The common type of two branches (IF, CASE, BLANKVALUE, MIN...)."""
    if a == ERROR or b == ERROR:
        return ERROR
    if a == b:
        return a
    if a == BLANK:
        return b
    if b == BLANK:
        return a
    if a in NUMERIC and b in NUMERIC:
        return CURRENCY
    if a in TEXTLIKE and b in TEXTLIKE:
        return TEXT
    if {a, b} == {LOOKUP, NUMBER}:
        return NUMBER
    raise TypeClash(f"{a} and {b}")


def unify_all(types: list[str] | tuple[str, ...]) -> str:
    result = BLANK
    for t in types:
        result = unify(result, t)
    return result


def comparable(a: str, b: str, op: str) -> bool:
    """Whether ``a op b`` is allowed."""
    if ERROR in (a, b) or BLANK in (a, b):
        return True
    fa, fb = family(a), family(b)
    if op in ("=", "<>"):
        if fa == fb:
            return a not in (MULTI_PICKLIST, FILE)
        return {a, b} <= {LOOKUP, NUMBER}
    return fa == fb and a in ORDERED


def accepts(allowed: frozenset[str], t: str) -> bool:
    """Whether a parameter accepting ``allowed`` takes a value of type ``t``."""
    return t in allowed or t in (BLANK, ERROR)


def describe(allowed: frozenset[str]) -> str:
    """A short English description of a set of accepted types."""
    if allowed >= ALL_TYPES:
        return "any value"
    if allowed == NUMERIC:
        return "number"
    if allowed == TEXTLIKE:
        return "text"
    if allowed == NUMERIC | TEMPORAL:
        return "number, date or datetime"
    return " or ".join(sorted(allowed))


def infer(value: object) -> str:
    """The type of a Python value (for ``expression.evaluate``)."""
    import datetime as _dt
    import decimal as _dec

    if value is None:
        return BLANK
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float, _dec.Decimal)):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if isinstance(value, _dt.datetime):
        return DATETIME
    if isinstance(value, _dt.date):
        return DATE
    if isinstance(value, (tuple, list, set, frozenset)):
        return MULTI_PICKLIST
    return FILE


def infer_fields(values: Mapping[str, object]) -> dict[str, str]:
    return {k: infer(v) for k, v in values.items()}
