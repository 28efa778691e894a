"""Uploading a file for a file field, and deciding who may download one.

An upload is checked against its field (type by content, size) and kept unattached; a record save
that lists its id attaches it (see :mod:`runtime.files.hooks`). A download is allowed to whoever can
read the record it is attached to and see the field, decided by :class:`RecordService` like every
other read; an unattached file only to its uploader. Everything else is a 404.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.files import sniff
from runtime.files.storage import FileStore, TooLarge, lock_contents
from runtime.files.tables import files
from runtime.outbox.store import utc
from runtime.records import Forbidden, Invalid, NotFound, RecordService
from runtime.records.permissions import object_access
from schema_store.database import begin_write

DEFAULT_LIMIT_MB = 64          # the app's request size cap (MAX_CONTENT_LENGTH)
MAX_ID = 2**31 - 1             # ids are 32-bit integers in every database we support
NAME_LENGTH = 255


class FileTooLarge(Invalid):
    status, code = 413, "too_large"


@dataclass(frozen=True)
class StoredFile:
    """One row of ``files``."""

    id: int
    sha256: str
    size: int
    content_type: str
    name: str
    uploaded_by: int
    uploaded_at: dt.datetime
    object: str
    field: str
    record_id: int | None

    def to_json(self, url: str) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "size": self.size, "content_type": self.content_type,
                "url": url}


def display_name(filename: str | None) -> str:
    """The last part of the uploader's file name without control characters (display only)."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    cleaned = cleaned[-NAME_LENGTH:]
    return cleaned if cleaned.strip(".") else "file"


def upload(service: RecordService, store: FileStore, *, object_name: str, field_name: str,
           stream: BinaryIO, filename: str | None) -> StoredFile:
    """Check and keep one upload for ``object_name.field_name``; Invalid / FileTooLarge / NotFound."""
    obj = service.object(object_name)
    access = object_access(service.schema, service.actor, object_name)
    if not access.read:
        raise NotFound(_("There is no object called %(name)s.", name=object_name))
    f = obj.fields.get(field_name)
    if f is None or f.type != "file" or not access.can_see(field_name):
        msg = _("%(object)s has no file field called %(field)s.", object=object_name, field=field_name)
        raise Invalid(msg, {"field": [msg]})
    if not (access.create or access.update) or not access.can_edit(field_name):
        raise Forbidden(_("You do not have permission to do this."))
    limit_mb = f.max_size_mb or DEFAULT_LIMIT_MB
    try:
        incoming = store.receive(stream, int(limit_mb * 1024 * 1024))
    except TooLarge:
        msg = _("The file is larger than the %(mb)s MB allowed here.", mb=f"{limit_mb:g}")
        raise FileTooLarge(msg, {"file": [msg]}, max_size_mb=limit_mb) from None
    try:
        if incoming.size == 0:
            msg = _("The file is empty.")
            raise Invalid(msg, {"file": [msg]})
        rules = sniff.allowed(f.accept)
        kind = sniff.detect(incoming.path)
        content_type = rules.content_type(kind, display_name(filename))
        if content_type is None:
            msg = _("Only these file types are allowed here: %(types)s; this file is %(found)s.",
                    types=", ".join(rules.labels), found=kind.label if kind else _("an unknown type"))
            raise Invalid(msg, {"file": [msg]}, code_override="file_type_not_allowed", allowed=rules.labels)
        row = {"sha256": incoming.sha256, "size": incoming.size, "content_type": content_type,
               "name": display_name(filename), "uploaded_by": service.actor.id, "uploaded_at": utc(service.now()),
               "object": object_name, "field": field_name, "record_id": None}
        with begin_write(service.svc.engine) as conn:
            lock_contents(conn, [incoming.sha256])   # the sweep cannot remove these bytes meanwhile
            store.keep(incoming)
            file_id = conn.execute(files.insert().values(**row)).inserted_primary_key[0]
    except BaseException:
        store.discard(incoming)
        raise
    return StoredFile(id=file_id, **row)


def load(conn: sa.Connection, file_id: int) -> StoredFile | None:
    if not 0 < file_id <= MAX_ID:
        return None
    row = conn.execute(sa.select(files).where(files.c.id == file_id)).mappings().first()
    if row is None:
        return None
    uploaded_at = row["uploaded_at"]
    if uploaded_at.tzinfo is None:
        uploaded_at = uploaded_at.replace(tzinfo=dt.timezone.utc)
    return StoredFile(**{**row, "uploaded_at": uploaded_at})


def readable(service: RecordService, file_id: int) -> StoredFile:
    """The file if ``service.actor`` may download it; NotFound otherwise (whether it exists or not)."""
    with service.svc.engine.connect() as conn:
        stored = load(conn, file_id)
    missing = NotFound(_("Not found."))
    if stored is None:
        raise missing
    if stored.record_id is None:
        if stored.uploaded_by != service.actor.id:
            raise missing
        return stored
    try:
        record = service.get(stored.object, stored.record_id)  # the one place read permissions live
    except NotFound:
        raise missing from None
    if stored.field not in record:                             # a hidden (or removed) field
        raise missing
    return stored


def pdf_preview(service: RecordService, store: FileStore, file_id: int, page: int = 1):
    """The cached PNG (a path) of ``page`` of a PDF the actor may download (see :func:`readable`).

    NotFound for anyone who may not read it, for a file that is not a PDF and for a page past the end;
    UnreadablePdf (422) when the PDF cannot be rendered.
    """
    from runtime.files import preview

    stored = readable(service, file_id)
    if stored.content_type != preview.PDF or not store.path(stored.sha256).exists():
        raise NotFound(_("Not found."))
    return preview.render(store, stored.sha256, page)
