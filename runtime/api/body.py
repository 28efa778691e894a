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
