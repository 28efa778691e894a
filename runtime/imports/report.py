"""The per-row problem report of an import as CSV: row number, kind, column, message, the record it
concerns, then the row's original values under the file's own headers, so the user can fix the
refused rows in Excel and import them again. UTF-8 with a BOM, so Excel opens Chinese correctly."""
from __future__ import annotations

import csv
import io
from typing import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.imports.tables import import_issues

BOM = "\ufeff"
CHUNK_ROWS = 1000


def kind_label(kind: str) -> str:
    return {"error": _("refused"), "duplicate": _("refused (duplicate)"), "warning": _("possible duplicate"),
            "merged": _("merged")}.get(kind, kind)


def issues_csv(engine: sa.Engine, job_id: int, headers: list[str]) -> Iterator[str]:
    """The report, streamed in chunks (a job may have many thousand problems)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Result"), _("Column"), _("Message"), _("Record"), *headers])
    yield BOM + buffer.getvalue()
    last = 0
    c = import_issues.c
    while True:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(import_issues).where(c.job_id == job_id, c.id > last)
                                .order_by(c.id).limit(CHUNK_ROWS)).all()
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for r in rows:
            cells = list(r.cells or [])
            writer.writerow([r.row, kind_label(r.kind), r.column or "", r.message,
                             f"#{r.record_id}" if r.record_id else "", *cells])
        last = rows[-1].id
        yield buffer.getvalue()
