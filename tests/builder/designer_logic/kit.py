"""Helpers of the designer-logic tests: an app with a draft, and a browser-like form submitter
for the test client (posts what a browser would post for a page's form)."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import schema_store

from tests.fixtures_app import Users

ROOT = Path(__file__).resolve().parents[3]
PACKS = {name: json.loads((ROOT / "starter_templates" / name / "metadata.json").read_text(encoding="utf-8"))
         for name in ("medical", "b2b_sales")}

SAMPLE = {"objects": {
    "team_account": {"label": {"zh-CN": "客户", "en": "Account"}, "title_field": "name",
                     "fields": {"name": {"type": "text", "label": {"zh-CN": "名称"}},
                                "tier": {"type": "picklist", "label": {"zh-CN": "等级"},
                                         "options": [{"value": "A"}, {"value": "B"}]}}},
    "sample_test": {"label": {"zh-CN": "样品测试", "en": "Sample test"}, "title_field": "name",
                    "fields": {"name": {"type": "text", "label": {"zh-CN": "名称", "en": "Name"}},
                               "budget": {"type": "number", "label": {"zh-CN": "预算", "en": "Budget"}},
                               "account": {"type": "lookup", "target": "team_account",
                                           "label": {"zh-CN": "客户", "en": "Account"}},
                               "report": {"type": "file", "label": {"zh-CN": "测试报告", "en": "Report"}}}}}}


class Form(HTMLParser):
    """The successful controls of one ``<form>`` (by its ``data-testid``), as a browser submits them."""

    def __init__(self, testid: str):
        super().__init__(convert_charrefs=True)
        self.testid, self.inside, self.fields = testid, False, []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            self._options.append((text if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _s in self._options[:1]]
            if chosen:
                self.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if name:
                self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, testid: str = "logic-form") -> list[tuple[str, str]]:
    parser = Form(testid)
    parser.feed(html)
    return parser.fields


def submit(client, url: str, changes: dict | None = None, op: str = "save", drop: tuple[str, ...] = ()):
    """GET ``url``, change some fields, post the form with ``_op`` as a browser would."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    fields = [(k, v) for k, v in form_fields(page.get_data(as_text=True)) if k not in drop]
    for name, value in (changes or {}).items():
        fields = [(k, v) for k, v in fields if k != name]
        for v in value if isinstance(value, list) else [value]:
            fields.append((name, v))
    fields.append(("_op", op))
    return client.post(url, data=_multidict(fields))


def _multidict(fields):
    from werkzeug.datastructures import MultiDict
    return MultiDict(fields)


def set_draft(app, document: dict) -> None:
    engine = app.extensions["crm"].engine
    with engine.begin() as conn:
        revision = schema_store.get_draft(conn).revision
        schema_store.save_draft(conn, document, revision)


def draft(app) -> schema_store.Draft:
    with app.extensions["crm"].engine.connect() as conn:
        return schema_store.get_draft(conn)


def _designer_app(app):
    schema_store.publish(app.extensions["crm"].engine, SAMPLE)
    app.users = Users(app)
    return app


@pytest.fixture
def designer_app(make_app):
    """SAMPLE published (two objects, a lookup between them) on SQLite."""
    return _designer_app(make_app())


@pytest.fixture
def any_designer_app(make_app, db_url):
    """The same on SQLite and on PostgreSQL (tests using it run twice)."""
    return _designer_app(make_app(database_url=db_url))


@pytest.fixture
def analyst(designer_app):
    return designer_app.users.client("analyst", "ana")
