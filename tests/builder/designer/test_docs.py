"""docs/designer.md documents every route of the designer's object, field, layout and publish
pages, and documents no route that does not exist."""
from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs" / "designer.md"
MODULES = ("builder.designer.views_objects", "builder.designer.views_fields", "builder.designer.views_layout",
           "builder.designer.views_publish", "builder.designer.views_versions", "builder.designer.views_validations")


def normal(path: str) -> str:
    return re.sub(r"<[^>]+>", "<>", path)


def test_every_route_is_documented_and_every_documented_route_exists(app):
    routes = {normal(r.rule) for r in app.url_map.iter_rules()
              if getattr(app.view_functions[r.endpoint], "__module__", "") in MODULES}
    rows = re.findall(r"^\| `((?:GET|POST|, )+) (/builder[^`]*)` \|", DOCS.read_text(encoding="utf-8"), re.M)
    assert len(routes) >= 15
    assert routes == {normal(path) for _methods, path in rows}
