"""Carrying out rules: the outbox action ``automation.rule`` runs a rule's actions in order inside
the outbox's transaction (``ctx.conn``), so they apply exactly once with the item being marked
done. Record changes go through the save pipeline (RecordService, ``source="automation"``, the
item's depth) as the system actor (see :func:`runtime.automation.context.system_actor`); rules they
trigger are collected as follow-ups one level deeper. ``automation.webhook`` posts one webhook
(its own item, so a failing endpoint is retried and dead-lettered without repeating the rest) through
:mod:`runtime.outbound`: an internal address is refused, and the item is dead at once."""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any, Mapping

import sqlalchemy as sa

from runtime.automation import assignment
from runtime.automation.context import (SOURCE, eval_context, evaluate, load_raw, recipients, render,
                                        services_for, system_actor)
from runtime.automation.rules import RULE_ACTION, SINK
from runtime.automation.tables import tasks
from runtime.outbound import OutboundRefused, open_url
from runtime.outbox import ActionContext, PermanentFailure, register_action
from runtime.records import RecordService
from schema_store import AppSchema

log = logging.getLogger("crm.automation")
WEBHOOK_ACTION = "automation.webhook"
WEBHOOK_TIMEOUT = 10


class ActionFailed(RuntimeError):
    """An action could not be carried out; the outbox retries it."""


class WebhookRefused(PermanentFailure):
    """The webhook's URL or address is not allowed (see :mod:`runtime.outbound`); not retried."""


