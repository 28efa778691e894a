"""docs/ui.md: every /app route is documented, every documented route exists, and the filter
example is what the query builder produces."""
from __future__ import annotations

import re
from pathlib import Path

from werkzeug.datastructures import MultiDict

from runtime.ui.query import ListQuery, filter_expression
from schema_store.model import FieldDef, ObjectDef

DOCS = Path(__file__).resolve().parents[3] / "docs" / "ui.md"


def documented() -> set[str]:
    rows = re.findall(r"^\| `((?:GET|POST|, )+) (/app[^`]*)` \|", DOCS.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"<[^>]+>", "<>", path) for _methods, path in rows}


def test_every_route_is_documented_and_every_documented_route_exists(app):
    routes = {re.sub(r"<[^>]+>", "<>", r.rule) for r in app.url_map.iter_rules()
              if r.endpoint.startswith("ui.") or r.endpoint == "home.index"}
    assert routes == documented()


def test_the_filter_example_is_what_the_builder_produces():
    text = DOCS.read_text(encoding="utf-8")
    query_string, expected = re.search(r"For example\n\n    (.+)\n\nbecomes\n\n    (.+)\n", text).groups()
    args = MultiDict([tuple(p.split("=", 1)) for p in query_string.split("&")])
    f = lambda n, t: FieldDef(name=n, type=t, label={"en": n}, expr_type=t, storage=n)  # noqa: E731
    lead = ObjectDef(name="lead", label={"en": "Lead"}, table_name="lead",
                     fields={"company": f("company", "text"), "amount": f("amount", "currency"), "email": f("email", "email")})
    q = ListQuery.from_args(args)
    assert filter_expression(lead, q.rows, q.advanced) == expected
