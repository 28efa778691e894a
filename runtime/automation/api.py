"""REST API of automation: the approvals inbox and decisions, public-pool claim/release, and a
record's assignment decisions and tasks."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask import jsonify, request
from flask_login import current_user, login_required

from runtime.api import bp
from runtime.api.body import json_object
from runtime.automation import approvals, assignment
from runtime.automation.tables import tasks
from runtime.records import Conflict, RecordService
from runtime.records.permissions import object_access
from runtime.services import services
from runtime.web_errors import json_error
from schema_store.database import begin_write

MAX_BATCH = 200


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.replace(tzinfo=dt.timezone.utc) if v.tzinfo is None else v).isoformat()
            if isinstance(v, dt.datetime) else v for k, v in row.items()}


def _actor():
    return current_user._get_current_object()


def _bad_id(value: int) -> bool:
    """Ids are 32-bit; larger ones cannot exist (and would overflow the driver)."""
    return not 0 < value < 2**31


@bp.get("/approvals")
@login_required
def approvals_inbox():
    """``?status=pending`` (default: waiting for me), ``approved``, ``rejected`` or ``all``."""
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected", "all"):
        return json_error(400, _("status is one of pending, approved, rejected, all"), "bad_request")
    with services().engine.connect() as conn:
        rows = approvals.inbox(conn, _actor(), status)
    return jsonify({"approvals": [_json(r) for r in rows]})


@bp.get("/approvals/<int:request_id>")
@login_required
def approval_detail(request_id: int):
    if _bad_id(request_id):
        return json_error(404, _("There is no such approval."), "not_found")
    with services().engine.connect() as conn:
        row = approvals.get(conn, request_id)
        visible = row is not None and any(r["id"] == request_id for r in approvals.inbox(conn, _actor(), "all"))
        if not visible:
            return json_error(404, _("There is no such approval."), "not_found")
        return jsonify({**_json(row), "history": [_json(e) for e in approvals.history(conn, request_id)]})


def _decide(request_id: int, decision: str, reason: str | None, batch: bool = False):
    if _bad_id(request_id):
        return None, approvals.ApprovalError(404, _("There is no such approval waiting for you."), "not_found")
    if reason is not None and not isinstance(reason, str):
        return None, approvals.ApprovalError(422, _("The reason is text."), "invalid")
    try:
        return approvals.decide(services(), _actor(), request_id, decision, reason, batch=batch), None
    except approvals.ApprovalError as exc:
        return None, exc


@bp.post("/approvals/<int:request_id>/<any(approve, reject):verb>")
@login_required
def approval_decide(request_id: int, verb: str):
    body = json_object() if request.data else {}
    result, error = _decide(request_id, "approved" if verb == "approve" else "rejected", body.get("reason"))
    if error:
        return json_error(error.status, error.message, error.code)
    return jsonify(_json(result))


@bp.post("/approvals/batch")
@login_required
def approval_batch():
    """``{"ids": [..], "decision": "approve"|"reject", "reason": ".."}`` -> a result per id."""
    body = json_object()
    ids, verb = body.get("ids"), body.get("decision")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BATCH or not all(isinstance(i, int) for i in ids) \
            or verb not in ("approve", "reject"):
        return json_error(422, _("Give ids (1 to 200 numbers) and a decision: approve or reject."), "invalid")
    results = []
    for request_id in ids:
        result, error = _decide(request_id, "approved" if verb == "approve" else "rejected", body.get("reason"),
                                batch=True)
        results.append({"id": request_id, "ok": error is None, "status": result["status"] if result else None,
                        **({"error": error.code, "message": error.message} if error else {})})
    return jsonify({"results": results})


@bp.post("/records/<object_name>/<int:record_id>/claim")
@login_required
def claim(object_name: str, record_id: int):
    """Take a record from its public pool: it becomes the caller's."""
    svc = services()
    actor = _actor()
    rs = RecordService(svc, actor, source="api")
    rs.object(object_name)
    if not object_access(rs.schema, actor, object_name).update:
        return json_error(403, _("You do not have permission to do this."), "forbidden")
    table = rs.schema.table(object_name)
    with svc.engine.connect() as conn:
        pool = assignment.pool_of(conn, object_name, record_id)
        version = conn.execute(sa.select(table.c.version).where(
            table.c.id == record_id, table.c.owner.is_(None), table.c.deleted_at.is_(None))).scalar()
    if pool is None:
        return json_error(409, _("This record is not in a public pool."), "not_in_pool")
    if version is None:
        return json_error(409, _("Someone else claimed this record first."), "taken")
    try:
        # Pool records lie outside a rep's own scope, so the change is made with the pool's rights,
        # through the save pipeline (history, hooks); the version makes concurrent claims safe.
        _as_pool_keeper(svc, actor).update(object_name, record_id, {"owner": actor.id}, expected_version=version)
    except Conflict:
        return json_error(409, _("Someone else claimed this record first."), "taken")
    with begin_write(svc.engine) as conn:
        assignment.record_decision(conn, object_name, record_id, assignment.Decision("claim", actor.id, pool=None,
                                                                                   entry=pool),
                                   source="claim", actor_id=actor.id, at=svc.clock.now())
    return jsonify(RecordService(svc, actor).get(object_name, record_id) | {"claimed_from": pool})


