"""``auto_advance_when``: after every save of a record with a pipeline, and of a child record (a
lookup to a parent with a pipeline), the current node's condition is evaluated on fresh values and
the record moves one hop (``auto_advance_to`` or the next node by order) when the target's entry
requirements hold. Moves made here never trigger another evaluation: at most one hop per save."""
from __future__ import annotations

import logging
from typing import Any

import expression
from runtime.records.errors import RecordError
from runtime.records.hooks import SaveEvent
from runtime.stages import moves, requirements

log = logging.getLogger(__name__)
SOURCE = "automation"


def after_save(event: SaveEvent) -> None:
    """The ``after_save`` hook: record the initial stage entry, then try the auto-advances."""
    service = event.service
    obj = service.schema.objects.get(event.object_name)
    if obj is None or event.action not in ("create", "update", "restore"):
        return
    if obj.pipeline is not None and event.action == "create" and event.record.get("stage") and not event.batch:
        moves.record_entry(event.conn, event.object_name, event.record_id, event.record["stage"],
                           from_stage=None, at=service.now(), actor_id=service.actor.id, source=service.source,
                           first=True)
    targets: list[tuple[str, int]] = []
    if _advances(obj) and event.record_id is not None:
        targets.append((event.object_name, event.record_id))
    for f in obj.fields.values():
        if f.type != "lookup" or f.target not in service.schema.objects:
            continue
        if not _advances(service.schema.objects[f.target]):
            continue
        parent = event.record.get(f.name)
        if isinstance(parent, int) and (f.target, parent) not in targets:
            targets.append((f.target, parent))
    for object_name, record_id in targets:
        try_advance(service, event.conn, object_name, record_id, depth=event.depth)


def after_save_batch(events: list[SaveEvent]) -> None:
    """The initial stage entries of a create_many batch, in one statement."""
    rows = []
    for event in events:
        service = event.service
        obj = service.schema.objects.get(event.object_name)
        if obj is not None and obj.pipeline is not None and event.action == "create" and event.record.get("stage"):
            rows.append(moves.first_entry(event.object_name, event.record_id, event.record["stage"],
                                          at=event.record.get("stage_entered_at") or service.now(),
                                          actor_id=service.actor.id, source=service.source))
    if rows:
        events[0].conn.execute(moves.stage_history.insert(), rows)


def _advances(obj) -> bool:
    """Whether any node of the object's pipeline can advance by itself (else nothing to evaluate)."""
    return obj.pipeline is not None and any(n.auto_advance_when is not None for n in obj.pipeline.nodes)


def try_advance(service: Any, conn, object_name: str, record_id: int, *, depth: int = 0) -> str | None:
    """Evaluate the current node's ``auto_advance_when`` on the record; move one hop when it holds.
    Returns the node moved to, or None."""
    from runtime.records.service import RecordService
    schema = service.schema
    obj = schema.objects[object_name]
    pipeline = obj.pipeline
    table = schema.table(object_name)
    row = conn.execute(table.select().where(table.c.id == record_id, table.c.deleted_at.is_(None))).mappings().first()
    if row is None:
        return None
    node = pipeline.node(row["stage"]) if row["stage"] else None
    if node is None or node.auto_advance_when is None:
        return None
    target = moves.next_node(pipeline, node)
    if target is None:
        return None
    # the automation acts for the system: it sees the record whatever the saver may see
    system = RecordService(service.svc, _system_actor(service.actor), schema=schema, source=SOURCE,
                           lang=service.lang, depth=depth + 1)
    access = _all_access()
    try:
        record = system._load(conn, object_name, record_id, access)
    except RecordError:
        return None
    ctx_record = system._with_lookups(conn, obj, record)
    ctx = system._ctx_for()(ctx_record)
    try:
        holds = node.auto_advance_when.evaluate(ctx) is True
    except expression.ExpressionError:
        holds = False
    if not holds:
        return None
    missing = requirements.check(obj, target, ctx_record, system._ctx_for()(ctx_record), service.lang)
    if missing:
        log.info("auto-advance of %s %s to %s skipped: %s missing", object_name, record_id, target.key,
                 [m["field"] for m in missing.fields] + [r["key"] for r in missing.rules])
        return None
    moves.move(system, object_name, record_id, target.key, conn=conn, enforce_allowed=False)
    log.info("auto-advance: %s %s %s -> %s", object_name, record_id, node.key, target.key)
    return target.key


def _system_actor(actor):
    from dataclasses import replace
    return replace(actor, role="admin")


def _all_access():
    from runtime.records.permissions import FULL
    return FULL
