"""Records: the one save pipeline and every read, with permissions enforced in one place."""
from __future__ import annotations

from runtime.records import tables  # noqa: F401 - registers the history tables
from runtime.records.errors import Conflict, Forbidden, Invalid, NotFound, RecordError
from runtime.records.hooks import SaveEvent, SaveHooks
from runtime.records.listing import ListParams
from runtime.records.service import RecordService, list_records

__all__ = ["Conflict", "Forbidden", "Invalid", "ListParams", "NotFound", "RecordError", "RecordService",
           "SaveEvent", "SaveHooks", "list_records"]
