"""A rep creates a lead in Chromium: inline errors in Chinese, a field that appears and becomes
required as the channel changes, nothing lost on the failed submit, then a clean save."""
from __future__ import annotations

from tests.runtime.ui.kit import browser_login, clock, ui_app  # noqa: F401 - fixtures


def test_rep_creates_a_lead_sees_inline_errors_fixes_them_and_saves(ui_app, live_server_for, page):
    server = live_server_for(ui_app)
    browser_login(page, server, "rep1")
    page.get_by_role("link", name="线索").first.click()
    page.get_by_test_id("new-record").click()
    booth = page.get_by_test_id("field-booth_no")
    assert booth.is_hidden()                                   # visible_when channel = "展会"
    page.get_by_label("公司").fill("北京协和医院")
    page.get_by_label("邮箱").fill("wang@")
    page.get_by_label("渠道").select_option("展会")
    booth.wait_for(state="visible")                             # re-evaluated by the server as the user types
    assert page.locator("#f-booth_no").get_attribute("aria-required") == "true"
    page.get_by_label("VIP").check()
    page.get_by_test_id("save").click()
    page.get_by_test_id("error-name").wait_for()
    assert page.get_by_test_id("error-name").inner_text() == "此字段为必填项。"
    assert page.get_by_test_id("error-email").inner_text() == "请输入有效的邮箱地址。"
    assert page.get_by_test_id("error-booth_no").inner_text() == "此字段为必填项。"
    assert page.evaluate("document.activeElement.id") == "f-name"          # focus on the first error
    assert page.locator("#f-name").get_attribute("aria-describedby") == "f-name-error"
    assert page.get_by_label("公司").input_value() == "北京协和医院"           # nothing lost
    assert page.get_by_label("VIP").is_checked()
    page.screenshot_as("form-errors")
    page.keyboard.type("王主任")                                              # focus is already in 姓名
    page.get_by_label("邮箱").fill("wang@pumch.cn")
    page.get_by_label("展位号").fill("E3-112")
    page.get_by_test_id("save").click()
    page.get_by_role("heading", level=1, name="王主任").wait_for()
    assert page.get_by_test_id("value-booth_no").inner_text().endswith("E3-112")
    assert "VIP" in page.get_by_test_id("value-tags").inner_text()
    page.screenshot_as("record")
