"""The transactional outbox: actions recorded in the same transaction as the save that caused
them, delivered after the commit (inline or by RQ workers), retried with backoff, never lost.

See docs/jobs.md. Typical use inside the save pipeline::

    with begin_write(services.engine) as conn:
        ...write the record...
        item = enqueue(conn, "webhook", {...}, idempotency_key=f"rule:{key}:{rid}:{version}",
                       origin=f"rule:{key}", now=services.clock.now())
    dispatch(services, [item])
"""
from __future__ import annotations

from runtime.outbox.dispatch import DispatchReport, SweepReport, dispatch, sweep
from runtime.outbox.registry import (ACTIONS, Action, ActionRegistry, UnknownAction, get_action,
                                     load_action_modules, register_action)
from runtime.outbox.runner import DEFAULT_LEASE, ActionContext, PermanentFailure, RunResult, run_item
from runtime.outbox.store import (DEFAULT_MAX_ATTEMPTS, MAX_DEPTH, backoff, enqueue, get_item,
                                  list_items, list_runs, reset_for_retry)
from runtime.outbox.tables import outbox, outbox_runs

__all__ = [
    "ACTIONS", "Action", "ActionContext", "ActionRegistry", "DEFAULT_LEASE", "DEFAULT_MAX_ATTEMPTS",
    "DispatchReport", "MAX_DEPTH", "PermanentFailure", "RunResult", "SweepReport", "UnknownAction",
    "backoff",
    "dispatch", "enqueue", "get_action", "get_item", "list_items", "list_runs",
    "load_action_modules", "outbox", "outbox_runs", "register_action", "reset_for_retry",
    "run_item", "sweep",
]
