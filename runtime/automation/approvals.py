"""Approval processes (``approvals`` in the metadata): a request per record and process, ordered
steps with approvers (``user``, ``role``, ``owner_manager``, ``manager_of_previous``, ``field``,
``team_manager``), a per-step timeout (``timeout_hours`` / ``timeout_workdays``) whose ``on_timeout``
forwards (``forward_to``), approves, rejects or reminds, approve/reject with a reason (single or
batch), ``on_approve`` / ``on_reject`` actions through the outbox, ``approval_decided`` hooks, and
the full history in ``approval_events``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.automation.context import eval_context, evaluate, load_raw, recipients, render, system_actor
from runtime.automation.tables import approval_events, approval_requests
from runtime.outbox import ActionContext, dispatch, enqueue, register_action
from runtime.users import Actor, get_actor
from schema_store import AppSchema
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

APPROVAL_ACTION = "automation.approval_actions"


class ApprovalError(Exception):
    """A decision that cannot be taken: ``status`` 404, 403, 409 or 422."""

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class ProcessAction:
    """An on_approve/on_reject action in the shape the action runner takes."""
    type: str
    params: Mapping[str, Any]
    path: str
    expressions: Mapping[str, Any] = None  # type: ignore[assignment]


def aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


def _approvers(conn: sa.Connection, spec: Mapping[str, Any], record: Mapping[str, Any],
               previous: Iterable[int] = ()) -> list[int]:
    kind = spec.get("kind")
    if kind == "manager_of_previous":
        ids = []
        for uid in previous:
            actor = get_actor(conn, uid)
            if actor and actor.manager_id:
                ids.append(actor.manager_id)
        return list(dict.fromkeys(ids))
    return recipients(conn, spec, record)


def _due(svc: Services, schema: AppSchema, step: Mapping[str, Any], start: dt.datetime) -> dt.datetime | None:
    if step.get("timeout_hours"):
        return start + dt.timedelta(hours=float(step["timeout_hours"]))
    if step.get("timeout_workdays"):
        from runtime.automation.actions import _add_workdays
        from expression import MONDAY_TO_FRIDAY
        factory = svc.extras.get("calendar")
        local = start.astimezone(svc.settings.tz)
        day = _add_workdays(factory(schema) if factory else MONDAY_TO_FRIDAY, local.date(), int(step["timeout_workdays"]))
        return dt.datetime.combine(day, local.timetz())
    return None


def _event(conn, request_id: int, event: str, step: str | None, user_id: int | None, reason: str | None,
           at: dt.datetime) -> None:
    conn.execute(approval_events.insert().values(request_id=request_id, event=event, step_key=step, user_id=user_id,
                                                 reason=reason, at=at))


def _tell(conn, ids: list[int], process: Mapping[str, Any], record: Mapping[str, Any], object_name: str,
          request_id: int, now: dt.datetime, text: str) -> None:
    from runtime.notifications import notify
    if ids:
        label = render(process.get("label") or {"en": "Approval"}, record)
        notify(conn, user_ids=ids, kind="approval", title=f"{label}: {text}", body=f"{label} #{request_id}: {text}",
               object=object_name, record_id=record.get("id"), link=f"/app/approvals/{request_id}", now=now,
               dedupe_key=f"approval:{request_id}:{text}:{now.isoformat()}"[:255])


def start(svc: Services, conn: sa.Connection, schema: AppSchema, key: str, object_name: str, record_id: int, *,
          requested_by: int | None, depth: int = 0, sink: list | None = None) -> int | None:
    """Open a request for process ``key`` on the record when its entry condition holds (one pending
    request per process and record: asking again returns the open one)."""
    process = schema.approvals.get(key)
    if process is None or process.get("object") != object_name:
        return None
    record = load_raw(conn, schema, object_name, record_id)
    if record is None:
        return None
    r = approval_requests.c
    open_id = conn.execute(sa.select(r.id).where(r.process == key, r.object == object_name, r.record_id == record_id,
                                                 r.status == "pending")).scalar()
    if open_id is not None:
        return open_id
    entry = schema.expression(f"/approvals/{key}/entry_when")
    if entry is not None:
        ctx = eval_context(svc, conn, schema, object_name, record, [entry], actor=system_actor(conn, record))[0]
        if not evaluate(entry, ctx, False):
            return None
    steps = process.get("steps", ())
    if not steps:
        return None
    now = svc.clock.now()
    approvers = _approvers(conn, steps[0].get("approver", {}), record)
    request_id = conn.execute(approval_requests.insert().values(
        process=key, object=object_name, record_id=record_id, status="pending", step_index=0,
        step_key=steps[0].get("key"), approver_ids=approvers, step_started_at=now,
        due_at=_due(svc, schema, steps[0], now), requested_by=requested_by, created_at=now,
        depth=depth)).inserted_primary_key[0]
    _event(conn, request_id, "started", steps[0].get("key"), requested_by, None, now)
    _tell(conn, approvers, process, record, object_name, request_id, now, "waiting for your decision")
    return request_id


def get(conn: sa.Connection, request_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(approval_requests).where(approval_requests.c.id == request_id)).mappings().first()
    return dict(row) if row else None


def history(conn: sa.Connection, request_id: int) -> list[dict[str, Any]]:
    e = approval_events.c
    return [dict(r) for r in conn.execute(sa.select(approval_events).where(e.request_id == request_id)
                                          .order_by(e.id)).mappings()]


def inbox(conn: sa.Connection, actor: Actor, status: str = "pending") -> list[dict[str, Any]]:
    r = approval_requests.c
    query = sa.select(approval_requests).order_by(r.created_at, r.id)
    if status != "all":
        query = query.where(r.status == status)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    if actor.role == "admin":
        return rows
    if status == "pending":
        return [row for row in rows if actor.id in (row["approver_ids"] or [])]
    decided = set(conn.execute(sa.select(approval_events.c.request_id).where(
        approval_events.c.user_id == actor.id)).scalars())
    return [row for row in rows if actor.id in (row["approver_ids"] or []) or row["id"] in decided
            or row["requested_by"] == actor.id]


def _reason_needed(process: Mapping[str, Any], decision: str) -> bool:
    rule = process.get("reason_required")
    return rule in (True, "always") or (rule == "reject" and decision == "rejected")


def decide(svc: Services, actor: Actor, request_id: int, decision: str, reason: str | None = None, *,
           batch: bool = False) -> dict[str, Any]:
    """Approve or reject (``decision``: approved | rejected) as ``actor``; raises ApprovalError."""
    items: list[int] = []
    with begin_write(svc.engine) as conn:
        result = decide_in(svc, conn, actor, request_id, decision, reason, batch=batch, items=items)
    dispatch(svc, items)
    return result


def decide_in(svc: Services, conn: sa.Connection, actor: Actor | None, request_id: int, decision: str,
              reason: str | None, *, batch: bool = False, items: list[int]) -> dict[str, Any]:
    schema = svc.schema_cache.get(conn)
    req = get(conn, request_id)
    if req is None or (actor is not None and actor.role != "admin" and actor.id not in (req["approver_ids"] or [])
                       and req["status"] == "pending"):
        raise ApprovalError(404, _("There is no such approval waiting for you."), "not_found")
    if req["status"] != "pending":
        raise ApprovalError(409, _("This approval has already been decided."), "already_decided")
    process = schema.approvals.get(req["process"], {})
    if batch and not process.get("allow_batch", False):
        raise ApprovalError(422, _("This process does not allow batch decisions."), "batch_not_allowed")
    if actor is not None and _reason_needed(process, decision) and not (reason or "").strip():
        raise ApprovalError(422, _("Give a reason for this decision."), "reason_required")
    now = svc.clock.now()
    user_id = actor.id if actor else None
    steps = process.get("steps", ())
    record = load_raw(conn, schema, req["object"], req["record_id"]) or {"id": req["record_id"]}
    r = approval_requests.c
    _event(conn, request_id, decision, req["step_key"], user_id, reason, now)
    nxt = req["step_index"] + 1
    if decision == "approved" and nxt < len(steps):
        approvers = _approvers(conn, steps[nxt].get("approver", {}), record,
                               previous=[user_id] if user_id else req["approver_ids"] or [])
        conn.execute(approval_requests.update().where(r.id == request_id, r.status == "pending").values(
            step_index=nxt, step_key=steps[nxt].get("key"), approver_ids=approvers, forwarded=False,
            step_started_at=now, due_at=_due(svc, schema, steps[nxt], now)))
        _event(conn, request_id, "step", steps[nxt].get("key"), None, None, now)
        _tell(conn, approvers, process, record, req["object"], request_id, now, "waiting for your decision")
        return {**req, **(get(conn, request_id) or {})}
    done = conn.execute(approval_requests.update().where(r.id == request_id, r.status == "pending").values(
        status=decision, decided_at=now, due_at=None))
    if done.rowcount != 1:
        raise ApprovalError(409, _("This approval has already been decided."), "already_decided")
    depth = int(req.get("depth") or 0)
    actions = process.get("on_approve" if decision == "approved" else "on_reject", ())
    if actions:
        item = enqueue(conn, APPROVAL_ACTION, {"request_id": request_id, "process": req["process"],
                                               "decision": decision, "object": req["object"],
                                               "record_id": req["record_id"]},
                       idempotency_key=f"approval:{request_id}:{decision}", depth=depth + 1,
                       origin=f"approval:{req['process']}", now=now)
        if item is not None:
            items.append(item)
    payload = {"process": req["process"], "decision": decision, "object": req["object"],
               "record_id": req["record_id"], "request_id": request_id, "depth": depth, "reason": reason}
    for hook in svc.hooks("approval_decided"):
        found = hook(svc, conn, payload)
        if isinstance(found, list):
            items.extend(found)
    if req["requested_by"]:
        _tell(conn, [req["requested_by"]], process, record, req["object"], request_id, now, decision)
    return {**req, **(get(conn, request_id) or {})}


def sweep_timeouts(svc: Services, now: dt.datetime) -> dict[str, int]:
    """Steps past their timeout: forward (once), approve, reject or remind, per ``on_timeout``."""
    r = approval_requests.c
    counts = {"forwarded": 0, "approved": 0, "rejected": 0, "reminded": 0}
    items: list[int] = []
    with svc.engine.connect() as conn:
        due = list(conn.execute(sa.select(r.id).where(r.status == "pending", r.due_at.is_not(None),
                                                      r.due_at <= now).order_by(r.id)).scalars())
    for request_id in due:
        with begin_write(svc.engine) as conn:
            req = get(conn, request_id)
            if req is None or req["status"] != "pending" or aware(req["due_at"]) is None or aware(req["due_at"]) > now:
                continue
            schema = svc.schema_cache.get(conn)
            process = schema.approvals.get(req["process"], {})
            steps = process.get("steps", ())
            step = steps[req["step_index"]] if req["step_index"] < len(steps) else {}
            action = step.get("on_timeout", "remind")
            record = load_raw(conn, schema, req["object"], req["record_id"]) or {"id": req["record_id"]}
            if action == "forward" and step.get("forward_to") and not req["forwarded"]:
                approvers = _approvers(conn, step["forward_to"], record, previous=req["approver_ids"] or [])
                conn.execute(approval_requests.update().where(r.id == request_id).values(
                    approver_ids=approvers, forwarded=True, due_at=None))
                _event(conn, request_id, "forwarded", req["step_key"], None,
                       f"no decision within the step's timeout; forwarded", now)
                _tell(conn, approvers, process, record, req["object"], request_id, now, "forwarded to you")
                counts["forwarded"] += 1
            elif action in ("approve", "reject"):
                decide_in(svc, conn, None, request_id, action + "d", "timeout", items=items)
                counts[action + "d"] += 1
            else:
                conn.execute(approval_requests.update().where(r.id == request_id).values(
                    due_at=_due(svc, schema, step, now)))
                _tell(conn, req["approver_ids"] or [], process, record, req["object"], request_id, now, "reminder")
                counts["reminded"] += 1
    dispatch(svc, items)
    return counts


def run_approval_actions(ctx: ActionContext, payload: Mapping[str, Any]) -> None:
    """Outbox handler: the process's on_approve / on_reject actions on the record."""
    from runtime.automation.actions import Runner
    from runtime.automation.context import services_for
    svc = services_for(ctx.conn, ctx.clock)
    schema = svc.schema_cache.get(ctx.conn)
    process = schema.approvals.get(payload["process"])
    if process is None:
        return
    which = "on_approve" if payload["decision"] == "approved" else "on_reject"
    actions = [ProcessAction(a["type"], a, f"/approvals/{payload['process']}/{which}/{i}", {})
               for i, a in enumerate(process.get(which, ()))]
    Runner(ctx, schema, payload["object"], int(payload["record_id"]),
           f"approval:{payload['process']}").run_all(actions)


register_action(APPROVAL_ACTION, run_approval_actions,
                description="Run an approval process's on_approve / on_reject actions on its record.")
