"""After-commit work of imported rows. ``create_many(..., conn=...)`` leaves it to the caller
(the caller owns the transaction), so the import collects the save events of its batch through an
``after_save`` hook and, once the batch and its checkpoint have committed, hands them to
``RecordService.after_commit``, exactly as ``RecordService.create`` does (e.g. the outbox dispatch of
after-save rules). Nothing is collected outside an import's batch, and a dry run dispatches nothing."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

from runtime.records.hooks import SaveEvent

_events: ContextVar[list[SaveEvent] | None] = ContextVar("crm_import_events", default=None)


def collect(event: SaveEvent) -> None:
    """The ``after_save`` hook: remembers the event while an import batch is being saved."""
    bucket = _events.get()
    if bucket is not None:
        bucket.append(event)


@contextlib.contextmanager
def collecting() -> Iterator[list[SaveEvent]]:
    bucket: list[SaveEvent] = []
    token = _events.set(bucket)
    try:
        yield bucket
    finally:
        _events.reset(token)
