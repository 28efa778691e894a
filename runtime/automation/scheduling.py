"""Time-based automation, run by ``crm tick`` (registered as the ``automation`` tick task) or by
:func:`sweep_automation` directly: schedule rules (``cron`` via croniter, or ``every_hours``) and
approval step timeouts. Each schedule rule keeps a cursor (its last run) in ``automation_schedule``;
the first sweep that sees a rule only sets the cursor. A due run enqueues one outbox item per
record matching the rule's ``when`` (filtered in SQL when the expression can run there), keyed by
the occurrence so a repeated sweep acts once."""
from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.automation import approvals
from runtime.automation.context import eval_context, evaluate, load_raw, system_actor
from runtime.automation.rules import RULE_ACTION
from runtime.automation.tables import schedule_cursor
from runtime.outbox import dispatch, enqueue
from runtime.records.permissions import user_context
from runtime.records.sql_columns import ExpressionColumns
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger("crm.automation")
MAX_RECORDS_PER_RUN = 10000


def aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


def occurrence(rule, last: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """The latest scheduled instant in (last, now], or None."""
    if rule.trigger.every_hours:
        step = dt.timedelta(hours=float(rule.trigger.every_hours))
        if now - last < step:
            return None
        return last + step * int((now - last) / step)
    from croniter import croniter
    it = croniter(rule.trigger.cron, now.astimezone(tz) + dt.timedelta(seconds=1))  # (last, now]: now included
    prev = it.get_prev(dt.datetime)
    return prev if prev > last.astimezone(tz) else None


def run_schedules(svc: Services, now: dt.datetime) -> dict[str, int]:
    fired: dict[str, int] = {}
    items: list[int] = []
    with begin_write(svc.engine) as conn:
        schema = svc.schema_cache.get(conn)
        for rule in schema.rules:
            if not rule.active or rule.trigger.type != "schedule":
                continue
            last = aware(conn.execute(sa.select(schedule_cursor.c.last_run_at).where(
                schedule_cursor.c.rule == rule.key)).scalar())
            if last is None:
                conn.execute(schedule_cursor.insert().values(rule=rule.key, last_run_at=now))
                continue
            at = occurrence(rule, last, now, svc.settings.tz)
            if at is None:
                continue
            conn.execute(schedule_cursor.update().where(schedule_cursor.c.rule == rule.key).values(last_run_at=now))
            ids = _matching(svc, conn, schema, rule, now)
            for rid in ids:
                item = enqueue(conn, RULE_ACTION, {"rule": rule.key, "object": rule.object, "record_id": rid,
                                                   "why": f"schedule:{at.isoformat()}"},
                               idempotency_key=f"rule:{rule.key}:{rule.object}:{rid}:schedule:{at.isoformat()}"[:255],
                               depth=1, origin=f"rule:{rule.key}", now=now)
                if item is not None:
                    items.append(item)
            fired[rule.key] = len(ids)
    dispatch(svc, items)
    return fired


def _matching(svc: Services, conn: sa.Connection, schema, rule, now: dt.datetime) -> list[int]:
    table = schema.table(rule.object)
    query = sa.select(table.c.id).where(table.c.deleted_at.is_(None)).order_by(table.c.id).limit(MAX_RECORDS_PER_RUN)
    if rule.when is None:
        return list(conn.execute(query).scalars())
    actor = system_actor(conn)
    if rule.when.sql_capable:
        cols = ExpressionColumns(schema, rule.object, table, now=now, user=user_context(actor), tz=svc.settings.tz)
        try:
            return list(conn.execute(query.where(rule.when.to_sql(cols, now=now, user=user_context(actor),
                                                                  tz=svc.settings.tz))).scalars())
        except Exception:  # noqa: BLE001 - fall back to evaluating in Python
            log.warning("schedule rule %s: condition could not run in SQL; evaluating per record", rule.key)
    out = []
    for rid in conn.execute(query).scalars():
        record = load_raw(conn, schema, rule.object, rid)
        if record is None:
            continue
        ctx = eval_context(svc, conn, schema, rule.object, record, [rule.when], actor=system_actor(conn, record))[0]
        if evaluate(rule.when, ctx, False):
            out.append(rid)
    return out


def sweep_automation(svc: Services, now: dt.datetime | None = None) -> dict[str, Any]:
    """One idempotent pass of time-based automation as of ``now``."""
    import dataclasses
    from runtime.clock import FixedClock
    now = now or svc.clock.now()
    timed = dataclasses.replace(svc, clock=FixedClock(now))
    return {"schedules": run_schedules(timed, now), "approvals": approvals.sweep_timeouts(timed, now)}
