from __future__ import annotations

import pytest

from tests.fixtures_app import Users
from tests.runtime.dedup.app_doc import Api, publish


@pytest.fixture
def crm(any_app):
    """The dedup test app on SQLite and PostgreSQL with a rep and a manager."""
    publish(any_app)
    users = Users(any_app)
    users.add("rep", "rep", password=None)
    users.add("mgr", "manager", password=None)
    any_app.api = lambda name: Api(any_app.test_client(), users.token(name))
    return any_app
