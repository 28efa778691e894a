"""What the record service raises; the API maps each to one status code."""
from __future__ import annotations

from typing import Any, Mapping


class RecordError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any):
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(RecordError):
    status, code = 404, "not_found"


class Forbidden(RecordError):
    status, code = 403, "forbidden"


class Conflict(RecordError):
    """Optimistic locking: the record changed since the caller read it."""

    status, code = 409, "conflict"


class Invalid(RecordError):
    """Every problem with the submitted values, keyed by field, plus record-level rule messages."""

    status, code = 422, "invalid"

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None,
                 rules: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(message, **extra)
        self.errors = {k: list(v) for k, v in (errors or {}).items()}
        self.rules = list(rules or [])
