"""Preview: the first rows of a file through the whole save pipeline in a transaction that is
rolled back, so the user sees each row's values as they would be saved (defaults and formulas
included) and each problem beside its column, and nothing is written."""
from __future__ import annotations

from typing import Any

from runtime.imports.batches import Plan, run_batch
from runtime.imports.duplicates import FileKeys
from runtime.imports.mapping import ColumnMap
from runtime.imports.readers import TableFile, text_sample
from runtime.imports.cells import cell_text
from runtime.records import RecordService
from runtime.records.reading import record_json
from runtime.ui.display import Titles, prefetch, text
from schema_store.database import begin_write

PREVIEW_ROWS = 20


def preview(service: RecordService, object_name: str, table: TableFile, mapping: list[ColumnMap],
            limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    rows = text_sample(table.rows(), limit)
    plan = Plan(service, object_name, mapping, FileKeys(service.schema, object_name))
    with begin_write(service.svc.engine) as conn:
        try:
            outcome = run_batch(conn, plan, rows)
            records = {number: service.get(object_name, record_id, conn=conn)
                       for number, record_id in outcome.ids.items()}
        finally:
            conn.rollback()
    obj = service.object(object_name)
    titles = Titles(service)
    prefetch(titles, obj, [c.field for c in mapping if c.field], records.values())
    shown = {number: {c.field: text(obj, c.field, record.get(c.field), titles, service.tz) for c in mapping if c.field}
             for number, record in records.items()}
    saved = {number: record_json(record, service.tz) for number, record in records.items()}
    out = []
    for row in rows:
        issues = [i for i in outcome.issues if i.row == row.number]
        errors: dict[str, list[str]] = {}
        for issue in issues:
            if issue.refused:
                errors.setdefault(issue.column or "", []).append(issue.message)
        record = saved.get(row.number)
        values = {c.field: record.get(c.field) for c in mapping if c.field} if record else {}
        out.append({"row": row.number, "cells": [cell_text(c) for c in row.cells], "values": values,
                    "display": shown.get(row.number, {}),
                    "ok": record is not None and not any(i.refused for i in issues),
                    "errors": errors, "notes": [i.to_json() for i in issues if not i.refused]})
    return out
