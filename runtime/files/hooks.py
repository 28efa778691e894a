"""File fields in the save pipeline, through the same hooks an extension would use.

``validate``: every id in a changed file field must be a file uploaded for this object and field,
either still unattached and uploaded by the person saving, or already attached to this record; a
field without ``multiple`` takes one file. ``after_save``: the listed files are attached to the
record (in the save's transaction). A file taken off a record stays attached to it, so its history
keeps pointing at something the record's readers may download. The checked rows are locked until the
save commits, so the upload sweep (:mod:`runtime.files.sweep`) cannot remove a file being attached.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.files.service import MAX_ID
from runtime.files.tables import files
from runtime.records.checks import Problems
from runtime.records.hooks import SaveEvent, SaveHooks


def _file_fields(event: SaveEvent) -> list[Any]:
    obj = event.service.object(event.object_name)
    return [f for f in obj.fields.values() if f.type == "file" and f.name in event.changed]


def validate_file_fields(event: SaveEvent, problems: Problems) -> None:
    """Refuse file ids that do not belong in this field of this record."""
    if event.action not in ("create", "update"):
        return
    for f in _file_fields(event):
        ids = list(event.record.get(f.name) or ())
        if len(ids) > 1 and not f.multiple:
            problems.add(f.name, _("Only one file is allowed here."))
        if len(set(ids)) != len(ids):
            problems.add(f.name, _("The same file is listed twice."))
        wanted = sorted({i for i in ids if 0 < i <= MAX_ID})
        rows = {r.id: r for r in event.conn.execute(
            sa.select(files.c.id, files.c.object, files.c.field, files.c.record_id, files.c.uploaded_by)
            .where(files.c.id.in_(wanted)).order_by(files.c.id).with_for_update())} if wanted else {}
        for file_id in ids:
            row = rows.get(file_id)
            usable = row is not None and row.object == event.object_name and row.field == f.name and (
                row.record_id == event.record_id if row.record_id is not None
                else row.uploaded_by == event.service.actor.id)
            if not usable:
                problems.add(f.name, _("File %(id)s does not exist or cannot be used here.", id=file_id))


def attach_files(event: SaveEvent) -> None:
    """Point the saved record's new files at it (the ids were checked by the validate hook)."""
    if event.action not in ("create", "update") or event.record_id is None:
        return
    for f in _file_fields(event):
        ids = [i for i in (event.record.get(f.name) or ()) if 0 < i <= MAX_ID]
        if ids:
            event.conn.execute(files.update().where(
                files.c.id.in_(ids), files.c.record_id.is_(None), files.c.object == event.object_name,
                files.c.field == f.name).values(record_id=event.record_id))


def register(hooks: SaveHooks) -> None:
    hooks.register("validate", validate_file_fields)
    hooks.register("after_save", attach_files)
