"""Reading a request's JSON body with a clear 400 when it is not what the route expects."""
from __future__ import annotations

from typing import Any

from flask import abort, request


def json_object() -> dict[str, Any]:
    """The body as a JSON object, or a 400 for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


MAX_INT = 2**31 - 1  # ids and counts fit a 32-bit INTEGER column on every database


def positive_int_arg(name: str, default: int, maximum: int = 100_000) -> int | None:
    """A whole-number query parameter from 1 to ``maximum``; None when it is anything else."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None
