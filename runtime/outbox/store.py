"""Writing and reading outbox rows. :func:`enqueue` runs inside the caller's transaction, so an
action is recorded exactly when the record save that caused it commits."""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.outbox.registry import ACTIONS, UnknownAction
from runtime.outbox.tables import STATUSES, outbox, outbox_runs

log = logging.getLogger("crm.outbox")

MAX_DEPTH = 5
DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
RETRYABLE = ("failed", "dead")
LOST = "the worker stopped before finishing (lease expired)"


def utc(value: dt.datetime) -> dt.datetime:
    """Everything is stored in UTC (SQLite keeps no offset, so mixed zones would compare wrongly)."""
    if value.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return value.astimezone(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, ... capped at 1 hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def enqueue(conn: sa.Connection, action: str, payload: Any, *, idempotency_key: str, depth: int = 0,
            origin: str | None = None, now: dt.datetime, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
            max_depth: int = MAX_DEPTH) -> int | None:
    """Record ``action`` for delivery after the caller's transaction commits; returns the item id
    to pass to :func:`runtime.outbox.dispatch` after the commit.

    Returns None when there is nothing to dispatch: the idempotency key was already used (the
    action is recorded once), or ``depth`` exceeds ``max_depth`` (a ``dead`` row tells why)."""
    if action not in ACTIONS:
        raise UnknownAction(f"no action named {action!r} is registered")
    if not idempotency_key or len(idempotency_key) > 255:
        raise ValueError("an idempotency key is 1 to 255 characters")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the payload of {action!r} is not JSON: {exc}") from None
    now = utc(now)
    values: dict[str, Any] = dict(
        action=action, payload=payload, idempotency_key=idempotency_key, status="pending",
        attempts=0, max_attempts=max_attempts, next_attempt_at=now, depth=depth,
        origin=origin[:255] if origin else None, created_at=now)
    refused = depth > max_depth
    if refused:
        reason = (f"refused: automation depth {depth} exceeds the limit of {max_depth} "
                  "(actions that trigger actions form a loop or too long a chain)")
        values.update(status="dead", last_error=reason, finished_at=now)
    item_id = _insert_once(conn, values)
    if refused:
        log.warning("outbox: %s; action %s, key %s, origin %s", values["last_error"], action,
                    idempotency_key, origin)
        return None
    return item_id


def _insert_once(conn: sa.Connection, values: dict[str, Any]) -> int | None:
    """Insert unless the idempotency key exists, without aborting the caller's transaction."""
    stmt: sa.Insert
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(outbox).on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(outbox).on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
    else:
        try:
            with conn.begin_nested():
                return conn.execute(outbox.insert().values(**values).returning(outbox.c.id)).scalar_one()
        except sa.exc.IntegrityError:
            return None
    return conn.execute(stmt.values(**values).returning(outbox.c.id)).scalar()


def release_expired_leases(conn: sa.Connection, now: dt.datetime) -> tuple[int, int]:
    """Items whose worker vanished mid-run (lease expired) go back to ``pending`` (or ``dead``
    when that was their last attempt); their open run rows become ``lost``.
    Returns (released, dead)."""
    now = utc(now)
    expired = sa.and_(outbox.c.status == "running", outbox.c.lease_until <= now)
    query = sa.select(outbox.c.id).where(expired).with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return 0, 0
    conn.execute(outbox_runs.update().where(outbox_runs.c.item_id.in_(ids),
                                            outbox_runs.c.outcome == "running")
                 .values(outcome="lost", finished_at=now, error=LOST))
    last = outbox.c.attempts >= outbox.c.max_attempts
    conn.execute(outbox.update().where(outbox.c.id.in_(ids), expired).values(
        status=sa.case((last, "dead"), else_="pending"),
        finished_at=sa.case((last, sa.literal(now, outbox.c.finished_at.type)), else_=None),
        last_error=LOST,
        lease_until=None, current_run_id=None))
    dead = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
        outbox.c.id.in_(ids), outbox.c.status == "dead")).scalar_one()
    return len(ids) - dead, dead


def due_item_ids(conn: sa.Connection, now: dt.datetime, limit: int = 500) -> list[int]:
    """Pending or failed items whose next attempt is due, oldest first."""
    return list(conn.execute(
        sa.select(outbox.c.id)
        .where(outbox.c.status.in_(("pending", "failed")), outbox.c.next_attempt_at <= utc(now))
        .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)).scalars())


def reset_for_retry(conn: sa.Connection, item_id: int, now: dt.datetime) -> bool:
    """Put a ``failed`` or ``dead`` item back to ``pending`` with a fresh set of attempts.
    False when the item is not in one of those states."""
    result = conn.execute(outbox.update().where(outbox.c.id == item_id, outbox.c.status.in_(RETRYABLE))
                          .values(status="pending", attempts=0, next_attempt_at=utc(now),
                                  lease_until=None, current_run_id=None, finished_at=None))
    return result.rowcount == 1


ITEM_FIELDS = ("id", "action", "status", "attempts", "max_attempts", "next_attempt_at", "lease_until",
               "last_error", "depth", "origin", "idempotency_key", "created_at", "started_at",
               "finished_at", "duration_ms", "payload")


def get_item(conn: sa.Connection, item_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(outbox).where(outbox.c.id == item_id)).first()
    return _item(row) if row else None


def list_items(conn: sa.Connection, statuses: tuple[str, ...] = STATUSES, *, limit: int = 50,
               offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Items in ``statuses``, newest first, and how many there are in all."""
    where = outbox.c.status.in_(statuses)
    total = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(where)).scalar_one()
    rows = conn.execute(sa.select(outbox).where(where).order_by(outbox.c.id.desc())
                        .limit(limit).offset(offset))
    return [_item(row) for row in rows], total


def list_runs(conn: sa.Connection, item_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(outbox_runs).where(outbox_runs.c.item_id == item_id)
                        .order_by(outbox_runs.c.id))
    return [{key: aware(value) if isinstance(value, dt.datetime) else value
             for key, value in row._mapping.items()} for row in rows]


def _item(row: sa.Row) -> dict[str, Any]:
    data = row._mapping
    return {key: aware(data[key]) if isinstance(data[key], dt.datetime) else data[key]
            for key in ITEM_FIELDS}
