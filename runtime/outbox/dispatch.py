"""After the commit: hand outbox items to a runner. Embedded mode (no ``REDIS_URL``) runs them
inline; otherwise each becomes an RQ job. Nothing here raises to the saving user: an item that
cannot be handed over stays ``pending`` in the database and :func:`sweep` picks it up later."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import deque
from dataclasses import dataclass
from typing import Iterable

from runtime.clock import FixedClock
from runtime.jobs.queue import QueueUnavailable, crm_queue, enqueue_once
from runtime.outbox.runner import RunResult, run_item
from runtime.outbox.store import due_item_ids, release_expired_leases
from runtime.services import Services
from schema_store.database import begin_write

log = logging.getLogger("crm.outbox")

TASK = "runtime.jobs.tasks.run_outbox_item"
MAX_INLINE_RUNS = 1000  # per dispatch; the rest wait for the sweep


def job_id_for(item_id: int) -> str:
    return f"outbox-{item_id}"


@dataclass(frozen=True)
class DispatchReport:
    """``ran``: results of inline runs; ``queued``: ids handed to RQ now; ``waiting``: ids left in
    the database (already queued, Redis unreachable, or over the inline limit)."""

    mode: str
    ran: tuple[RunResult, ...] = ()
    queued: tuple[int, ...] = ()
    waiting: tuple[int, ...] = ()


def dispatch(services: Services, item_ids: Iterable[int]) -> DispatchReport:
    """Run (embedded) or enqueue (RQ) these items, plus follow-ups their actions record.
    ``None`` entries (what :func:`enqueue` returns for a duplicate) are skipped."""
    ids = [i for i in item_ids if i is not None]
    if not ids:
        return DispatchReport("inline" if services.settings.embedded else "rq")
    if services.settings.embedded:
        return _run_inline(services, ids)
    return _enqueue(services, ids)


def _run_inline(services: Services, ids: list[int]) -> DispatchReport:
    todo: deque[int] = deque(ids)
    ran: list[RunResult] = []
    while todo and len(ran) < MAX_INLINE_RUNS:
        item_id = todo.popleft()
        try:
            result = run_item(services.engine, item_id, services.clock)
        except Exception:  # noqa: BLE001 - e.g. the database is unreachable; the sweep retries
            log.exception("outbox item %s could not be run inline; it stays for the sweep", item_id)
            continue
        ran.append(result)
        todo.extend(result.follow_ups)
    return DispatchReport("inline", ran=tuple(ran), waiting=tuple(todo))


def _enqueue(services: Services, ids: list[int]) -> DispatchReport:
    queue = crm_queue(services.settings.redis_url or "")
    queued: list[int] = []
    waiting: list[int] = []
    for position, item_id in enumerate(ids):
        try:
            (queued if enqueue_once(queue, TASK, item_id, job_id=job_id_for(item_id)) else waiting).append(item_id)
        except QueueUnavailable as exc:
            log.warning("Redis is unreachable (%s); %d outbox item(s) stay pending for the sweep",
                        type(exc).__name__, len(ids) - position)
            waiting.extend(ids[position:])
            break
    return DispatchReport("rq", queued=tuple(queued), waiting=tuple(waiting))


@dataclass(frozen=True)
class SweepReport:
    """``released``: expired leases put back to pending; ``dead``: expired leases that were the
    last attempt; ``due``: items found due and handed to :func:`dispatch`."""

    released: int
    dead: int
    due: tuple[int, ...]
    dispatch: DispatchReport


def sweep(services: Services, now: dt.datetime, *, limit: int = 500) -> SweepReport:
    """One idempotent pass, as of ``now``: release expired leases (a worker killed mid-job), then
    re-dispatch pending and failed items whose next attempt is due. Inline runs see ``now`` as the
    time, so ``crm tick --now`` can travel in time."""
    with begin_write(services.engine) as conn:
        released, dead = release_expired_leases(conn, now)
    with services.engine.connect() as conn:
        due = due_item_ids(conn, now, limit)
    report = dispatch(dataclasses.replace(services, clock=FixedClock(now)), due)
    if released or dead or due:
        log.info("outbox sweep: %d lease(s) released, %d dead, %d due", released, dead, len(due))
    return SweepReport(released, dead, tuple(due), report)


def retry(services: Services, item_id: int) -> tuple[dict | None, str | None]:
    """Put a failed or dead item back to pending with fresh attempts and dispatch it.
    Returns ``(item, None)``, ``(None, "not_found")`` or ``(item, "not_retryable")``."""
    from runtime.outbox.store import get_item, reset_for_retry

    with begin_write(services.engine) as conn:
        item = get_item(conn, item_id)
        if item is None:
            return None, "not_found"
        if not reset_for_retry(conn, item_id, services.clock.now()):
            return item, "not_retryable"
    dispatch(services, [item_id])
    with services.engine.connect() as conn:
        return get_item(conn, item_id), None
