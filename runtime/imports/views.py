"""The import pages under ``/app/<object>/import``: upload -> mapping with suggestions and a
preview with each row's problems -> run or dry run -> a progress page (a bar polled by a few lines
of JS, a meta refresh without JS) -> counts and the problem report."""
from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.imports import job as import_job
from runtime.imports import steps, storage
from runtime.imports.mapping import ColumnMap, field_label, importable_fields
from runtime.jobs import get_job
from runtime.records import RecordError
from runtime.services import services
from runtime.ui.context import record_service

bp = Blueprint("imports_ui", __name__, url_prefix="/app")
PREVIEW_ROWS = 10


def _service(object_name: str):
    svc = record_service("import")
    try:
        svc.access(object_name, "create")
    except RecordError as exc:
        abort(exc.status if exc.status in (403, 404) else 404)
    return svc


def _targets(obj) -> list[tuple[str, str]]:
    return [(f.name, field_label(obj, f.name)) for f in importable_fields(obj)] + [("owner", _("Owner"))]


@bp.get("/<object_name>/import")
def upload_page(object_name: str):
    svc = _service(object_name)
    return render_template("runtime/import_upload.html", obj=svc.object(object_name), errors={})


@bp.post("/<object_name>/import")
def mapping_page(object_name: str):
    """Upload (or the token of the upload) + mapping; ``action``: preview, dry_run or run."""
    svc = _service(object_name)
    obj = svc.object(object_name)
    token = request.form.get("upload")
    chosen = None
    if token and "headers" in request.form:
        headers = request.form.getlist("headers")
        chosen = {h: request.form.get(f"map-{i}") or None for i, h in enumerate(headers)}
    try:
        prepared = steps.prepare(services(), svc, object_name, file=request.files.get("file"), token=token,
                                 mapping_json=chosen, sheet=request.form.get("sheet"))
    except steps.StepProblem as exc:
        upload = storage.find(services(), token or "", object_name=object_name, user_id=svc.actor.id)
        if chosen is None or upload is None:
            return render_template("runtime/import_upload.html", obj=obj, errors=exc.errors), 422
        # a mapping the user has to correct: the same page again, with their choices and the problems
        columns = [ColumnMap(i, h, chosen.get(h), "user") for i, h in enumerate(chosen)]
        again = steps.Prepared(upload, list(chosen), columns, request.form.get("sheet") or None)
        return render_template("runtime/import_mapping.html", obj=obj, prepared=again, rows=[], errors=exc.errors,
                               targets=_targets(obj), sheets=upload.sheets(services())), 422
    action = request.form.get("action", "preview")
    if action in ("run", "dry_run"):
        job_id = steps.start(services(), svc, object_name, prepared, dry_run=action == "dry_run",
                             size=import_job.BATCH_SIZE)
        return redirect(url_for("imports_ui.progress_page", object_name=object_name, job_id=job_id), 303)
    try:
        rows = steps.preview_rows(services(), svc, object_name, prepared, PREVIEW_ROWS)
    except steps.StepProblem as exc:
        return render_template("runtime/import_upload.html", obj=obj, errors=exc.errors), 422
    return render_template("runtime/import_mapping.html", obj=obj, prepared=prepared, rows=rows, errors={},
                           targets=_targets(obj), sheets=prepared.upload.sheets(services()))


@bp.get("/<object_name>/import/jobs/<int:job_id>")
def progress_page(object_name: str, job_id: int):
    svc = _service(object_name)
    with services().engine.connect() as conn:
        job = get_job(conn, job_id)
    if job is None or job.kind != import_job.KIND or job.params.get("object") != object_name or (
            current_user.role != "admin" and job.created_by != current_user.id):
        abort(404)
    resumable = import_job.resumable(job, services().clock.now())
    if resumable and not storage.upload_path(services(), job.params["sha256"]).exists():
        resumable = False
        flash(str(storage.UploadRemoved()), "error")
    return render_template("runtime/import_progress.html", obj=svc.object(object_name), job=job,
                           view=job.to_json(), resumable=resumable)


@bp.post("/<object_name>/import/jobs/<int:job_id>/resume")
def resume_page(object_name: str, job_id: int):
    _service(object_name)
    with services().engine.connect() as conn:
        job = get_job(conn, job_id)
    if job is None or job.kind != import_job.KIND or (
            current_user.role != "admin" and job.created_by != current_user.id):
        abort(404)
    with suppress(storage.UploadRemoved):   # the progress page says the file is gone
        import_job.resume(services(), job_id)
    return redirect(url_for("imports_ui.progress_page", object_name=object_name, job_id=job_id), 303)
