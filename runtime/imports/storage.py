"""Uploaded import files: received with a size limit, judged by their bytes (CSV or XLSX, never by
the name alone), kept under ``<files root>/imports/`` by checksum and recorded for the uploader with
a random token that the next steps (mapping, preview, run) pass on.

The ``import_uploads`` tick task (:mod:`runtime.imports.sweep`) removes an upload once no import
needs it: :data:`KEPT_UNUSED` after its upload or after the import that used it finished, or
:data:`KEPT_RESUMABLE` after an import that used it stopped (failed, or a worker died)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.files.storage import FileStore, TooLarge, lock_contents
from runtime.imports.readers import FileProblem, TableFile, sheet_names, sniff_kind
from runtime.imports.tables import import_uploads
from runtime.outbox.store import utc
from runtime.services import Services
from schema_store.database import begin_write

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
KEPT_UNUSED = dt.timedelta(hours=24)     # an upload not started, or whose import is done (a dry run, then the real one)
KEPT_RESUMABLE = dt.timedelta(days=7)    # an upload whose import failed or stopped: it can be resumed this long


class UploadRemoved(Exception):
    """The file an import reads has been removed by the retention sweep."""

    def __init__(self) -> None:
        super().__init__(_("The uploaded file has been removed after %(days)s days; upload it again.",
                           days=KEPT_RESUMABLE.days))


@dataclass(frozen=True)
class Upload:
    token: str
    sha256: str
    kind: str
    name: str
    size: int
    object: str

    def table(self, svc: Services, sheet: str | None = None) -> TableFile:
        return TableFile(upload_path(svc, self.sha256), self.kind, sheet)

    def sheets(self, svc: Services) -> list[str]:
        return sheet_names(upload_path(svc, self.sha256)) if self.kind == "xlsx" else []

    def to_json(self, svc: Services) -> dict:
        return {"token": self.token, "name": self.name, "kind": self.kind, "size": self.size,
                "sheets": self.sheets(svc)}


def store(svc: Services) -> FileStore:
    return FileStore(FileStore.for_instance(svc.settings.instance_path).root / "imports")


def upload_path(svc: Services, sha256: str) -> Path:
    return store(svc).path(sha256)


def require(svc: Services, sha256: str) -> Path:
    """The kept file with this checksum; UploadRemoved when it is no longer there."""
    path = upload_path(svc, sha256)
    if not path.exists():
        raise UploadRemoved()
    return path


def receive(svc: Services, stream: BinaryIO, filename: str, *, object_name: str, user_id: int) -> Upload:
    """Keep an uploaded file; FileProblem when it is too large, empty or not a table."""
    files = store(svc)
    try:
        incoming = files.receive(stream, MAX_UPLOAD_BYTES)
    except TooLarge:
        raise FileProblem("too_large", _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))) from None
    try:
        kind = sniff_kind(incoming.path, filename)
        TableFile(incoming.path, kind).headers()   # empty, no header, too many columns ...
        token = secrets.token_urlsafe(24)
        name = (filename or "upload")[-255:]
        with begin_write(svc.engine) as conn:
            lock_contents(conn, [incoming.sha256])   # the sweep cannot remove these bytes meanwhile
            files.keep(incoming)
            conn.execute(import_uploads.insert().values(
                token=token, sha256=incoming.sha256, kind=kind, name=name, size=incoming.size,
                object=object_name, uploaded_by=user_id, uploaded_at=utc(svc.clock.now())))
    except BaseException:
        files.discard(incoming)
        raise
    return Upload(token, incoming.sha256, kind, name, incoming.size, object_name)


def find(svc: Services, token: str, *, object_name: str, user_id: int) -> Upload | None:
    """The upload behind ``token`` if this user made it for this object."""
    if not token or len(token) > 64:
        return None
    u = import_uploads.c
    with svc.engine.connect() as conn:
        row = conn.execute(sa.select(import_uploads).where(
            u.token == token, u.uploaded_by == user_id, u.object == object_name)).first()
    if row is None or not upload_path(svc, row.sha256).exists():
        return None
    return Upload(row.token, row.sha256, row.kind, row.name, row.size, row.object)
