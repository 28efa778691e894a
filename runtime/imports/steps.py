"""The steps an import takes, shared by the API and the pages: take the upload (a new file or the
token of an earlier one), work out the mapping (suggested, overridden by the user), preview, start.
Every caller mistake is a :class:`StepProblem` with field-keyed, localized messages."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from runtime.imports import job as import_job
from runtime.imports import storage
from runtime.imports.mapping import ColumnMap, MappingProblem, apply_choices, ignored_note
from runtime.imports.preview import preview
from runtime.imports.readers import FileProblem
from runtime.records import RecordService
from runtime.services import Services

MAX_BATCH = 5000


class StepProblem(Exception):
    def __init__(self, errors: dict[str, list[str]], code: str = "invalid") -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors, self.code = errors, code


@dataclass
class Prepared:
    upload: storage.Upload
    headers: list[str]
    mapping: list[ColumnMap]
    sheet: str | None

    def notes(self) -> list[str]:
        note = ignored_note(self.mapping)
        return [note] if note else []


def prepare(svc: Services, service: RecordService, object_name: str, *, file: FileStorage | None,
            token: str | None, mapping_json: str | Mapping[str, Any] | None, sheet: str | None) -> Prepared:
    """The upload and its mapping; StepProblem for a missing or bad file, bad mapping or sheet."""
    service.access(object_name, "create")
    obj = service.object(object_name)
    user_id = service.actor.id
    try:
        if file is not None and file.filename:
            upload = storage.receive(svc, file.stream, file.filename, object_name=object_name, user_id=user_id)
        elif token:
            upload = storage.find(svc, token, object_name=object_name, user_id=user_id)
            if upload is None:
                raise StepProblem({"upload": [_("This upload is unknown or has expired; upload the file again.")]})
        else:
            raise StepProblem({"file": [_("Choose a CSV or Excel (.xlsx) file to import.")]})
        sheet = sheet or None
        headers = upload.table(svc, sheet).headers()
    except FileProblem as exc:
        raise StepProblem({"file": [exc.message]}, exc.code) from None
    chosen = _mapping(mapping_json)
    try:
        mapping = apply_choices(headers, obj, chosen)
    except MappingProblem as exc:
        raise StepProblem({f"mapping.{k}": v for k, v in exc.errors.items()}) from None
    if not any(c.field for c in mapping):
        raise StepProblem({"mapping": [_("No column goes into a field; choose at least one.")]})
    return Prepared(upload, headers, mapping, sheet)


def _mapping(raw: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise StepProblem({"mapping": [_("The mapping must be a JSON object from column to field.")]}) from None
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise StepProblem({"mapping": [_("The mapping must be a JSON object from column to field.")]})
    return dict(raw)


def preview_rows(svc: Services, service: RecordService, object_name: str, prepared: Prepared,
                 limit: int) -> list[dict[str, Any]]:
    try:
        return preview(service, object_name, prepared.upload.table(svc, prepared.sheet), prepared.mapping, limit)
    except FileProblem as exc:
        raise StepProblem({"file": [exc.message]}, exc.code) from None


def flag(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def batch_size(value: Any) -> int:
    if value in (None, ""):
        return import_job.BATCH_SIZE
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_BATCH:
        raise StepProblem({"batch_size": [_("Enter a whole number from 1 to %(max)s.", max=MAX_BATCH)]})
    return int(text)


def start(svc: Services, service: RecordService, object_name: str, prepared: Prepared, *, dry_run: bool,
          size: int) -> int:
    params = import_job.ImportParams(
        object=object_name, upload=prepared.upload.token, sha256=prepared.upload.sha256,
        kind=prepared.upload.kind, filename=prepared.upload.name, mapping=tuple(prepared.mapping),
        sheet=prepared.sheet, dry_run=dry_run, batch_size=size, lang=service.lang)
    return import_job.start(svc, params, created_by=service.actor.id)
