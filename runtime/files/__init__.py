"""File fields: uploads checked by content and size, kept once per checksum, attached to records by
the save pipeline, downloadable by whoever can read the record. See docs/api.md "Files".

Importing this package adds the ``files`` table to the system metadata (so the app factory imports
it before creating tables); :func:`init_app` wires the store, the save hooks and the ``file_uploads``
tick task (:mod:`runtime.files.sweep`) into one app, and runs when the API blueprint is registered
(``runtime/api/files.py``), once per app.
"""
from __future__ import annotations

from flask import Flask

from runtime.files import hooks
from runtime.files.service import FileTooLarge, StoredFile, pdf_preview, readable, upload
from runtime.files.storage import FileStore
from runtime.files.sweep import file_uploads_task
from runtime.files.tables import files
from runtime.services import services

STORE_KEY = "file_store"

__all__ = ["FileStore", "FileTooLarge", "StoredFile", "file_store", "files", "init_app", "pdf_preview",
           "readable", "upload"]


def init_app(app: Flask) -> None:
    """Give ``app`` its file store and register the file-field save hooks (once per app)."""
    svc = services(app)
    svc.extras[STORE_KEY] = FileStore.for_instance(svc.settings.instance_path)
    hooks.register(svc.hooks)
    from runtime.stages.tick import register_tick
    register_tick(svc, "file_uploads", file_uploads_task)


def file_store(app: Flask | None = None) -> FileStore:
    return services(app).extras[STORE_KEY]
