"""Where in the designer a JSON pointer of the document is edited, so every problem the
validator or the publish plan reports links to the page that fixes it."""
from __future__ import annotations

SECTION_PAGES = ("rules", "assignment", "approvals", "scoring", "duplicates", "forms")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def editor_link(path: str) -> str:
    """The designer URL (with an anchor where useful) for the JSON pointer ``path``."""
    parts = [_unescape(p) for p in path.split("/")[1:]] if path.startswith("/") else []
    if not parts:
        return "/builder"
    head = parts[0]
    if head == "objects" and len(parts) >= 2:
        base = f"/builder/objects/{parts[1]}"
        if len(parts) >= 4 and parts[2] == "fields":
            anchor = f"#in-{parts[4]}" if len(parts) >= 5 else ""
            return f"{base}/fields/{parts[3]}{anchor}"
        if len(parts) >= 3 and parts[2] == "layouts":
            return f"{base}/layout"
        if len(parts) >= 3 and parts[2] == "pipeline":
            return f"{base}/pipeline"
        return base
    if head in SECTION_PAGES:
        return f"/builder/{head}"
    return "/builder"