@bp.post("/records/<object_name>/<int:record_id>/release")
@login_required
def release(object_name: str, record_id: int):
    """Give a record back to the public pool (its owner, their managers, or an admin)."""
    svc = services()
    actor = _actor()
    rs = RecordService(svc, actor, source="api")
    record = rs.get(object_name, record_id)
    body = json_object() if request.data else {}
    pool = body.get("pool") or assignment.default_pool(rs.schema, object_name)
    if pool is None or pool not in rs.schema.assignment.get("pools", {}):
        return json_error(422, _("There is no public pool to release this record to."), "no_pool")
    if record.get("owner") != actor.id and actor.role not in ("admin", "manager"):
        return json_error(403, _("Only the owner or a manager can release this record."), "forbidden")
    try:
        _as_pool_keeper(svc, actor).update(object_name, record_id, {"owner": None},
                                           expected_version=record["version"])
    except Conflict:
        return json_error(409, _("Someone else changed this record; reload it and apply your change again."),
                          "conflict")
    with begin_write(svc.engine) as conn:
        assignment.record_decision(conn, object_name, record_id, assignment.Decision("pool", None, pool=pool,
                                                                                   entry="release"),
                                   source="release", actor_id=actor.id, at=svc.clock.now())
    return jsonify({"id": record_id, "owner": None, "pool": pool})


def _as_pool_keeper(svc, actor) -> RecordService:
    """The caller, with the rights needed to move a record into or out of a pool."""
    return RecordService(svc, dataclasses.replace(actor, role="admin"), source="pool")


@bp.get("/records/<object_name>/<int:record_id>/assignments")
@login_required
def assignment_log(object_name: str, record_id: int):
    if _bad_id(record_id):
        return json_error(404, _("This record does not exist or you cannot see it."), "not_found")
    svc = services()
    RecordService(svc, _actor()).get(object_name, record_id)
    with svc.engine.connect() as conn:
        rows = assignment.decisions(conn, object_name, record_id)
        pool = assignment.pool_of(conn, object_name, record_id)
    return jsonify({"pool": pool, "decisions": [_json(r) for r in rows]})


@bp.get("/records/<object_name>/<int:record_id>/tasks")
@login_required
def record_tasks(object_name: str, record_id: int):
    if _bad_id(record_id):
        return json_error(404, _("This record does not exist or you cannot see it."), "not_found")
    svc = services()
    RecordService(svc, _actor()).get(object_name, record_id)
    with svc.engine.connect() as conn:
        rows = conn.execute(sa.select(tasks).where(tasks.c.object == object_name, tasks.c.record_id == record_id)
                            .order_by(tasks.c.id)).mappings().all()
    return jsonify({"tasks": [_json(dict(r)) for r in rows]})
