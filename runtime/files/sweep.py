"""The ``file_uploads`` tick task: uploads that no save attached within :data:`RETENTION` are
removed, their bytes too once no other row keeps the same content.

"Attached" is what the download check (:func:`runtime.files.service.readable`) goes by: a
``record_id``. A file stays attached when it is taken off its record and when the record is
soft-deleted (it can be restored), so the sweep never touches an attached row.

Safe to run twice at once: rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite's
write lock serializes the transactions) and deleted in the same transaction; blobs are unlinked
after the commit, only when no row names their checksum any more, and a blob another sweep already
removed is simply not counted.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.files.storage import FileStore, lock_contents
from runtime.files.tables import files
from runtime.outbox.store import utc
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

RETENTION = dt.timedelta(hours=24)   # an upload no save attached is kept this long
BATCH = 500                          # rows claimed per transaction


@dataclass
class Removed:
    """What one sweep removed: rows, and bytes on disk."""

    rows: int = 0
    bytes_freed: int = 0


def sweep_files(engine: sa.Engine, store: FileStore, now: dt.datetime,
                retention: dt.timedelta = RETENTION) -> Removed:
    """Remove the unattached uploads older than ``retention`` at ``now``, a batch at a time."""
    report = Removed()
    cutoff = utc(now) - retention
    while True:
        with begin_write(engine) as conn:
            claimed = conn.execute(
                sa.select(files.c.id, files.c.sha256)
                .where(files.c.record_id.is_(None), files.c.uploaded_at < cutoff)
                .order_by(files.c.id).limit(BATCH).with_for_update(skip_locked=True)).all()
            if claimed:
                conn.execute(files.delete().where(files.c.id.in_([r.id for r in claimed]),
                                                  files.c.record_id.is_(None)))
        report.rows += len(claimed)
        report.bytes_freed += unlink_unreferenced(engine, store, files.c.sha256, {r.sha256 for r in claimed})
        if len(claimed) < BATCH:
            return report


def unlink_unreferenced(engine: sa.Engine, store: FileStore, referenced_by: sa.Column,
                        checksums: set[str]) -> int:
    """Remove from ``store`` the bytes (and cached PDF previews) of each checksum that no row names
    in the ``referenced_by`` column any more; the number of bytes this call freed."""
    if not checksums:
        return 0
    freed = 0
    with begin_write(engine) as conn:   # an upload of the same bytes waits, then keeps them anew
        lock_contents(conn, checksums)
        still_used = set(conn.execute(sa.select(referenced_by).distinct()
                                      .where(referenced_by.in_(sorted(checksums)))).scalars())
        for sha256 in sorted(checksums - still_used):
            path = store.path(sha256)
            freed += _unlink(path)
            for preview in path.parent.glob(f"{sha256}.p*.png"):
                _unlink(preview)
    return freed


def _unlink(path: Path) -> int:
    """Delete ``path``; its size, or 0 when it was already gone."""
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


def file_uploads_task(svc: Services, now: dt.datetime) -> dict[str, int]:
    """The tick task: ``{"files_removed", "bytes_freed"}``."""
    from runtime.files import STORE_KEY
    report = sweep_files(svc.engine, svc.extras[STORE_KEY], now)
    return {"files_removed": report.rows, "bytes_freed": report.bytes_freed}
