"""``/api/v1/records/<object>``: list, create, read, update, delete, restore, history."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api import bp
from runtime.api.body import json_object
from runtime.dedup import create_or_merge, duplicate_notes
from runtime.i18n import current_language
from runtime.records import ListParams, RecordError, RecordService, list_records
from runtime.records.reading import record_json
from runtime.services import services
from runtime.web_errors import json_error


def service(source: str = "api") -> RecordService:
    return RecordService(services(), current_user._get_current_object(), source=source,
                         lang=current_language())


@bp.errorhandler(RecordError)
def _record_error(exc: RecordError):
    extra = dict(exc.extra)
    code = extra.pop("code_override", exc.code)
    if hasattr(exc, "errors"):
        extra.update(errors=exc.errors, rules=exc.rules)  # type: ignore[attr-defined]
    return json_error(exc.status, exc.message, code, **extra)


def _out(record):
    return record_json(record, services().settings.tz)


@bp.get("/records/<object_name>")
def list_view(object_name: str):
    svc = service()
    page = list_records(svc, object_name, ListParams.from_args(request.args))
    page["records"] = [_out(r) for r in page["records"]]
    return jsonify(page)


@bp.post("/records/<object_name>")
def create_view(object_name: str):
    svc = service()
    record, merged_into = create_or_merge(svc, object_name, json_object())
    notes = duplicate_notes(svc, object_name, record["id"], merged_incoming=merged_into is not None)
    return jsonify({**_out(record), **notes}), 201 if merged_into is None else 200


@bp.get("/records/<object_name>/<int:record_id>")
def get_view(object_name: str, record_id: int):
    svc = service()
    return jsonify({**_out(svc.get(object_name, record_id)), **duplicate_notes(svc, object_name, record_id)})


def _version(body: dict) -> int | None:
    version = body.pop("version", None)
    if version is None:
        version = request.headers.get("If-Match", "").strip('"') or None
    if version is None:
        return None
    try:
        return int(version)
    except (TypeError, ValueError):
        return -1


@bp.patch("/records/<object_name>/<int:record_id>")
def patch_view(object_name: str, record_id: int):
    body = json_object()
    version = _version(body)
    if version is None:
        return json_error(428, _("Send the version you edited (\"version\" in the body or an If-Match header)."),
                          "version_required")
    svc = service()
    record = svc.update(object_name, record_id, body, expected_version=version)
    return jsonify({**_out(record), **duplicate_notes(svc, object_name, record_id)})


@bp.delete("/records/<object_name>/<int:record_id>")
def delete_view(object_name: str, record_id: int):
    body = request.get_json(silent=True)
    version = _version(dict(body)) if isinstance(body, dict) else _version({})
    service().delete(object_name, record_id, expected_version=version)
    return "", 204


@bp.post("/records/<object_name>/<int:record_id>/restore")
def restore_view(object_name: str, record_id: int):
    return jsonify(_out(service().restore(object_name, record_id)))


@bp.get("/records/<object_name>/<int:record_id>/history")
def history_view(object_name: str, record_id: int):
    return jsonify({"history": service().history(object_name, record_id)})


@bp.get("/records/<object_name>/<int:record_id>/timeline")
def timeline_view(object_name: str, record_id: int):
    svc = service()
    entries = [{"kind": "change", **h} for h in svc.history(object_name, record_id)]
    for source in services().extras.get("timeline_sources", ()):
        entries.extend(source(svc, object_name, record_id))
    entries.sort(key=lambda e: e["at"], reverse=True)
    return jsonify({"timeline": entries})
