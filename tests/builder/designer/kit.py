"""Helpers of the designer tests: an analyst's client that posts designer forms with the CSRF
token and the draft revision the page would carry, and readers of the draft and the live app."""
from __future__ import annotations

import re
from html import unescape

import pytest

import schema_store
from tests.fixtures_app import Users, csrf_from


class Designer:
    def __init__(self, app, name: str = "analyst", lang: str = "zh-CN"):
        self.app = app
        self.svc = app.extensions["crm"]
        self.users = Users(app)
        self.client = self.users.client("analyst", name)
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        self.token = csrf_from(self.client.get("/builder").get_data(as_text=True))

    def draft(self) -> schema_store.Draft:
        with self.svc.engine.connect() as conn:
            return schema_store.get_draft(conn)

    def post(self, path: str, data: dict | None = None, *, revision: int | None = None, **kw):
        """POST a designer form; ``revision`` defaults to the draft's current one."""
        body = {"csrf_token": self.token, "revision": str(self.draft().revision if revision is None else revision)}
        body.update(data or {})
        return self.client.post(path, data=body, **kw)

    def get(self, path: str):
        return self.client.get(path)

    def live(self):
        with self.svc.engine.connect() as conn:
            return self.svc.schema_cache.get(conn)

    def create_object(self, name: str, zh: str, en: str = ""):
        response = self.post("/builder/objects", {"name": name, "label_zh": zh, "label_en": en})
        assert response.status_code == 302, text(response)
        return response

    def add_field(self, obj: str, name: str, type_: str, **values):
        response = self.post(f"/builder/objects/{obj}/fields/new", {"name": name, "type": type_, **values})
        assert response.status_code == 302, errors_of(response)
        return response

    def publish(self, confirm: bool = False, note: str = ""):
        data = {"note": note}
        if confirm:
            data["confirm_destructive"] = "1"
        return self.post("/builder/publish", data)


def text(response) -> str:
    return response.get_data(as_text=True)


def errors_of(response) -> dict[str, str]:
    """The messages shown beside inputs (``data-testid="error-<input>"``)."""
    html = text(response)
    return {m.group(1): unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
            for m in re.finditer(r'data-testid="error-([^"]+)"[^>]*>(.*?)</p>', html, re.S)}


def flash_errors(response) -> list[str]:
    return [unescape(m).strip() for m in re.findall(r'class="flash flash-error"[^>]*>(.*?)</div>', text(response), re.S)]


@pytest.fixture
def designer(make_app):
    return Designer(make_app())
