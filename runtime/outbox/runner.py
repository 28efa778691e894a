"""Running one outbox item: claim it with a lease, run its handler and mark it done in ONE
transaction, or record the failure with a backoff. A duplicate or late run finds nothing to claim,
and a runner whose lease was taken over cannot mark it done, so database effects apply once."""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from runtime.clock import Clock
from runtime.outbox.registry import get_action
from runtime.outbox.store import DEFAULT_MAX_ATTEMPTS, LOST, backoff, enqueue, utc
from runtime.outbox.tables import outbox, outbox_runs
from schema_store.database import begin_write

log = logging.getLogger("crm.outbox")

DEFAULT_LEASE = dt.timedelta(minutes=5)
MAX_ERROR_CHARS = 2000


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help (e.g. a refused address): the item is marked
    dead at once, with this message as its ``last_error``; an admin can still retry it by hand."""


class LeaseLost(Exception):
    """The item was taken over after this runner's lease expired; its work is rolled back."""


@dataclass(frozen=True)
class ActionContext:
    """What a handler gets besides its payload. ``conn`` is the transaction that also marks the
    item done; pass ``idempotency_key`` to external systems so they can drop repeats."""

    conn: sa.Connection
    clock: Clock
    item_id: int
    action: str
    idempotency_key: str
    attempt: int
    depth: int
    origin: str | None
    now: dt.datetime
    follow_ups: list[int] = field(default_factory=list, repr=False)

    def enqueue(self, action: str, payload: Any, *, idempotency_key: str, origin: str | None = None,
                max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int | None:
        """Record a follow-up action one level deeper; it is dispatched after this one commits."""
        item_id = enqueue(self.conn, action, payload, idempotency_key=idempotency_key,
                          depth=self.depth + 1, origin=origin or self.origin, now=self.clock.now(),
                          max_attempts=max_attempts)
        if item_id is not None:
            self.follow_ups.append(item_id)
        return item_id


@dataclass(frozen=True)
class RunResult:
    """``outcome``: done, failed (will retry), dead (gave up), skipped (nothing to claim: done,
    running elsewhere, or not due) or lost (taken over, or the failure could not be recorded)."""

    item_id: int
    outcome: str
    attempt: int = 0
    error: str | None = None
    follow_ups: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Claim:
    item_id: int
    run_id: int
    action: str
    payload: Any
    idempotency_key: str
    attempt: int
    max_attempts: int
    depth: int
    origin: str | None


def run_item(engine: sa.Engine, item_id: int, clock: Clock, *,
             lease: dt.timedelta = DEFAULT_LEASE) -> RunResult:
    """Run one item if it is due. Handler errors are recorded on the item, never raised."""
    claim = _claim(engine, item_id, utc(clock.now()), lease)
    if claim is None:
        return RunResult(item_id, "skipped")
    started = time.perf_counter()
    follow_ups: list[int] = []
    try:
        handler = get_action(claim.action).handler
        with begin_write(engine) as conn:
            ctx = ActionContext(conn=conn, clock=clock, item_id=item_id, action=claim.action,
                                idempotency_key=claim.idempotency_key, attempt=claim.attempt,
                                depth=claim.depth, origin=claim.origin, now=clock.now(),
                                follow_ups=follow_ups)
            handler(ctx, claim.payload)
            _mark_done(conn, claim, utc(clock.now()), _ms_since(started))
    except LeaseLost:
        log.warning("outbox item %s: lease taken over during attempt %s; its work was rolled back",
                    item_id, claim.attempt)
        return RunResult(item_id, "lost", claim.attempt)
    except Exception as exc:  # noqa: BLE001 - any handler failure is recorded and retried
        error = _describe(exc)
        log.warning("outbox item %s (%s) attempt %s failed: %s", item_id, claim.action,
                    claim.attempt, error, exc_info=True)
        try:
            outcome = _record_failure(engine, claim, utc(clock.now()), _ms_since(started), error,
                                      give_up=isinstance(exc, PermanentFailure))
        except Exception:  # noqa: BLE001 - the lease expires and the sweep takes it again
            log.exception("outbox item %s: the failure could not be recorded", item_id)
            outcome = "lost"
        return RunResult(item_id, outcome, claim.attempt, error)
    return RunResult(item_id, "done", claim.attempt, follow_ups=tuple(follow_ups))


def _claim(engine: sa.Engine, item_id: int, now: dt.datetime, lease: dt.timedelta) -> _Claim | None:
    due = sa.or_(
        sa.and_(outbox.c.status.in_(("pending", "failed")), outbox.c.next_attempt_at <= now),
        sa.and_(outbox.c.status == "running", outbox.c.lease_until <= now,
                outbox.c.attempts < outbox.c.max_attempts))
    with begin_write(engine) as conn:
        row = conn.execute(outbox.update().where(outbox.c.id == item_id, due).values(
            status="running", lease_until=now + lease, attempts=outbox.c.attempts + 1,
            started_at=now, finished_at=None, duration_ms=None).returning(*outbox.c)).first()
        if row is None:
            return None
        conn.execute(outbox_runs.update()  # an earlier attempt may have been cut off mid-run
                     .where(outbox_runs.c.item_id == item_id, outbox_runs.c.outcome == "running")
                     .values(outcome="lost", finished_at=now, error=LOST))
        run_id = conn.execute(outbox_runs.insert().values(
            item_id=item_id, attempt=row.attempts, outcome="running", started_at=now,
            runner=f"{socket.gethostname()}:{os.getpid()}"[:200]).returning(outbox_runs.c.id)).scalar_one()
        conn.execute(outbox.update().where(outbox.c.id == item_id).values(current_run_id=run_id))
    return _Claim(item_id=item_id, run_id=run_id, action=row.action, payload=row.payload,
                  idempotency_key=row.idempotency_key, attempt=row.attempts,
                  max_attempts=row.max_attempts, depth=row.depth, origin=row.origin)


def _still_ours(claim: _Claim) -> sa.ColumnElement[bool]:
    return sa.and_(outbox.c.id == claim.item_id, outbox.c.status == "running",
                   outbox.c.current_run_id == claim.run_id)


def _mark_done(conn: sa.Connection, claim: _Claim, now: dt.datetime, ms: int) -> None:
    marked = conn.execute(outbox.update().where(_still_ours(claim)).values(
        status="done", finished_at=now, duration_ms=ms, lease_until=None, last_error=None))
    if marked.rowcount != 1:
        raise LeaseLost(claim.item_id)
    conn.execute(outbox_runs.update().where(outbox_runs.c.id == claim.run_id).values(
        outcome="done", finished_at=now, duration_ms=ms))


def _record_failure(engine: sa.Engine, claim: _Claim, now: dt.datetime, ms: int, error: str, *,
                    give_up: bool = False) -> str:
    dead = give_up or claim.attempt >= claim.max_attempts
    with begin_write(engine) as conn:
        marked = conn.execute(outbox.update().where(_still_ours(claim)).values(
            status="dead" if dead else "failed", last_error=error, lease_until=None, duration_ms=ms,
            finished_at=now if dead else None,
            next_attempt_at=now if dead else now + backoff(claim.attempt)))
        conn.execute(outbox_runs.update().where(outbox_runs.c.id == claim.run_id).values(
            outcome="failed", finished_at=now, duration_ms=ms, error=error))
    if marked.rowcount != 1:
        return "lost"
    if dead:
        log.error("outbox item %s (%s) is dead after %s attempt(s)%s: %s", claim.item_id, claim.action,
                  claim.attempt, " (permanent failure)" if give_up else "", error)
    return "dead" if dead else "failed"


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR_CHARS]


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
