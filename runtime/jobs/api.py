"""``GET /api/v1/jobs/<id>``: a long job's progress, for the user who started it and for admins."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api import bp
from runtime.jobs.progress import get_job
from runtime.services import services
from runtime.web_errors import json_error


@bp.get("/jobs/<int:job_id>")
def job_progress(job_id: int):
    with services().engine.connect() as conn:
        job = get_job(conn, job_id)
    # Someone else's job answers exactly like a missing one, so ids cannot be probed.
    if job is None or (current_user.role != "admin" and job.created_by != current_user.id):
        return json_error(404, _("Not found."))
    return jsonify(job.to_json())
