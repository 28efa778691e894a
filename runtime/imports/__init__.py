"""Import of CSV and XLSX files into an object: streaming readers, column mapping suggested from
labels (zh-CN and en), preview, dry run, duplicates within the file and against saved records,
batches committed with a checkpoint (resumable), progress at ``GET /api/v1/jobs/<id>``, a per-row
problem report as CSV. See docs/imports.md.

Importing this package adds its tables to the system metadata and its API routes to
``runtime.api.bp`` (so the app factory imports it before creating tables and registering the API);
:func:`init_app` adds the pages, the hook that collects a batch's save events for their
after-commit work, and the ``import_uploads`` tick task that removes the files no import needs any
more (runtime/imports/sweep.py)."""
from __future__ import annotations

from flask import Flask

from runtime.imports import api as _api  # noqa: F401 - registers routes on runtime.api.bp
from runtime.imports import job as _job  # noqa: F401 - registers the "import" job kind
from runtime.imports.tables import import_issues, import_uploads

__all__ = ["import_issues", "import_uploads", "init_app"]


def init_app(app: Flask) -> None:
    from runtime.imports.after_commit import collect
    from runtime.imports.sweep import import_uploads_task
    from runtime.imports.views import bp
    from runtime.services import services
    from runtime.stages.tick import register_tick
    svc = services(app)
    svc.hooks.register("after_save", collect)
    register_tick(svc, "import_uploads", import_uploads_task)
    app.register_blueprint(bp)
