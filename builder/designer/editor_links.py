"""Where in the designer a JSON pointer of the document is edited, so every problem the
validator or the publish plan reports links to the page that fixes it."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import quote

MAP_SECTIONS = ("approvals", "scoring", "duplicates", "forms", "reports", "roles", "teams", "permissions")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _rule_key(document: Mapping[str, Any] | None, index: str) -> str | None:
    rules = (document or {}).get("rules")
    if isinstance(rules, list) and index.isdigit() and int(index) < len(rules) and isinstance(rules[int(index)], dict):
        key = rules[int(index)].get("key")
        return key if isinstance(key, str) and key else None
    return None


def editor_link(path: str, document: Mapping[str, Any] | None = None) -> str:
    """The designer URL (with an anchor where useful) for the JSON pointer ``path``; ``document``
    (the draft) names the rule behind a ``/rules/<index>`` pointer."""
    parts = [_unescape(p) for p in path.split("/")[1:]] if path.startswith("/") else []
    if not parts:
        return "/builder"
    head, rest = parts[0], parts[1:]
    if head == "objects" and rest:
        base = f"/builder/objects/{quote(rest[0])}"
        if len(rest) >= 3 and rest[1] == "fields":
            anchor = f"#in-{quote(rest[3])}" if len(rest) >= 4 else ""
            return f"{base}/fields/{quote(rest[2])}{anchor}"
        if len(rest) >= 2 and rest[1] == "layouts":
            return f"{base}/layout"
        if len(rest) >= 2 and rest[1] == "validations":
            return f"{base}/validations"
        if len(rest) >= 2 and rest[1] == "pipeline":
            return f"{base}/pipeline"
        return base
    if head == "rules":
        key = _rule_key(document, rest[0]) if rest else None
        return f"/builder/rules/{quote(key)}" if key else "/builder/rules"
    if head in MAP_SECTIONS:
        return f"/builder/{head}/{quote(rest[0])}" if rest else f"/builder/{head}"
    if head == "assignment":
        if len(rest) >= 2 and rest[0] == "routes":
            return f"/builder/assignment/{quote(rest[1])}"
        if rest and rest[0] == "pools":
            return "/builder/assignment-pools"
        return "/builder/assignment"
    if head == "calendar":
        return "/builder/calendar"
    return "/builder"
