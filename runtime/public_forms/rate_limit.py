"""Per-IP rate limits of a public form, in fixed windows (a minute, an hour, a day): Redis
(atomic INCR + EXPIRE in one MULTI) when REDIS_URL is configured, else a counter table in the
database (one upsert per window), so several web processes share the count either way."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import TYPE_CHECKING

import redis
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.public_forms.definition import PublicForm
from runtime.public_forms.tables import rate_hits
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger("crm.public_forms")


def window_keys(form: PublicForm, ip: str, now: dt.datetime) -> list[tuple[str, int, int, int]]:
    """``(key, window seconds, limit, seconds left in the window)`` for each limit of ``form``."""
    who = hashlib.sha256(ip.encode()).hexdigest()[:32]   # no raw addresses in Redis or the database
    stamp = int(now.timestamp())
    out = []
    for name, seconds, limit in form.limits:
        index = stamp // seconds
        out.append((f"crm:pf:{form.key}:{who}:{name}:{index}", seconds, limit, seconds - stamp % seconds))
    return out


def hit(svc: Services, form: PublicForm, ip: str) -> int | None:
    """Count one submission; the seconds to wait when a limit is exceeded, else None."""
    now = svc.clock.now()
    windows = window_keys(form, ip, now)
    counts = None
    if svc.settings.redis_url:
        try:
            counts = _redis_hits(svc.settings.redis_url, windows)
        except redis.exceptions.RedisError:   # Redis down: count in the database rather than fail
            log.warning("rate limit: Redis unreachable, counting in the database")
    if counts is None:
        counts = _db_hits(svc.engine, windows, now)
    waits = [left for (_k, _s, limit, left), count in zip(windows, counts) if count > limit]
    return max(waits) if waits else None


def _redis_hits(url: str, windows: list[tuple[str, int, int, int]]) -> list[int]:
    from runtime.jobs.queue import redis_connection
    pipe = redis_connection(url).pipeline(transaction=True)
    for key, seconds, _limit, _left in windows:
        pipe.incr(key)
        pipe.expire(key, seconds + 1)
    results = pipe.execute()
    return [int(results[i * 2]) for i in range(len(windows))]


def _db_hits(engine: sa.Engine, windows: list[tuple[str, int, int, int]], now: dt.datetime) -> list[int]:
    counts = []
    with begin_write(engine) as conn:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        for key, seconds, _limit, _left in windows:
            stmt = insert(rate_hits).values(key=key, hits=1, expires_at=now + dt.timedelta(seconds=seconds))
            stmt = stmt.on_conflict_do_update(index_elements=[rate_hits.c.key],
                                              set_={"hits": rate_hits.c.hits + 1}).returning(rate_hits.c.hits)
            counts.append(int(conn.execute(stmt).scalar_one()))
        if counts and counts[0] == 1:  # a new minute: forget windows that are over
            conn.execute(rate_hits.delete().where(rate_hits.c.expires_at < now))
    return counts
