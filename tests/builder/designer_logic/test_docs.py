"""docs/designer_logic.md: every route of the logic pages is documented, every documented route
exists, and the documented answer of the live check is what the endpoint answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.builder.designer_logic.kit import analyst, designer_app  # noqa: F401 - fixtures
from tests.fixtures_app import csrf_from

DOCS = Path(__file__).resolve().parents[3] / "docs" / "designer_logic.md"
MODULES = ("builder.designer.views_expr", "builder.designer.views_logic_pipeline",
           "builder.designer.views_logic_sections")


def normal(path: str) -> str:
    return re.sub(r"<[^>]+>", "<>", path)


def test_every_logic_route_is_documented(designer_app):
    text = normal(DOCS.read_text(encoding="utf-8"))
    routes = set()
    for rule in designer_app.url_map.iter_rules():
        view = designer_app.view_functions[rule.endpoint]
        module = getattr(view, "__module__", "")
        if module in MODULES or rule.endpoint.startswith("designer.logic_") or rule.endpoint.startswith("designer.expr_"):
            routes.add(normal(rule.rule))
    routes = {r for r in routes if not r.endswith("/new") and not r.endswith("/delete")}
    assert len(routes) >= 15
    assert {r for r in routes if f"`{r}`" not in text and f"`{r}?" not in text and f"{r} " not in text} == set()


def test_the_documented_check_answer_is_what_the_endpoint_answers(analyst):
    text = DOCS.read_text(encoding="utf-8")
    request = json.loads(re.search(r"POST /builder/expr/check   (\{.*\})\n", text).group(1))
    answer = json.loads(re.search(r"```json\n(\{\"ok\": false.*?)\n```", text, re.S).group(1))
    token = csrf_from(analyst.get("/builder").get_data(as_text=True))
    got = analyst.post("/builder/expr/check", json=request, headers={"X-CSRFToken": token,
                                                                    "Accept-Language": "en"}).get_json()
    for error in got["errors"]:
        error.pop("messages")
    assert got == answer
