"""Metadata routes: the live app, the draft, validation, publish, versions and rollback.

Reading the live metadata is open to every signed-in user (the UI is generated from it); the
draft and everything that changes the app is for analysts and admins.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

import schema_store
from runtime.api import bp
from runtime.api.body import json_object, positive_int_arg
from runtime.auth import requires_role
from runtime.i18n import current_language
from runtime.services import services
from runtime.web_errors import json_error
from schema_store.database import begin_write

DESIGNERS = ("analyst",)  # admin always passes


def _problems(exc: schema_store.DiagnosticsError, status: int = 422, code: str = "invalid"):
    lang = current_language()
    diagnostics = exc.to_dicts(lang)
    return json_error(status, diagnostics[0]["message"] if diagnostics else _("The metadata is not valid."),
                      code, diagnostics=diagnostics)


def _document(body: dict[str, Any]) -> dict[str, Any] | None:
    document = body.get("document")
    return document if isinstance(document, dict) else None


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes"}


@bp.get("/meta")
def live_meta():
    svc = services()
    with svc.engine.connect() as conn:
        app = svc.schema_cache.get(conn)
    return jsonify({"version": app.version, "document": schema_store.model.thaw(app.document)})


@bp.get("/meta/draft")
@requires_role(*DESIGNERS)
def get_draft():
    with services().engine.connect() as conn:
        draft = schema_store.get_draft(conn)
    return jsonify(draft.to_dict())


@bp.put("/meta/draft")
@requires_role(*DESIGNERS)
def put_draft():
    body = json_object()
    document = _document(body)
    revision = body.get("revision")
    if document is None or not isinstance(revision, int) or isinstance(revision, bool):
        return json_error(400, _('Send {"document": {...}, "revision": N} (N from GET /meta/draft).'))
    svc = services()
    try:
        with begin_write(svc.engine) as conn:
            draft = schema_store.save_draft(conn, document, revision, current_user.id, now=svc.clock.now())
    except schema_store.DraftConflict as exc:
        return json_error(409, _("Someone else saved the draft since you opened it (now revision %(n)s). "
                                 "Reload it and apply your change again.", n=exc.current), "conflict",
                          revision=exc.current)
    lang = current_language()
    return jsonify({**draft.to_dict(), "diagnostics": [d.to_dict(lang) for d in schema_store.validate(document)]})


@bp.post("/meta/draft/validate")
@requires_role(*DESIGNERS)
def validate_draft():
    body = request.get_json(silent=True)
    if isinstance(body, dict) and "document" in body:
        document = _document(body)
        if document is None:
            return json_error(400, _("The document must be a JSON object."))
    else:
        with services().engine.connect() as conn:
            document = schema_store.get_draft(conn).document
    lang = current_language()
    diagnostics = [d.to_dict(lang) for d in schema_store.validate(document)]
    return jsonify({"ok": not diagnostics, "diagnostics": diagnostics})


@bp.post("/meta/plan")
@requires_role(*DESIGNERS)
def plan():
    """What publishing the draft (or the posted document) would change, without changing it."""
    body = request.get_json(silent=True)
    document = _document(body) if isinstance(body, dict) else None
    svc = services()
    with svc.engine.connect() as conn:
        if document is None:
            document = schema_store.get_draft(conn).document
        result = schema_store.plan_publish(conn, document, cache=svc.schema_cache)
    return jsonify(result.to_dict(current_language()))


@bp.post("/meta/publish")
@requires_role(*DESIGNERS)
def publish():
    """Publish the draft (or ``document`` in the body). Destructive steps need
    ``confirm_destructive: true``; the answer lists what was done."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    document = _document(body)
    svc = services()
    if document is None:
        with svc.engine.connect() as conn:
            document = schema_store.get_draft(conn).document
    try:
        result = schema_store.publish(svc.engine, document, current_user.id, note=body.get("note"),
                                      confirm_destructive=bool(body.get("confirm_destructive")),
                                      cache=svc.schema_cache, now=svc.clock.now())
    except schema_store.PublishError as exc:
        return _problems(exc)
    return jsonify(result.to_dict(current_language()))


@bp.get("/meta/versions")
@requires_role(*DESIGNERS)
def versions():
    with services().engine.connect() as conn:
        items = schema_store.list_versions(conn)
        live = schema_store.live_version(conn)
    return jsonify({"live": live, "versions": [v.to_dict() for v in items]})


@bp.get("/meta/versions/<int:version>")
@requires_role(*DESIGNERS)
def version_document(version: int):
    try:
        with services().engine.connect() as conn:
            document = schema_store.get_version_document(conn, version)
    except schema_store.VersionNotFound as exc:
        return _problems(exc, 404, "not_found")
    return jsonify({"version": version, "document": document})


@bp.get("/meta/diff")
@requires_role(*DESIGNERS)
def version_diff():
    new = positive_int_arg("to", 0)
    old = positive_int_arg("from", 0) if request.args.get("from") else None
    if not new or (request.args.get("from") and not old):
        return json_error(400, _("Give ?from=<version>&to=<version> (from may be omitted)."))
    svc = services()
    try:
        with svc.engine.connect() as conn:
            ops = schema_store.diff_versions(conn, old, new, svc.schema_cache)
    except schema_store.VersionNotFound as exc:
        return _problems(exc, 404, "not_found")
    lang = current_language()
    return jsonify({"from": old, "to": new, "ops": [op.to_dict(lang) for op in ops]})


@bp.post("/meta/rollback/<int:version>")
@requires_role(*DESIGNERS)
def rollback(version: int):
    body = request.get_json(silent=True)
    confirm = bool(body.get("confirm_destructive")) if isinstance(body, dict) else False
    svc = services()
    try:
        result = schema_store.rollback(svc.engine, version, current_user.id, confirm_destructive=confirm,
                                       cache=svc.schema_cache, now=svc.clock.now())
    except schema_store.VersionNotFound as exc:
        return _problems(exc, 404, "not_found")
    except schema_store.PublishError as exc:
        return _problems(exc)
    return jsonify(result.to_dict(current_language()))
