"""``POST /api/v1/records/<object>/<id>/stage`` ``{"to": "node", "version": n?}`` and
``GET /api/v1/records/<object>/<id>/stages`` (the stage history with durations)."""
from __future__ import annotations

from flask import jsonify

from runtime.api import bp
from runtime.api.body import json_object


@bp.post("/records/<object_name>/<int:record_id>/stage")
def stage_move_view(object_name: str, record_id: int):
    from runtime.api.records import _out, _version, service
    from runtime.stages.moves import move
    body = json_object()
    version = _version(body) if "version" in body else None
    record = move(service(), object_name, record_id, body.get("to"), expected_version=version)
    return jsonify(_out(record))


@bp.get("/records/<object_name>/<int:record_id>/stages")
def stage_history_view(object_name: str, record_id: int):
    from runtime.api.records import service
    from runtime.stages.moves import pipeline_of, read_history
    svc = service()
    svc.get(object_name, record_id)
    pipeline_of(svc, object_name)
    with svc.svc.engine.connect() as conn:
        entries = read_history(conn, object_name, record_id, now=svc.now(), tz=svc.tz)
    return jsonify({"stages": entries})
