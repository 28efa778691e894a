"""Kinds of long job (an import, a recompute) and running one: inline in embedded mode, as the RQ
job ``runtime.jobs.tasks.run_job(job_id)`` otherwise. A kind registers like an outbox action, at
import time of a module the web process and the workers both load."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import sqlalchemy as sa

from runtime.clock import Clock
from runtime.jobs.progress import Progress, create_job, get_job
from runtime.jobs.queue import QueueUnavailable, crm_queue, enqueue_once
from runtime.services import Services
from schema_store.database import begin_write

log = logging.getLogger("crm.jobs")

TASK = "runtime.jobs.tasks.run_job"
LONG_JOB_TIMEOUT_SECONDS = 6 * 3600


@dataclass(frozen=True)
class JobContext:
    """What a job runner gets. It opens its own transactions (``engine``), e.g. one per batch,
    and reports through ``progress``."""

    engine: sa.Engine
    clock: Clock
    job_id: int
    kind: str
    params: Any
    created_by: int | None
    progress: Progress


JobRunner = Callable[[JobContext], Any]


@dataclass(frozen=True)
class JobKind:
    name: str
    runner: JobRunner
    description: str


class JobKindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def register(self, name: str, runner: JobRunner, *, description: str) -> JobKind:
        existing = self._kinds.get(name)
        same = existing is not None and (existing.runner.__module__, existing.runner.__qualname__) == (
            runner.__module__, runner.__qualname__)
        if existing is not None and not same:
            raise ValueError(f"job kind {name!r} is already registered")
        if not description.strip():
            raise ValueError(f"job kind {name!r} needs a description")
        kind = JobKind(name, runner, description.strip())
        self._kinds[name] = kind
        return kind

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[JobKind]:
        return iter(sorted(self._kinds.values(), key=lambda k: k.name))


JOB_KINDS = JobKindRegistry()


def register_job_kind(name: str, runner: JobRunner, *, description: str) -> JobKind:
    """``runner(ctx) -> result`` (JSON); raising marks the job failed with the error."""
    return JOB_KINDS.register(name, runner, description=description)


def start_job(services: Services, kind: str, params: Any = None, *, created_by: int | None,
              total: int | None = None) -> int:
    """Create a job of ``kind`` and run it (inline, or via RQ). Returns the job id."""
    if kind not in JOB_KINDS:
        raise LookupError(f"no job kind named {kind!r} is registered")
    with begin_write(services.engine) as conn:
        job_id = create_job(conn, kind, created_by=created_by, now=services.clock.now(),
                            params=params, total=total)
    dispatch_job(services, job_id)
    return job_id


def dispatch_job(services: Services, job_id: int) -> None:
    """Run a committed ``queued`` job. When Redis is unreachable the job is marked failed with a
    message saying so (the user can start it again), rather than waiting forever."""
    if services.settings.embedded:
        execute_job(services, job_id)
        return
    try:
        enqueue_once(crm_queue(services.settings.redis_url or ""), TASK, job_id,
                     job_id=f"job-{job_id}", timeout=LONG_JOB_TIMEOUT_SECONDS)
    except QueueUnavailable as exc:
        log.warning("job %s could not be queued: %s", job_id, exc)
        Progress(services.engine, job_id, services.clock).fail(
            "the job queue (Redis) is unreachable; start the job again later")


def execute_job(services: Services, job_id: int) -> str:
    """Run a ``queued`` job to the end; returns its final status. Never raises for the job's own
    errors (they are recorded); a job already taken by another runner is left alone."""
    progress = Progress(services.engine, job_id, services.clock)
    with services.engine.connect() as conn:
        job = get_job(conn, job_id)
    if job is None:
        return "missing"
    kind = JOB_KINDS.get(job.kind)
    if job.status != "queued" or not progress.start():
        return job.status
    if kind is None:
        progress.fail(f"no job kind named {job.kind!r} is registered in this process")
        return "failed"
    ctx = JobContext(engine=services.engine, clock=services.clock, job_id=job_id, kind=job.kind,
                     params=job.params, created_by=job.created_by, progress=progress)
    try:
        result = kind.runner(ctx)
    except Exception as exc:  # noqa: BLE001 - recorded on the job, shown to its owner
        log.exception("job %s (%s) failed", job_id, job.kind)
        progress.fail(f"{type(exc).__name__}: {exc}"[:2000])
        return "failed"
    progress.finish(result)
    return "done"
