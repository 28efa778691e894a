from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.fixtures_app import Users
from tests.runtime.records.app_doc import publish


@dataclass
class Api:
    """A Bearer-token client for one user."""

    client: object
    token: str
    user_id: int

    def _h(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url, headers=None, **kw):
        return self.client.get(url, headers=self._h(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.client.post(url, json=json, headers=self._h(headers), **kw)

    def patch(self, url, json=None, headers=None, **kw):
        return self.client.patch(url, json=json, headers=self._h(headers), **kw)

    def delete(self, url, json=None, headers=None, **kw):
        return self.client.delete(url, json=json, headers=self._h(headers), **kw)


@pytest.fixture
def crm(any_app):
    """The record-test app on SQLite and PostgreSQL, with a team: director > manager > rep1, rep2."""
    publish(any_app)
    users = Users(any_app)
    users.add("director", "manager", team="销售部", password=None)
    users.add("mgr", "manager", team="骨科产品组", manager="director", password=None)
    users.add("rep1", "rep", team="骨科产品组", manager="mgr", password=None)
    users.add("rep2", "rep", team="骨科产品组", manager="mgr", password=None)
    users.add("outsider", "rep", team="华南区", password=None)
    users.add("ana", "analyst", password=None)
    users.add("boss", "admin", password=None)

    def api(name: str) -> Api:
        from runtime.users import find_user_id
        with any_app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return Api(any_app.test_client(), users.token(name), uid)

    any_app.api = api
    return any_app