class Runner:
    """Runs actions (ActionDef-like: ``type``, ``params``, ``path``) for one record."""

    def __init__(self, ctx: ActionContext, schema: AppSchema, object_name: str, record_id: int, origin: str):
        self.ctx, self.schema, self.object_name, self.record_id, self.origin = ctx, schema, object_name, record_id, origin
        self.svc = services_for(ctx.conn, ctx.clock)
        self.conn = ctx.conn

    def record(self) -> dict[str, Any] | None:
        return load_raw(self.conn, self.schema, self.object_name, self.record_id)

    def service(self, record: Mapping[str, Any] | None) -> RecordService:
        svc = RecordService(self.svc, system_actor(self.conn, record), schema=self.schema, source=SOURCE,
                            depth=self.ctx.depth)
        setattr(svc, SINK, self.ctx.follow_ups)
        return svc

    def expr(self, action, param: str):
        exprs = getattr(action, "expressions", None) or {}
        return exprs.get(param) or self.schema.expression(f"{action.path}/{param}")

    def context(self, record: Mapping[str, Any], action, more=()):
        exprs = list((getattr(action, "expressions", None) or {}).values()) + list(more)
        exprs += [e for p, e in self.schema.expressions.items() if p.startswith(action.path + "/")]
        extra = [m for label in _labels(action.params) for m in _placeholders(label)]
        return eval_context(self.svc, self.conn, self.schema, self.object_name, record, exprs,
                            actor=system_actor(self.conn, record), extra=extra)

    def run_all(self, actions) -> list[str]:
        done = []
        for action in actions:
            record = self.record()
            if record is None:
                done.append(f"{action.type}: record gone")
                break
            done.append(f"{action.type}: {getattr(self, '_' + action.type)(action, record)}")
        return done

    # -- the actions ---------------------------------------------------------------------------
    def _values(self, action, record, prefix: str = "values") -> dict[str, Any]:
        ctx, _full = self.context(record, action)
        return {name: evaluate(self.expr(action, f"{prefix}/{name}"), ctx) for name in action.params.get(prefix, {})}

    def _save(self, object_name: str, record_id: int, values: dict[str, Any], owner_record) -> None:
        table = self.schema.table(object_name)
        # Rules on the same record run in parallel workers: wait for the other's commit instead of
        # failing its version check (PostgreSQL row lock; SQLite's write lock already serialises).
        self.conn.execute(sa.select(table.c.id).where(table.c.id == record_id).with_for_update())
        service = self.service(owner_record)
        stage = values.pop("stage", None)
        if values:
            service.update(object_name, record_id, values, conn=self.conn)
        if stage:
            from runtime.stages import moves
            moves.move(service, object_name, record_id, stage, conn=self.conn, enforce_allowed=False)

    def _set_field(self, action, record) -> str:
        ctx, _ = self.context(record, action)
        value = evaluate(self.expr(action, "value"), ctx)
        self._save(self.object_name, self.record_id, {action.params["field"]: value}, record)
        return f"{action.params['field']} = {value!r}"

    def _assign(self, action, record) -> str:
        ctx_for = lambda exprs: self.context(record, action, exprs)[0]  # noqa: E731
        decision = assignment.resolve(self.conn, self.schema, self.object_name, action.params.get("to", {}), record,
                                      ctx_for)
        target = dict(record)
        if not assignment.apply(target, decision):
            return "no assignee found"
        if target["owner"] is not None and target["owner"] != record.get("owner"):
            self._save(self.object_name, self.record_id, {"owner": target["owner"]}, record)  # history, rules
        elif target["owner"] is None and record.get("owner") is not None:  # into a pool: no owner
            table = self.schema.table(self.object_name)
            self.conn.execute(table.update().where(table.c.id == self.record_id).values(
                owner=None, version=table.c.version + 1, updated_at=self.ctx.now))
        assignment.record_decision(self.conn, self.object_name, self.record_id, decision, source=self.origin,
                                   actor_id=None, at=self.ctx.now)
        return f"owner = {target['owner']} ({decision.kind}{' ' + decision.pool if decision.pool else ''})"

    def _create_record(self, action, record) -> str:
        values = self._values(action, record)
        if action.params.get("link"):
            values[action.params["link"]] = self.record_id
        created = self.service(record).create(action.params["object"], values, conn=self.conn)
        return f"{action.params['object']} {created['id']}"

    def _update_related(self, action, record) -> str:
        values = self._values(action, record)
        if "lookup" in action.params:
            target_obj = self.schema.object(self.object_name).fields[action.params["lookup"]].target
            target_id = record.get(action.params["lookup"])
            if not target_id:
                return "no related record"
            self._save(target_obj, target_id, dict(values), record)
            return f"{target_obj} {target_id}"
        child = action.params["children"]
        table = self.schema.table(child["object"])
        ids = list(self.conn.execute(sa.select(table.c.id).where(table.c[child["via"]] == self.record_id,
                                                                 table.c.deleted_at.is_(None))).scalars())
        for cid in ids:
            self._save(child["object"], cid, dict(values), record)
        return f"{len(ids)} {child['object']}"

    def _notify(self, action, record) -> str:
        from runtime.notifications import notify
        _ctx, full = self.context(record, action)
        ids: list[int] = []
        for spec in action.params.get("to", ()):
            ids.extend(recipients(self.conn, spec, full))
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            return "no recipients"
        body = render(action.params.get("message"), full)
        checklist = [render(c, full) for c in action.params.get("checklist", ())]
        if checklist:
            body += "\n" + "\n".join(f"☐ {c}" for c in checklist)
        title = render(action.params.get("title"), full) if action.params.get("title") else body.split("\n")[0]
        channels = tuple(action.params.get("channels") or ("in_app",))
        url = action.params.get("webhook_url")
        webhook = {"url": url, "secret": self.svc.settings.secret_key} if url else None
        if "webhook" in channels and webhook is None:
            channels = tuple(c for c in channels if c != "webhook") or ("in_app",)
        if "sms" in channels:
            channels = tuple(c for c in channels if c != "sms") or ("in_app",)
        written = notify(self.conn, user_ids=ids, kind="automation", title=title, body=body, channels=channels,
                         object=self.object_name, record_id=self.record_id,
                         link=f"/app/{self.object_name}/{self.record_id}", webhook=webhook, now=self.ctx.now,
                         dedupe_key=f"{self.ctx.idempotency_key}:{action.path}"[:255])
        return f"{len(written)} notified"

    def _webhook(self, action, record) -> str:
        ctx, _full = self.context(record, action)
        payload = {k: _jsonable(evaluate(self.expr(action, f"payload/{k}"), ctx))
                   for k in action.params.get("payload", {})}
        body = {"url": action.params["url"], "method": action.params.get("method", "POST"),
                "headers": dict(action.params.get("headers", {})),
                "payload": {"object": self.object_name, "record_id": self.record_id, "origin": self.origin,
                            "data": payload}}
        self.ctx.enqueue(WEBHOOK_ACTION, body, idempotency_key=f"{self.ctx.idempotency_key}:{action.path}"[:255],
                         origin=self.origin)
        return "queued"

    def _start_approval(self, action, record) -> str:
        from runtime.automation import approvals
        request_id = approvals.start(self.svc, self.conn, self.schema, action.params["process"], self.object_name,
                                     self.record_id, requested_by=None, depth=self.ctx.depth,
                                     sink=self.ctx.follow_ups)
        return f"approval {request_id}" if request_id else "entry condition not met"

    def _add_task(self, action, record) -> str:
        _ctx, full = self.context(record, action)
        assignee = None
        if action.params.get("assignee"):
            ids = recipients(self.conn, action.params["assignee"], full)
            assignee = ids[0] if ids else None
        else:
            assignee = record.get("owner")
        due = None
        if action.params.get("due_hours"):
            due = self.ctx.now + dt.timedelta(hours=float(action.params["due_hours"]))
        elif action.params.get("due_workdays"):
            factory = self.svc.extras.get("calendar")
            from expression import MONDAY_TO_FRIDAY
            cal = factory(self.schema) if factory else MONDAY_TO_FRIDAY
            day = _add_workdays(cal, self.ctx.now.astimezone(self.svc.settings.tz).date(),
                                int(action.params["due_workdays"]))
            due = dt.datetime.combine(day, self.ctx.now.astimezone(self.svc.settings.tz).timetz())
        task_id = self.conn.execute(tasks.insert().values(
            object=self.object_name, record_id=self.record_id, title=render(action.params.get("title"), full)[:300],
            description=render(action.params.get("description"), full) if action.params.get("description") else None,
            assignee_id=assignee, due_at=due, rule=self.origin, created_at=self.ctx.now)).inserted_primary_key[0]
        return f"task {task_id}"


