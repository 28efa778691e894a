"""A rep signs in and out in Chromium, in Chinese and in English."""
from __future__ import annotations

from tests.fixtures_app import Users


def test_rep_signs_in_sees_home_and_signs_out(app, live_server_for, page):
    Users(app).add("chenjing", "rep", display_name="陈静", password="rep-pass-123")
    server = live_server_for(app)
    page.goto(server.url + "/app")
    assert page.url.startswith(server.url + "/login")
    page.get_by_label("用户名").fill("chenjing")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().startswith("用户名或密码错误")
    page.screenshot_as("bad-login")
    page.get_by_label("密码").fill("rep-pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/app")
    assert page.get_by_role("heading", level=1).inner_text() == "欢迎，陈静"
    page.screenshot_as("home-zh")
    page.get_by_test_id("lang-switch").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, 陈静"
    page.get_by_test_id("logout").click()
    page.wait_for_url(server.url + "/login")
    assert "You have signed out." in page.get_by_role("status").inner_text()
