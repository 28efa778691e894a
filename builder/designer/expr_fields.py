"""What an expression typed in the designer may read: the DRAFT's fields (the analyst writes about
fields that may not be published yet), typed the way publishing will type them; the live schema's
fields when the draft cannot be typed at all."""
from __future__ import annotations

from typing import Any, Mapping

from schema_store import field_typing
from schema_store.check_context import Context
from schema_store.diagnostics import diag
from schema_store.expressions import whole_span
from schema_store.field_types import assignable

import expression


def draft_fields(document: Mapping[str, Any], object_name: str) -> dict[str, Any] | None:
    """Field path -> type spec for expressions on ``object_name`` in the draft ``document`` (own
    fields, system columns, lookup and user paths), or None if the draft has no such object or
    cannot be typed."""
    ctx = Context(document if isinstance(document, dict) else {})
    if object_name not in ctx.objects:
        return None
    try:
        field_typing.collect(ctx)
        field_typing.resolve(ctx)
    except Exception:  # noqa: BLE001 - a draft may be malformed anywhere; fall back, never a 500
        return None
    return ctx.fields_map(object_name)


def check(source: str, fields: Mapping[str, Any], expect: str | None, lang: str) -> dict[str, Any]:
    """The shape of ``POST /api/v1/expressions/check`` for the designer: the result type is checked
    with publishing's own rule (a number may go where a currency is needed...)."""
    diagnosis = expression.check(source, fields=fields)
    out = diagnosis.to_dict(lang)
    if diagnosis.ok and expect and not assignable(str(diagnosis.type), expect):
        line, column, end_line, end_column = whole_span(source)
        problem = diag("expr.result_type", span=(line, column, end_line, end_column),
                       actual=diagnosis.type, expected=expect)
        out.update(ok=False, errors=[{
            "code": problem.code, "message": problem.message(lang), "line": line, "column": column,
            "end_line": end_line, "end_column": end_column, "excerpt": None, "hint": None}])
    out["expect"] = expect
    return out
