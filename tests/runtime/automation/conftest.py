"""Automation test kit: the scenario app (SQLite inline, or any database), API clients per user."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.runtime.automation.scenario_app import MovableClock, add_people, publish
from tests.runtime.records.conftest import Api

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in Shanghai


def build(app):
    publish(app)
    add_people(app)
    from tests.fixtures_app import Users
    users = Users(app)

    def api(name: str) -> Api:
        from runtime.users import find_user_id
        with app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return Api(app.test_client(), users.token(name), uid)

    app.api = api
    app.clock = app.extensions["crm"].clock
    return app


@pytest.fixture
def auto_app(make_app):
    """The scenario app on SQLite, embedded (inline dispatch), with a movable clock."""
    return build(make_app(clock=MovableClock(T0)))


@pytest.fixture
def any_auto_app(make_app, db_url):
    """The same on SQLite and PostgreSQL."""
    return build(make_app(clock=MovableClock(T0), database_url=db_url))
