"""Creating long jobs and reporting their progress. Each report commits on its own, so
``GET /api/v1/jobs/<id>`` shows it while the job is still running."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

from runtime.clock import Clock
from runtime.jobs.tables import jobs
from runtime.outbox.store import aware, utc
from schema_store.database import begin_write

MAX_ERRORS = 100  # kept per job; error_count keeps counting past it


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    total: int | None
    done: int
    errors: tuple[Any, ...]
    error_count: int
    result: Any
    params: Any
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == "done" else 0
        return max(0, min(100, self.done * 100 // self.total))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "total": self.total,
                "done": self.done, "percent": self.percent, "errors": list(self.errors),
                "error_count": self.error_count, "result": self.result,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat()}


def create_job(conn: sa.Connection, kind: str, *, created_by: int | None, now: dt.datetime,
               params: Any = None, total: int | None = None) -> int:
    """A ``queued`` job row; commit, then run it (see :func:`runtime.jobs.dispatch_job`)."""
    now = utc(now)
    return conn.execute(jobs.insert().values(
        kind=kind, status="queued", total=total, done=0, errors=[], error_count=0, params=params,
        created_by=created_by, created_at=now, updated_at=now).returning(jobs.c.id)).scalar_one()


def get_job(conn: sa.Connection, job_id: int) -> JobView | None:
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        return None
    return JobView(id=row.id, kind=row.kind, status=row.status, total=row.total, done=row.done,
                   errors=tuple(row.errors or ()), error_count=row.error_count, result=row.result,
                   params=row.params, created_by=row.created_by,
                   created_at=aware(row.created_at), updated_at=aware(row.updated_at))  # type: ignore[arg-type]


class Progress:
    """The running job's voice: ``start``, ``advance``, ``finish`` or ``fail``."""

    def __init__(self, engine: sa.Engine, job_id: int, clock: Clock) -> None:
        self.engine, self.job_id, self.clock = engine, job_id, clock

    def start(self, total: int | None = None) -> bool:
        """queued -> running; False when another runner already took the job."""
        values: dict[str, Any] = {"status": "running"}
        if total is not None:
            values["total"] = total
        return self._update(values, jobs.c.status == "queued") == 1

    def set_total(self, total: int) -> None:
        self._update({"total": total})

    def advance(self, done: int = 1, errors: Iterable[Any] = ()) -> None:
        """Count ``done`` more units and record ``errors`` (JSON values, e.g. ``{"row": 7, ...}``)."""
        new_errors = list(errors)
        with begin_write(self.engine) as conn:
            values: dict[str, Any] = {"done": jobs.c.done + done,
                                      "updated_at": utc(self.clock.now())}
            if new_errors:
                kept = conn.execute(sa.select(jobs.c.errors).where(jobs.c.id == self.job_id)
                                    .with_for_update()).scalar() or []
                values["errors"] = (list(kept) + new_errors)[:MAX_ERRORS]
                values["error_count"] = jobs.c.error_count + len(new_errors)
            conn.execute(jobs.update().where(jobs.c.id == self.job_id).values(values))

    def finish(self, result: Any = None) -> None:
        self._update({"status": "done", "result": result})

    def fail(self, error: str, result: Any = None) -> None:
        with begin_write(self.engine) as conn:
            kept = conn.execute(sa.select(jobs.c.errors).where(jobs.c.id == self.job_id)
                                .with_for_update()).scalar() or []
            conn.execute(jobs.update().where(jobs.c.id == self.job_id).values(
                status="failed", result=result, errors=(list(kept) + [{"message": error}])[-MAX_ERRORS:],
                error_count=jobs.c.error_count + 1, updated_at=utc(self.clock.now())))

    def _update(self, values: dict[str, Any], *conditions: sa.ColumnElement[bool]) -> int:
        with begin_write(self.engine) as conn:
            return conn.execute(jobs.update().where(jobs.c.id == self.job_id, *conditions)
                                .values(updated_at=utc(self.clock.now()), **values)).rowcount
