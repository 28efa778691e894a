"""Fixtures and helpers of the UI tests (shared with tests/e2e/test_ui_*.py)."""
from __future__ import annotations

import datetime as dt

import pytest

import schema_store
from tests.fixtures_app import Users
from tests.runtime.stages.kit import CST, TravelClock, tick  # noqa: F401 - tick re-exported
from tests.runtime.ui.app_doc import ui_doc


@pytest.fixture
def clock():
    return TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))   # a Monday morning in Beijing


@pytest.fixture
def ui_app(make_app, clock):
    """The UI document published; director > mgr > rep1, rep2 (password ``password-123``)."""
    app = make_app(clock=clock)
    schema_store.publish(app.extensions["crm"].engine, ui_doc())
    users = Users(app)
    users.add("director", "manager", team="销售部", display_name="周总监")
    users.add("mgr", "manager", team="骨科产品组", manager="director", display_name="王经理")
    users.add("rep1", "rep", team="骨科产品组", manager="mgr", display_name="陈静")
    users.add("rep2", "rep", team="骨科产品组", manager="mgr", display_name="李强")
    app.users = users
    app.clock = clock
    return app


@pytest.fixture
def rep(ui_app):
    return ui_app.users.client("rep1")


def user_id(app, name: str) -> int:
    from runtime.users import find_user_id
    with app.extensions["crm"].engine.connect() as conn:
        return find_user_id(conn, name)


def browser_login(page, server, name: str, password: str = "password-123") -> None:
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server.url + "/app")
