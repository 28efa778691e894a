"""``/api/v1/imports``: preview, start (202 with the job's URLs), resume, and the problem report.

- ``POST /imports/<object>/preview`` multipart ``file`` (or ``upload``: the token of an earlier
  upload), ``mapping`` (JSON ``{header: field or null}``), ``sheet``, ``rows`` -> 200
- ``POST /imports/<object>`` the same plus ``dry_run`` and ``batch_size`` -> 202 ``{job, urls}``
- ``POST /imports/jobs/<id>/resume`` -> 202 (a failed import, or a running one whose worker died);
  410 ``upload_removed`` when its file is no longer kept
- ``GET /imports/jobs/<id>/errors.csv`` -> the per-row report (UTF-8 with BOM)

Permission: create on the object. Jobs answer their starter and admins; anyone else gets 404."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api import bp
from runtime.api.records import service
from runtime.imports import job as import_job
from runtime.imports import steps
from runtime.imports.report import issues_csv
from runtime.imports.storage import UploadRemoved
from runtime.jobs import get_job
from runtime.services import services
from runtime.web_errors import json_error

MAX_PREVIEW = 100


def _problem(exc: steps.StepProblem):
    return json_error(422, _("Some values need your attention."), exc.code, errors=exc.errors)


def _prepare(object_name: str):
    return steps.prepare(services(), service("import"), object_name, file=request.files.get("file"),
                         token=request.form.get("upload"), mapping_json=request.form.get("mapping"),
                         sheet=request.form.get("sheet"))


def job_urls(object_name: str, job_id: int) -> dict[str, str]:
    return {"status": url_for("api.job_progress", job_id=job_id),
            "errors_csv": url_for("api.import_errors_csv", job_id=job_id),
            "resume": url_for("api.resume_import", job_id=job_id),
            "page": url_for("imports_ui.progress_page", object_name=object_name, job_id=job_id)}


@bp.post("/imports/<object_name>/preview")
def preview_import(object_name: str):
    """Preview an import: the mapping and the first rows through the pipeline, nothing written."""
    rows = request.form.get("rows", "20")
    if not rows.isdigit() or not 1 <= int(rows) <= MAX_PREVIEW:
        return json_error(422, _("Some values need your attention."), "invalid",
                          errors={"rows": [_("Enter a whole number from 1 to %(max)s.", max=MAX_PREVIEW)]})
    svc = service("import")
    try:
        prepared = _prepare(object_name)
        previewed = steps.preview_rows(services(), svc, object_name, prepared, int(rows))
    except steps.StepProblem as exc:
        return _problem(exc)
    return jsonify({"upload": prepared.upload.to_json(services()), "headers": prepared.headers,
                    "mapping": [c.to_json() for c in prepared.mapping], "notes": prepared.notes(),
                    "rows": previewed})


@bp.post("/imports/<object_name>")
def start_import(object_name: str):
    """Start an import of a CSV or XLSX file (multipart); 202 with the job's URLs."""
    svc = service("import")
    try:
        prepared = _prepare(object_name)
        size = steps.batch_size(request.form.get("batch_size"))
        job_id = steps.start(services(), svc, object_name, prepared, dry_run=steps.flag(request.form.get("dry_run")),
                             size=size)
    except steps.StepProblem as exc:
        return _problem(exc)
    body: dict[str, Any] = {"job": job_id, "upload": prepared.upload.token, "notes": prepared.notes(),
                            "urls": job_urls(object_name, job_id)}
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = body["urls"]["status"]
    return response


def _own_import(job_id: int):
    with services().engine.connect() as conn:
        job = get_job(conn, job_id)
    if job is None or job.kind != import_job.KIND or (
            current_user.role != "admin" and job.created_by != current_user.id):
        return None
    return job


@bp.post("/imports/jobs/<int:job_id>/resume")
def resume_import(job_id: int):
    """Resume a failed or stalled import after its last committed batch."""
    job = _own_import(job_id)
    if job is None:
        return json_error(404, _("Not found."))
    try:
        resumed = import_job.resume(services(), job_id)
    except UploadRemoved as exc:
        return json_error(410, str(exc), "upload_removed", job_status=job.status)
    if not resumed:
        return json_error(409, _("Only a failed import, or one that has stopped reporting progress, can be resumed."),
                          "conflict", job_status=job.status)
    response = jsonify({"job": job_id, "urls": job_urls(job.params["object"], job_id)})
    response.status_code = 202
    return response


@bp.get("/imports/jobs/<int:job_id>/errors.csv")
def import_errors_csv(job_id: int) -> Response:
    """The import's per-row problem report as CSV (UTF-8 with BOM)."""
    job = _own_import(job_id)
    if job is None:
        return json_error(404, _("Not found."))
    headers = [c["header"] for c in job.params.get("mapping", [])]
    name = f"import-{job_id}-errors.csv"
    return Response(stream_with_context(issues_csv(services().engine, job_id, headers)),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})
