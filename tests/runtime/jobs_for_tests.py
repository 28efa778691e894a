"""Jobs the test suite enqueues for real rq workers (importable by the worker process)."""
from __future__ import annotations

from pathlib import Path


def write_marker(path: str, text: str) -> str:
    Path(path).write_text(text, encoding="utf-8")
    return text
