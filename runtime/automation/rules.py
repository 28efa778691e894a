"""The rule engine's save hooks. ``before_save`` rules (and routing tables) change the record inside
the save; every matching ``after_save`` rule becomes ONE outbox item (action ``automation.rule``) in
the same transaction, with the idempotency key ``rule:<key>:<object>:<id>:<version>`` and the save's
depth + 1, dispatched after the commit. Stage, SLA and approval events enqueue the same way.
The outbox gives dispatch (inline or RQ), retries with backoff, dead letters, the depth limit and
the run log; :mod:`runtime.automation.actions` carries the rule out."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

import sqlalchemy as sa

from runtime.automation import assignment
from runtime.automation.context import eval_context, evaluate
from runtime.outbox import dispatch, enqueue
from runtime.records.hooks import SaveEvent
from schema_store import AppSchema
from schema_store.model import RuleDef

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger("crm.automation")
RULE_ACTION = "automation.rule"
PENDING = "_automation_items"   # attribute on a SaveEvent: outbox ids to dispatch after commit
SINK = "automation_sink"        # attribute on a RecordService: a handler collecting follow-ups


def trigger_matches(rule: RuleDef, event: SaveEvent) -> str | None:
    """Why ``rule`` fires on this save ("create", "field_changed:budget"...), or None."""
    t = rule.trigger
    if t.type == "create" and event.action == "create":
        return "create"
    if t.type == "update" and event.action == "update":
        return "update"
    if t.type == "field_changed" and event.action in ("create", "update") and t.field:
        if event.action == "update" and t.field in event.changed:
            return f"field_changed:{t.field}"
        if event.action == "create" and event.record.get(t.field) not in (None, "", [], ()):
            return f"field_changed:{t.field}"
    return None


def _rule_context(event: SaveEvent, schema: AppSchema, exprs, record=None):
    svc = event.service.svc
    return eval_context(svc, event.conn, schema, event.object_name, record or event.record, exprs,
                        actor=event.service.actor, prior=event.prior, is_new=event.action == "create")[0]


# -- before_save ---------------------------------------------------------------------------------
def before_save(event: SaveEvent) -> None:
    if event.action not in ("create", "update"):
        return
    schema: AppSchema = event.service.schema
    conn = event.conn
    for rule in schema.rules_for(event.object_name, phase="before_save"):
        why = trigger_matches(rule, event)
        if why is None:
            continue
        exprs = [rule.when, *[e for a in rule.actions for e in _action_exprs(schema, a)]]
        ctx = _rule_context(event, schema, exprs)
        if not evaluate(rule.when, ctx, True if rule.when is None else False):
            continue
        for action in rule.actions:
            if action.type == "set_field":
                value = evaluate(_expr(schema, action, "value"), ctx)
                event.record[action.params["field"]] = value
                event.changed.add(action.params["field"])
            elif action.type == "assign":
                decision = assignment.resolve(conn, schema, event.object_name, action.params.get("to", {}),
                                              event.record, _ctx_for(event, schema))
                _assign(event, decision, f"rule:{rule.key}")
    explicit_owner = event.action == "create" and event.record.get("owner") != event.service.actor.id
    for key, table in schema.assignment.get("routes", {}).items():
        if table.get("object") != event.object_name or event.action not in tuple(table.get("on", ("create",))):
            continue
        if explicit_owner:  # whoever creates a record for a named owner has already routed it
            continue
        decision = assignment.route(conn, schema, event.object_name, key, event.record, _ctx_for(event, schema))
        _assign(event, decision, f"route:{key}")


def _ctx_for(event: SaveEvent, schema: AppSchema):
    return lambda exprs: _rule_context(event, schema, exprs)


def _assign(event: SaveEvent, decision: assignment.Decision, source: str) -> None:
    if assignment.apply(event.record, decision):
        event.changed.add("owner")
        getattr_list(event, "_automation_decisions").append((decision, source))


def getattr_list(obj: Any, name: str) -> list:
    value = getattr(obj, name, None)
    if value is None:
        value = []
        setattr(obj, name, value)
    return value


def _expr(schema: AppSchema, action, param: str):
    return action.expressions.get(param) or schema.expression(f"{action.path}/{param}")


def _action_exprs(schema: AppSchema, action) -> list:
    return list(action.expressions.values())


# -- after_save ----------------------------------------------------------------------------------
def after_save(event: SaveEvent) -> None:
    schema: AppSchema = event.service.schema
    if event.record_id is None:
        return
    svc = event.service.svc
    now = svc.clock.now()
    for decision, source in getattr(event, "_automation_decisions", None) or ():
        assignment.record_decision(event.conn, event.object_name, event.record_id, decision, source=source,
                                   actor_id=event.service.actor.id, at=now)
    event.__dict__.pop("_automation_decisions", None)
    if event.action not in ("create", "update"):
        return
    version = 1 if event.action == "create" else int((event.prior or {}).get("version") or 0) + 1
    for rule in schema.rules_for(event.object_name, phase="after_save"):
        why = trigger_matches(rule, event)
        if why is None:
            continue
        if rule.when is not None:
            ctx = _rule_context(event, schema, [rule.when], {**event.record, "id": event.record_id})
            if not evaluate(rule.when, ctx, False):
                continue
        _enqueue(event, rule, why, f"rule:{rule.key}:{event.object_name}:{event.record_id}:{version}")


def _enqueue(event: SaveEvent, rule: RuleDef, why: str, key: str, extra: Mapping[str, Any] | None = None) -> None:
    payload = {"rule": rule.key, "object": event.object_name, "record_id": event.record_id, "why": why,
               **(extra or {})}
    item = enqueue(event.conn, RULE_ACTION, payload, idempotency_key=key[:255], depth=event.depth + 1,
                   origin=f"rule:{rule.key}", now=event.service.svc.clock.now())
    if item is None:
        return
    sink = getattr(event.service, SINK, None)
    getattr_list(event, PENDING).append(item) if sink is None else sink.append(item)


def after_commit(event: SaveEvent) -> None:
    items = getattr(event, PENDING, None)
    if items:
        setattr(event, PENDING, [])
        dispatch(event.service.svc, items)


# -- stage, SLA and approval events ---------------------------------------------------------------
def stage_entered(event: SaveEvent) -> None:
    schema: AppSchema = event.service.schema
    stage = event.notes[0] if event.notes else event.record.get("stage")
    prior_stage = (event.prior or {}).get("stage")
    version = int(event.record.get("version") or 0)
    for rule in schema.rules_for(event.object_name, trigger="stage_entered"):
        t = rule.trigger
        if t.stage != stage or (t.from_stage and t.from_stage != prior_stage):
            continue
        if rule.when is not None:
            ctx = _rule_context(event, schema, [rule.when], {**event.record, "id": event.record_id})
            if not evaluate(rule.when, ctx, False):
                continue
        _enqueue(event, rule, f"stage_entered:{stage}",
                 f"rule:{rule.key}:{event.object_name}:{event.record_id}:{version}")


def _enqueue_plain(svc: Services, conn: sa.Connection, schema: AppSchema, rule: RuleDef, object_name: str,
                   record_id: int, why: str, key: str, depth: int = 0) -> int | None:
    from runtime.automation.context import load_raw, system_actor
    record = load_raw(conn, schema, object_name, record_id)
    if record is None:
        return None
    if rule.when is not None:
        ctx = eval_context(svc, conn, schema, object_name, record, [rule.when], actor=system_actor(conn, record))[0]
        if not evaluate(rule.when, ctx, False):
            return None
    return enqueue(conn, RULE_ACTION, {"rule": rule.key, "object": object_name, "record_id": record_id, "why": why},
                   idempotency_key=key[:255], depth=depth + 1, origin=f"rule:{rule.key}", now=svc.clock.now())


def stage_overdue(svc: Services, conn: sa.Connection, payload: Mapping[str, Any]) -> None:
    """An SLA level was passed; the outbox sweep (or the automation tick) dispatches the items."""
    schema = payload.get("schema") or svc.schema_cache.get(conn)
    obj, rid, stage, level = payload["object"], payload["record_id"], payload["stage"], payload.get("level")
    for rule in schema.rules_for(obj, trigger="stage_overdue"):
        if rule.trigger.stage != stage or (rule.trigger.level and rule.trigger.level != level):
            continue
        _enqueue_plain(svc, conn, schema, rule, obj, rid, f"stage_overdue:{stage}:{level}",
                       f"rule:{rule.key}:{obj}:{rid}:overdue:{stage}:{level}:{payload.get('anchor_at')}")


def approval_decided(svc: Services, conn: sa.Connection, payload: Mapping[str, Any]) -> list[int]:
    schema = svc.schema_cache.get(conn)
    obj, rid = payload["object"], payload["record_id"]
    items = []
    for rule in schema.rules_for(obj, trigger="approval_decided"):
        t = rule.trigger
        if (t.process and t.process != payload["process"]) or (t.decision and t.decision != payload["decision"]):
            continue
        item = _enqueue_plain(svc, conn, schema, rule, obj, rid, f"approval_decided:{payload['process']}:"
                              f"{payload['decision']}", f"rule:{rule.key}:{obj}:{rid}:approval:{payload['request_id']}",
                              depth=int(payload.get("depth") or 0))
        if item is not None:
            items.append(item)
    return items


def register_hooks(svc: Services) -> None:
    """Idempotent: an app registers once at start-up."""
    svc.hooks.install("automation", ("before_save", before_save), ("after_save", after_save),
                      ("after_commit", after_commit), ("stage_entered", stage_entered),
                      ("stage_overdue", stage_overdue), ("approval_decided", approval_decided))
