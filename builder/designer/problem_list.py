"""Diagnostics as the designer lists them: the localized message, the JSON pointer with a link to
the editor that fixes it, and for expressions the source line with a caret under the span."""
from __future__ import annotations

from typing import Any, Iterable

import schema_store
from builder.designer.editor_links import editor_link
from runtime.i18n import current_language


def excerpt(source: str | None, span: dict[str, int] | None) -> str:
    """The source line of an expression problem with a caret under the span."""
    if not source or not span:
        return ""
    lines = source.splitlines() or [""]
    line = lines[min(max(span["line"], 1), len(lines)) - 1]
    width = max(1, (span["end_column"] - span["column"]) if span["end_line"] == span["line"] else 1)
    return f"{line}\n{' ' * (max(span['column'], 1) - 1)}{'^' * width}"


def _at(document: Any, path: str) -> Any:
    node = document
    for part in path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def problem_items(diagnostics: Iterable[schema_store.Diagnostic], document: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Each diagnostic as a dict for builder/_forms.html ``problems``: message, link, excerpt."""
    lang = current_language()
    out = []
    for d in diagnostics:
        item = d.to_dict(lang)
        source = _at(document, item["path"])
        item["excerpt"] = excerpt(source if isinstance(source, str) else None, item["span"])
        item["link"] = editor_link(item["path"], document)
        out.append(item)
    return out
