"""The ``import`` job kind: the whole file through the save pipeline in batches. Each batch commits
in ONE transaction with the job's checkpoint (rows done, errors so far, counts) and its rows'
issues, so a crash or a killed worker loses at most the batch in flight, and running the job again
(:func:`resume`) starts after the last committed checkpoint: no row is saved twice.

Runs inline in embedded mode; with Redis, as the RQ job ``runtime.imports.job.run_queued(job_id)``
(that function loads this module, so any worker knows the kind)."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from flask import has_request_context

from runtime.imports.after_commit import collecting
from runtime.imports.batches import BatchResult, Issue, Plan, run_batch
from runtime.imports.duplicates import FileKeys
from runtime.imports.mapping import ColumnMap
from runtime.imports.readers import SheetRow, TableFile
from runtime.imports.cells import row_values
from runtime.imports.storage import require
from runtime.imports.tables import import_issues
from runtime.jobs import JobContext, MAX_ERRORS, create_job, execute_job, get_job, jobs, register_job_kind
from runtime.jobs.kinds import LONG_JOB_TIMEOUT_SECONDS
from runtime.jobs.queue import QueueUnavailable, crm_queue, enqueue_once
from runtime.jobs.progress import Progress
from runtime.outbox.store import utc
from runtime.records import RecordService
from runtime.services import Services
from runtime.users import get_actor
from schema_store.database import begin_write, refresh_statistics

KIND = "import"
TASK = "runtime.imports.job.run_queued"
BATCH_SIZE = 500
STALE_AFTER = dt.timedelta(minutes=2)   # a running import whose checkpoint is older may be resumed


class Superseded(Exception):
    """Another runner moved the checkpoint: this one stops, its batch rolled back."""


@dataclass(frozen=True)
class ImportParams:
    object: str
    upload: str            # the upload token
    sha256: str
    kind: str              # csv | xlsx
    filename: str
    mapping: tuple[ColumnMap, ...]
    sheet: str | None = None
    dry_run: bool = False
    batch_size: int = BATCH_SIZE
    lang: str = "zh-CN"

    def to_json(self) -> dict[str, Any]:
        return {"object": self.object, "upload": self.upload, "sha256": self.sha256, "kind": self.kind,
                "filename": self.filename, "sheet": self.sheet, "dry_run": self.dry_run,
                "batch_size": self.batch_size, "lang": self.lang,
                "mapping": [c.to_json() for c in self.mapping]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "ImportParams":
        mapping = tuple(ColumnMap(c["index"], c["header"], c["field"], c["how"], c.get("score"))
                        for c in raw["mapping"])
        return cls(raw["object"], raw["upload"], raw["sha256"], raw["kind"], raw["filename"], mapping,
                   raw.get("sheet"), bool(raw.get("dry_run")), int(raw.get("batch_size") or BATCH_SIZE),
                   raw.get("lang") or "zh-CN")


# -- starting, dispatching, resuming ---------------------------------------------------------------
def start(svc: Services, params: ImportParams, *, created_by: int) -> int:
    with begin_write(svc.engine) as conn:
        job_id = create_job(conn, KIND, created_by=created_by, now=svc.clock.now(), params=params.to_json())
    dispatch(svc, job_id)
    return job_id


def dispatch(svc: Services, job_id: int) -> None:
    """Inline in embedded mode; otherwise the RQ job ``run_queued(job_id)`` (job id ``job-<id>``)."""
    if svc.settings.embedded:
        execute_job(svc, job_id)
        return
    try:
        enqueue_once(crm_queue(svc.settings.redis_url or ""), TASK, job_id, job_id=f"job-{job_id}",
                     timeout=LONG_JOB_TIMEOUT_SECONDS)
    except QueueUnavailable:
        Progress(svc.engine, job_id, svc.clock).fail(
            "the job queue (Redis) is unreachable; start the job again later")


def run_queued(job_id: int) -> dict[str, Any]:
    """The RQ entry point (a no-op when another runner already took the job)."""
    from runtime.jobs.context import job_services
    return {"job": job_id, "status": execute_job(job_services(), job_id)}


def resumable(job: Any, now: dt.datetime) -> bool:
    """A failed import, or a running one whose last checkpoint is older than STALE_AFTER (its
    worker was killed or lost)."""
    if job.kind != KIND:
        return False
    return job.status == "failed" or (job.status == "running" and utc(now) - utc(job.updated_at) > STALE_AFTER)


def resume(svc: Services, job_id: int) -> bool:
    """Put a resumable import back in the queue; it continues after its last checkpoint.
    UploadRemoved when its file is no longer kept (runtime/imports/sweep.py)."""
    now = svc.clock.now()
    with begin_write(svc.engine) as conn:
        job = get_job(conn, job_id)
        if job is None or not resumable(job, now):
            return False
        require(svc, ImportParams.from_json(job.params).sha256)
        conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.status == job.status,
                                         jobs.c.updated_at == job.updated_at)
                     .values(status="queued", updated_at=utc(now)))
    dispatch(svc, job_id)
    return True


# -- the runner --------------------------------------------------------------------------------------
def run_import(ctx: JobContext) -> dict[str, Any]:
    params = ImportParams.from_json(ctx.params)
    if has_request_context():
        from runtime.services import services
        return _run(ctx, params, services())
    app = _worker_app(ctx.engine.url.render_as_string(hide_password=False))
    with app.test_request_context(headers={"Accept-Language": params.lang}):
        return _run(ctx, params, app.extensions["crm"])


@functools.lru_cache(maxsize=4)
def _worker_app(database_url: str):
    """A runtime app for an RQ worker (hooks, languages, settings from the environment)."""
    from runtime.app import create_runtime_app
    return create_runtime_app({"database_url": database_url, "create_tables": False})


def _run(ctx: JobContext, params: ImportParams, svc: Services) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        actor = get_actor(conn, ctx.created_by) if ctx.created_by is not None else None
        job = get_job(conn, ctx.job_id)
        refused_rows = set(conn.execute(sa.select(import_issues.c.row).where(
            import_issues.c.job_id == ctx.job_id, import_issues.c.kind.in_(("error", "duplicate")))).scalars())
    if actor is None:
        raise PermissionError("the user who started the import no longer exists or is inactive")
    service = RecordService(svc, actor, source="import", lang=params.lang)
    service.access(params.object, "create")
    table = TableFile(require(svc, params.sha256), params.kind, params.sheet)
    if job.total is None:
        ctx.progress.set_total(table.count_rows())
    counts = _counts(job.result)
    plan = Plan(service, params.object, list(params.mapping), FileKeys(service.schema, params.object),
                dry_run=params.dry_run)
    done = job.done
    analyzed_at = max(done, 1000)
    for batch in _batches(table.rows(), params.batch_size, skip=done, plan=plan, refused=refused_rows):
        _commit(ctx, plan, batch, done, counts)
        plan.keys.settle()
        done += len(batch)
        if done >= 4 * analyzed_at and not params.dry_run:  # the tables grew fourfold: fresh plans
            refresh_statistics(ctx.engine, _grown_tables(service.schema, params.object))
            analyzed_at = done
    return {**counts, "dry_run": params.dry_run, "rows": done}


def _grown_tables(schema: Any, object_name: str) -> list[sa.Table]:
    from runtime.dedup.tables import dedup_keys
    from runtime.records.tables import record_history
    return [schema.table(object_name), dedup_keys, record_history]


def _counts(partial: Any) -> dict[str, int]:
    base = {"created": 0, "refused": 0, "duplicates": 0, "warnings": 0, "merged": 0}
    if isinstance(partial, dict):
        base.update({k: int(partial.get(k) or 0) for k in base})
    return base


def _batches(rows: Iterator[SheetRow], size: int, *, skip: int, plan: Plan,
             refused: set[int]) -> Iterator[list[SheetRow]]:
    batch: list[SheetRow] = []
    for position, row in enumerate(rows):
        if position < skip:  # committed before a crash: only its duplicate keys are needed again
            if row.number not in refused:
                plan.keys.remember(row.number, row_values(plan.obj, plan.mapping, row.cells))
            continue
        batch.append(row)
        if len(batch) >= size:
            plan.keys.settle()
            yield batch
            batch = []
    plan.keys.settle()
    if batch:
        yield batch


def _commit(ctx: JobContext, plan: Plan, batch: list[SheetRow], done: int, counts: dict[str, int]) -> BatchResult:
    """The batch and its checkpoint in one transaction (Superseded if the checkpoint moved), then
    the after-commit work of its saves."""
    with collecting() as events, begin_write(ctx.engine) as conn:
        current = conn.execute(sa.select(jobs.c.done, jobs.c.status, jobs.c.errors)
                               .where(jobs.c.id == ctx.job_id).with_for_update()).first()
        if current is None or current.done != done or current.status != "running":
            raise Superseded(f"import job {ctx.job_id} was taken over (checkpoint {done})")
        outcome = run_batch(conn, plan, batch)
        counts["created"] += outcome.created
        counts["refused"] += outcome.refused
        kinds = [issue.kind for issue in outcome.issues]
        counts["duplicates"] += sum(k in ("duplicate", "warning", "merged") for k in kinds)
        counts["warnings"] += kinds.count("warning")
        counts["merged"] += kinds.count("merged")
        _checkpoint(conn, ctx, current, len(batch), outcome.issues, counts)
    if not plan.dry_run:
        plan.service.after_commit(events)
    return outcome


def _checkpoint(conn: sa.Connection, ctx: JobContext, current: Any, rows: int, issues: list[Issue],
                counts: dict[str, int]) -> None:
    if issues:
        conn.execute(import_issues.insert(), [
            {"job_id": ctx.job_id, "row": i.row, "kind": i.kind, "column": i.column, "message": i.message,
             "record_id": i.record_id, "duplicate_of_row": i.duplicate_of_row, "cells": list(i.cells)}
            for i in issues])
    reported = [i.to_json() for i in issues]
    values: dict[str, Any] = {"done": current.done + rows, "result": dict(counts),
                              "updated_at": utc(ctx.clock.now())}
    if reported:
        values["errors"] = (list(current.errors or []) + reported)[:MAX_ERRORS]
        values["error_count"] = jobs.c.error_count + len(reported)
    conn.execute(jobs.update().where(jobs.c.id == ctx.job_id).values(values))


register_job_kind(KIND, run_import, description="Import a CSV or XLSX file into an object, in batches.")
