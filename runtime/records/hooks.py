"""Extension points of the save pipeline. Later features (before_save rules, assignment,
duplicate rules, the outbox, the stage engine) register here exactly as an extension would.

Order of a save: ``before_save`` (may change ``event.record``) -> formulas -> checks and
``validate`` hooks (add problems) -> write -> ``after_save`` (same transaction; e.g. outbox rows)
-> commit -> ``after_commit`` (dispatch; must never raise into the caller).

``create_many`` (imports, demo loaders) first calls each ``before_batch`` hook with
``(service, conn, object_name, rows)`` (the raw input rows), so a feature can look up in one query
what every row's checks will need and keep it on the service for the batch (``service.batch_memo``);
it writes the batch of creates at once and then calls each
``after_save_batch`` hook once with the list of events (same transaction) before the per-event
``after_save`` hooks; those events have ``batch=True``, so a hook with a batch counterpart does its
per-row writes in one statement there and skips them per event.

Other events, fired by the feature that owns them and heard by whoever registers (the rules
engine, notifications...): ``stage_entered`` (same transaction as the stage move; ``event.action ==
"stage"``, ``event.notes`` may carry the node), ``stage_overdue`` and ``approval_decided`` (called
with ``(services, conn, payload: dict)`` inside the sweep's / decision's transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

KINDS = ("before_save", "validate", "after_save", "before_batch", "after_save_batch", "after_commit",
         "stage_entered", "stage_overdue", "approval_decided")


@dataclass
class SaveEvent:
    """One save as the hooks see it."""

    service: Any                  # the RecordService doing the save
    conn: sa.Connection
    object_name: str
    action: str                   # create | update | delete | restore | stage
    record: dict[str, Any]        # the values being saved (Python values, lookup paths included)
    prior: dict[str, Any] | None  # the row before the save (None on create)
    changed: set[str] = field(default_factory=set)
    record_id: int | None = None
    depth: int = 0                # automation depth (rules triggering rules)
    notes: list[str] = field(default_factory=list)
    batch: bool = False           # part of a create_many batch (see after_save_batch)


class SaveHooks:
    """Hooks by kind, registered at app start-up, run in registration order."""

    def __init__(self) -> None:
        self._hooks: dict[str, list[Callable]] = {k: [] for k in KINDS}
        self._features: set[str] = set()

    def install(self, feature: str, *hooks: tuple[str, Callable]) -> bool:
        """Register a feature's ``(kind, fn)`` hooks once per app (a second call for the same
        feature does nothing); returns whether they were registered now."""
        if feature in self._features:
            return False
        self._features.add(feature)
        for kind, fn in hooks:
            self.register(kind, fn)
        return True

    def register(self, kind: str, fn: Callable) -> Callable:
        if kind not in self._hooks:
            raise ValueError(f"unknown hook kind {kind!r}; kinds: {', '.join(KINDS)}")
        self._hooks[kind].append(fn)
        return fn

    def __call__(self, kind: str) -> tuple[Callable, ...]:
        return tuple(self._hooks[kind])
