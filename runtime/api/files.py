"""``/api/v1/files``: upload a file for a file field, read its details, download it."""
from __future__ import annotations

from flask import Response, jsonify, request, send_file, url_for
from flask_babel import gettext as _

from runtime import files as file_fields
from runtime.api import bp
from runtime.api.records import service
from runtime.files.service import StoredFile
from runtime.web_errors import json_error

bp.record_once(lambda state: file_fields.init_app(state.app))


def _json(stored: StoredFile) -> dict:
    return stored.to_json(url_for("api.download_file", file_id=stored.id))


@bp.post("/files")
def upload_file():
    """Multipart: ``file`` plus ``object`` and ``field`` naming the file field it is for."""
    upload = request.files.get("file")
    object_name, field_name = request.form.get("object", ""), request.form.get("field", "")
    errors = {}
    if upload is None:
        errors["file"] = [_("Choose a file to upload.")]
    if not object_name:
        errors["object"] = [_("This field is required.")]
    if not field_name:
        errors["field"] = [_("This field is required.")]
    if errors:
        return json_error(422, _("Some values need your attention."), "invalid", errors=errors, rules=[])
    stored = file_fields.upload(service(), file_fields.file_store(), object_name=object_name,
                                field_name=field_name, stream=upload.stream, filename=upload.filename)
    response = jsonify(_json(stored))
    response.status_code = 201
    response.headers["Location"] = url_for("api.download_file", file_id=stored.id)
    return response


@bp.get("/files/<int:file_id>/info")
def file_info(file_id: int):
    """Name, size and type of a file the user may download."""
    return jsonify(_json(file_fields.readable(service(), file_id)))


@bp.get("/files/<int:file_id>")
def download_file(file_id: int) -> Response:
    """The bytes, as an attachment under the original name (``?inline=1`` shows images in place)."""
    stored = file_fields.readable(service(), file_id)
    path = file_fields.file_store().path(stored.sha256)
    if not path.exists():
        return json_error(404, _("Not found."))
    inline = request.args.get("inline") in ("1", "true") and stored.content_type.startswith("image/")
    response = send_file(path, mimetype=stored.content_type, as_attachment=not inline,
                         download_name=stored.name, conditional=True, etag=stored.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/files/<int:file_id>/preview.png")
def preview_file(file_id: int) -> Response:
    """A PNG (800 px wide) of page ``?page=`` (default 1) of a PDF; 404 for other files."""
    page = request.args.get("page", "1")
    if not page.isascii() or not page.isdigit() or len(page) > 4:
        return json_error(404, _("Not found."))
    path = file_fields.pdf_preview(service(), file_fields.file_store(), file_id, int(page))
    response = send_file(path, mimetype="image/png", conditional=True, etag=path.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
