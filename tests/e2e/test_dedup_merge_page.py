"""A manager finds a possible duplicate on a lead's page, compares the two side by side in
Chromium, keeps the other record's mobile with the keyboard, merges, and the old link says where
the record went. The rep sees the duplicate but no merge (no delete permission)."""
from __future__ import annotations

import pytest

from tests.fixtures_app import Users
from tests.runtime.dedup.app_doc import publish


@pytest.fixture
def merge_app(make_app):
    app = make_app()
    publish(app)
    users = Users(app)
    users.add("mgr", "manager", display_name="王经理")
    users.add("rep", "rep", display_name="陈静")
    api = app.test_client()
    token = users.token("mgr")
    h = {"Authorization": f"Bearer {token}"}
    app.keep = api.post("/api/v1/records/lead", json={"name": "刘一", "company": "北京字节跳动科技有限公司",
                                                      "phone": "13800138000"}, headers=h).json
    app.gone = api.post("/api/v1/records/lead", json={"name": "刘一（展会）", "company": "字节跳动科技",
                                                      "phone": "13900139000", "city": "杭州"}, headers=h).json
    app.act = api.post("/api/v1/records/activity", json={"subject": "展会交流", "lead": app.gone["id"]},
                       headers=h).json
    assert app.gone["possible_duplicates"][0]["id"] == app.keep["id"]
    return app


def login(page, server, name):
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server.url + "/app")


def test_manager_merges_a_flagged_duplicate_side_by_side(merge_app, live_server_for, page):
    server = live_server_for(merge_app)
    keep, gone = merge_app.keep["id"], merge_app.gone["id"]
    login(page, server, "mgr")
    page.goto(f"{server.url}/app/lead/{keep}")
    notice = page.get_by_test_id(f"possible-duplicate-{gone}")
    assert "可能重复" in notice.inner_text() and "刘一（展会）" in notice.inner_text()
    page.get_by_test_id(f"merge-with-{gone}").click()
    page.get_by_role("heading", level=1, name="合并到 刘一").wait_for()
    form = page.get_by_test_id("merge-form")
    assert form.get_by_test_id("win-phone-survivor").is_checked()          # the survivor wins by default
    assert form.get_by_test_id("win-city-other").is_checked()              # ...unless its value is blank
    page.screenshot_as("compare")
    form.get_by_test_id("win-phone-survivor").focus()
    page.keyboard.press("ArrowRight")                                       # radios move with arrow keys
    assert form.get_by_test_id("win-phone-other").is_checked()
    form.get_by_test_id("merge-submit").focus()
    page.keyboard.press("Enter")
    page.get_by_text(f"已将 #{gone} 合并到此记录。").wait_for()
    assert page.url.endswith(f"/app/lead/{keep}")
    assert page.get_by_test_id("value-phone").inner_text().replace(" ", "").endswith("13900139000")
    assert "杭州" in page.get_by_test_id("value-city").inner_text()
    assert "展会交流" in page.content()                                     # the child came along
    assert f"#{gone} 已合并到此记录；采用其值的字段：城市, 手机" in page.get_by_test_id("timeline").inner_text()
    page.screenshot_as("merged")
    page.goto(f"{server.url}/app/lead/{gone}")
    page.get_by_test_id("merged-notice").wait_for()
    page.get_by_test_id("merged-link").click()
    page.wait_for_url(f"{server.url}/app/lead/{keep}")


def test_merge_page_refuses_a_bad_id_and_a_rep_cannot_merge(merge_app, live_server_for, page):
    server = live_server_for(merge_app)
    keep = merge_app.keep["id"]
    login(page, server, "mgr")
    page.goto(f"{server.url}/app/lead/{merge_app.gone['id']}/merge")
    page.get_by_test_id(f"candidate-{keep}").wait_for()                    # offered from the flags
    page.goto(f"{server.url}/app/lead/{keep}/merge?other={keep}")
    assert "请选择另一条要合并的记录。" in page.get_by_test_id("merge-errors").inner_text()
    context = page.context
    context.clear_cookies()
    login(page, server, "rep")
    page.goto(f"{server.url}/app/lead/{keep}")
    assert page.get_by_test_id(f"possible-duplicate-{merge_app.gone['id']}").is_visible()
    assert page.get_by_test_id(f"merge-with-{merge_app.gone['id']}").count() == 0
    response = page.goto(f"{server.url}/app/lead/{keep}/merge")
    assert response.status == 403
