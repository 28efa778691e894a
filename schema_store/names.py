"""API names: the rule, and the reserved words (SQL keywords, expression words, system columns).

The word lists live in ``document_schema.json`` (``$defs/sqlKeyword``, ``expressionWord``,
``systemColumn``) so that a pack validated with any JSON Schema tool refuses them too.
"""
from __future__ import annotations

import hashlib
import re

from schema_store.document_schema import schema

API_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_IDENTIFIER = 63  # PostgreSQL's limit; SQLite has none

_defs = schema()["$defs"]
SQL_KEYWORDS: frozenset[str] = frozenset(_defs["sqlKeyword"]["enum"])
EXPRESSION_WORDS: frozenset[str] = frozenset(_defs["expressionWord"]["enum"])
SYSTEM_COLUMNS: tuple[str, ...] = tuple(_defs["systemColumn"]["enum"])
APP_PAGES: frozenset[str] = frozenset(_defs["appPage"]["enum"])  # /app/<word> pages; not object names
RESERVED: frozenset[str] = SQL_KEYWORDS | EXPRESSION_WORDS | frozenset(SYSTEM_COLUMNS)
del _defs


def reserved_reason(name: str, *, object_name: bool = False) -> str | None:
    """Why ``name`` is reserved ("SQL keyword", ...), or None when it is free. Object names may
    not take the words of the app's own pages either (``/app/scoring`` is not a list of records)."""
    n = name.lower()
    if n in SYSTEM_COLUMNS:
        return "system column"
    if n in EXPRESSION_WORDS:
        return "expression keyword or function"
    if n in SQL_KEYWORDS:
        return "SQL keyword"
    if object_name and n in APP_PAGES:
        return "address of an app page"
    return None


def is_api_name(name: object) -> bool:
    """True for a well-formed, unreserved API name."""
    return isinstance(name, str) and bool(API_NAME.match(name)) and name not in RESERVED


def identifier(*parts: str) -> str:
    """A database identifier from ``parts`` joined by '_', shortened with a hash past 63 chars."""
    name = "_".join(parts)
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name[:MAX_IDENTIFIER - 11]}_{digest}"


def table_name(object_name: str) -> str:
    return identifier("obj", object_name)


def index_name(object_name: str, column: str, *, unique: bool = False) -> str:
    return identifier("ux" if unique else "ix", "obj", object_name, column)
