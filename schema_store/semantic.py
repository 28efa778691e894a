"""Validation of a whole document: JSON Schema first, then semantics (references resolve, every
expression type-checks with the right result type, formulas form no cycle, picklist defaults are
options). All problems are collected; none stops the others."""
from __future__ import annotations

from typing import Any

from schema_store import expressions, field_typing
from schema_store.check_automation import check_approvals, check_assignment, check_rules, check_scoring
from schema_store.check_context import Context
from schema_store.check_objects import check_objects
from schema_store.check_sections import (check_calendar, check_duplicates, check_forms, check_permissions,
                                         check_reports, check_teams)
from schema_store.diagnostics import Diagnostic
from schema_store.document_schema import _check_item, check_document

SECTION_CHECKS = (check_objects, check_rules, check_assignment, check_approvals, check_scoring,
                  check_duplicates, check_forms, check_reports, check_permissions, check_teams, check_calendar)


def check_semantics(document: dict[str, Any], *, tolerant: bool = False) -> Context:
    """Run every semantic check; the returned context holds diagnostics and compiled expressions.

    ``tolerant``: the document failed its JSON Schema, so a crash on a malformed part is swallowed
    (the schema diagnostics already explain it) instead of raised.
    """
    ctx = Context(document)
    steps = (field_typing.collect, field_typing.resolve) + SECTION_CHECKS
    for step in steps:
        try:
            step(ctx)
        except Exception:  # noqa: BLE001 - only reachable for documents the schema already refused
            if not tolerant:
                raise
            ctx.types_final = True
    return ctx


def validate(document: Any) -> list[Diagnostic]:
    """Every problem of ``document``: JSON Schema diagnostics, then semantic ones (minus those
    inside a part the schema already refused)."""
    schema_problems = check_document(document)
    if not isinstance(document, dict):
        return schema_problems
    ctx = check_semantics(document, tolerant=bool(schema_problems))
    refused = [d.path for d in schema_problems]
    semantic = [d for d in ctx.diagnostics
                if not any(d.path == p or d.path.startswith(p + "/") for p in refused)]
    return schema_problems + _dedupe(semantic)


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, str, Any]] = set()
    out = []
    for d in diags:
        key = (d.path, d.code, d.messages.get("en", ""), d.span)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def clear_memos() -> None:
    """Forget memoized checks (per-object schema results, compiled expressions): for benchmarks
    that must measure a document never seen by this process."""
    _check_item.cache_clear()
    expressions._compile_for.cache_clear()
