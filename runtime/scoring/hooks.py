"""Recompute on change: after a record of a scored object is saved (or moved to another stage), the
model's UPDATE runs for that one record (``WHERE id = :id``) in the save's transaction, so the saved
record and its scores commit together and the API answer already shows them; a ``create_many``
batch (imports) runs it once for the whole batch (``WHERE id IN (...)``). Band actions go to the
outbox with the save's other after-save items and are dispatched after the commit.

A save that changes none of the fields the rules read skips the work, unless the model reads the
clock (``$now``, ``TODAY()``...), the stage or a lookup (those change without this record's save;
the scheduled recompute covers them)."""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import sqlalchemy as sa

from runtime.automation.rules import PENDING, SINK, getattr_list
from runtime.records.hooks import SaveEvent
from runtime.scoring.models import ScoringModel, models
from runtime.scoring.recompute import recompute_in

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger("crm.scoring")
_VOLATILE = re.compile(r"\$(now|today)\b|\b(today|now|stage|hoursinstage|daysinstage)\s*\(", re.IGNORECASE)


def _needs(m: ScoringModel, event: SaveEvent) -> bool:
    if event.action in ("create", "restore", "stage"):
        return True
    if event.action != "update":
        return False
    if any(_VOLATILE.search(e.source) for r in m.rules for e in (r.when, r.points)):
        return True
    reads = m.references - set(m.score_fields)
    return bool(reads & event.changed) or any("." in ref for r in m.rules for e in (r.when, r.points)
                                               for ref in e.references)


def after_save(event: SaveEvent) -> None:
    if event.record_id is None or event.batch:   # a batch was scored in after_save_batch
        return
    _score(event, [event.record_id])


def after_save_batch(events: list[SaveEvent]) -> None:
    """A ``create_many`` batch (imports, demo data): one UPDATE per model for all its records."""
    by_object: dict[str, list[SaveEvent]] = {}
    for event in events:
        if event.record_id is not None:
            by_object.setdefault(event.object_name, []).append(event)
    for group in by_object.values():
        _score(group[0], [e.record_id for e in group])


def _score(event: SaveEvent, ids: list[int]) -> None:
    schema = event.service.schema
    svc = event.service.svc
    for m in models(schema, event.object_name):
        if not _needs(m, event):
            continue
        try:   # a score the database cannot store (e.g. a numeric overflow) must not refuse the save
            with event.conn.begin_nested():
                _changed, items = recompute_in(event.conn, svc, schema, m, now=svc.clock.now(), ids=ids,
                                               depth=event.depth)
        except sa.exc.DBAPIError as exc:
            log.warning("scoring %s could not score %s %s: %s", m.name, event.object_name, ids, exc.orig)
            continue
        if items:   # dispatched after the commit, with the save's other after-save items
            sink = getattr(event.service, SINK, None)
            (sink if sink is not None else getattr_list(event, PENDING)).extend(items)


def register_hooks(svc: Services) -> None:
    """Idempotent: an app registers once at start-up."""
    svc.hooks.install("scoring", ("after_save", after_save), ("after_save_batch", after_save_batch),
                      ("stage_entered", after_save))