def _add_workdays(cal, day: dt.date, n: int) -> dt.date:
    is_workday = getattr(cal, "is_workday", None)
    while n > 0:
        day += dt.timedelta(days=1)
        if (is_workday(day) if is_workday else day.weekday() < 5):
            n -= 1
    return day


def _labels(params: Mapping[str, Any]):
    for key in ("message", "title", "description"):
        if key in params:
            yield params[key]
    yield from params.get("checklist", ())


def _placeholders(label: Any) -> list[str]:
    from runtime.automation.context import PLACEHOLDER
    texts = label.values() if isinstance(label, Mapping) else [label]
    return [m for t in texts if isinstance(t, str) for m in PLACEHOLDER.findall(t)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def run_rule(ctx: ActionContext, payload: Mapping[str, Any]) -> None:
    """Outbox handler: carry out rule ``payload["rule"]`` on ``payload["record_id"]``."""
    svc = services_for(ctx.conn, ctx.clock)
    schema = svc.schema_cache.get(ctx.conn)
    rule = next((r for r in schema.rules if r.key == payload["rule"]), None)
    if rule is None or not rule.active:
        log.info("rule %s is no longer active; nothing to do", payload["rule"])
        return
    runner = Runner(ctx, schema, payload["object"], int(payload["record_id"]), f"rule:{rule.key}")
    done = runner.run_all(rule.actions)
    log.info("rule %s on %s %s (%s): %s", rule.key, payload["object"], payload["record_id"], payload.get("why"),
             "; ".join(done))


def run_webhook(ctx: ActionContext, payload: Mapping[str, Any]) -> None:
    """Outbox handler: one HTTP call; any non-2xx or network error raises, so the outbox retries.
    A refused URL or address (:mod:`runtime.outbound`) raises :class:`WebhookRefused`: dead at once."""
    body = json.dumps(payload["payload"], ensure_ascii=False).encode()
    request = urllib.request.Request(payload["url"], data=body, method=payload.get("method", "POST"), headers={
        "Content-Type": "application/json", "Idempotency-Key": ctx.idempotency_key, **payload.get("headers", {})})
    allow = services_for(ctx.conn, ctx.clock).settings.outbound_allow
    try:
        with open_url(request, allow=allow, timeout=WEBHOOK_TIMEOUT) as response:
            status = response.status
    except OutboundRefused as exc:
        raise WebhookRefused(f"webhook {payload['url']}: {exc}") from None
    except urllib.error.HTTPError as exc:
        raise ActionFailed(f"webhook {payload['url']} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ActionFailed(f"webhook {payload['url']} unreachable: {exc}") from None
    if not 200 <= status < 300:
        raise ActionFailed(f"webhook {payload['url']} answered {status}")


register_action(RULE_ACTION, run_rule, description="Run an automation rule's actions on one record.")
register_action(WEBHOOK_ACTION, run_webhook, description="POST a rule's webhook payload (JSON) to its URL.")
