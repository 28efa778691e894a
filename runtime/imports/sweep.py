"""The ``import_uploads`` tick task: an uploaded import file is removed once no import needs it.

An upload is kept while an import that uses it is queued or running, for
:data:`~runtime.imports.storage.KEPT_RESUMABLE` after such an import stopped (a ``failed`` one, or a
``running`` one whose worker died, can be resumed), and for
:data:`~runtime.imports.storage.KEPT_UNUSED` after it was uploaded or after its import finished (so
a dry run can be followed by the real import). The job row, its counts and its problem report stay:
the report is built from ``import_issues``, which hold each row's original cells.

Safe to run twice at once, like :mod:`runtime.files.sweep`: rows are claimed and deleted in one
transaction, bytes are unlinked after the commit once no upload names their checksum.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.files.storage import FileStore
from runtime.files.sweep import Removed, unlink_unreferenced
from runtime.imports.job import KIND
from runtime.imports.storage import KEPT_RESUMABLE, KEPT_UNUSED, store
from runtime.imports.tables import import_uploads
from runtime.jobs import jobs
from runtime.outbox.store import utc
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

BATCH = 200   # uploads looked at per transaction


def needed_by_jobs(conn: sa.Connection, tokens: list[str], now: dt.datetime) -> set[str]:
    """The tokens among ``tokens`` that an import still needs at ``now``."""
    token = jobs.c.params["upload"].as_string()
    resumable_since, finished_since = utc(now) - KEPT_RESUMABLE, utc(now) - KEPT_UNUSED
    needs = sa.or_(
        sa.and_(jobs.c.status.in_(("queued", "running", "failed")), jobs.c.updated_at >= resumable_since),
        sa.and_(jobs.c.status == "done", jobs.c.updated_at >= finished_since))
    return set(conn.execute(sa.select(token).distinct()
                            .where(jobs.c.kind == KIND, token.in_(tokens), needs)).scalars())


def sweep_uploads(engine: sa.Engine, files: FileStore, now: dt.datetime) -> Removed:
    """Remove the uploads no import needs at ``now`` (rows first, then their bytes)."""
    report = Removed()
    u = import_uploads.c
    last_id = 0
    while True:
        with begin_write(engine) as conn:
            candidates = conn.execute(
                sa.select(u.id, u.token, u.sha256)
                .where(u.uploaded_at < utc(now) - KEPT_UNUSED, u.id > last_id)
                .order_by(u.id).limit(BATCH).with_for_update(skip_locked=True)).all()
            needed = needed_by_jobs(conn, [c.token for c in candidates], now) if candidates else set()
            removed = [c for c in candidates if c.token not in needed]
            if removed:
                conn.execute(import_uploads.delete().where(u.id.in_([c.id for c in removed])))
        report.rows += len(removed)
        report.bytes_freed += unlink_unreferenced(engine, files, u.sha256, {c.sha256 for c in removed})
        if len(candidates) < BATCH:
            return report
        last_id = candidates[-1].id


def import_uploads_task(svc: Services, now: dt.datetime) -> dict[str, int]:
    """The tick task: ``{"uploads_removed", "bytes_freed"}``."""
    report = sweep_uploads(svc.engine, store(svc), now)
    return {"uploads_removed": report.rows, "bytes_freed": report.bytes_freed}
