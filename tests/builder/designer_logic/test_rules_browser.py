"""In Chromium: an analyst writes a rule "notify the owner when a sample test enters 已完成" in the
rules editor (the trigger's own settings appear once its type is saved), and typing that was not
saved yet survives a reload of the page."""
from __future__ import annotations

import copy

from playwright.sync_api import expect

from tests.builder.designer_logic.kit import SAMPLE, designer_app, draft, set_draft  # noqa: F401 - fixtures
from tests.runtime.ui.kit import browser_login


def test_an_analyst_writes_a_stage_rule_and_unsaved_typing_survives_a_reload(designer_app, live_server_for, page):
    doc = copy.deepcopy(SAMPLE)
    doc["objects"]["sample_test"]["pipeline"] = {"nodes": [{"key": "testing", "label": {"zh-CN": "测试中"}},
                                                           {"key": "done", "label": {"zh-CN": "已完成"}}]}
    set_draft(designer_app, doc)
    designer_app.users.add("ana", "analyst")
    server = live_server_for(designer_app)
    browser_login(page, server, "ana")
    page.goto(server.url + "/builder")
    page.get_by_role("link", name="规则", exact=True).click()
    page.get_by_label("键（API 名称）").fill("notify_done")
    page.get_by_label("对象").select_option("sample_test")
    page.get_by_test_id("create").click()
    page.wait_for_url(server.url + "/builder/rules/notify_done")

    page.get_by_label("类型", exact=True).first.select_option("stage_entered")
    expect(page.get_by_test_id("refresh-note")).to_have_text("保存后即显示该选项的设置。")
    page.get_by_test_id("save").click()                                         # the trigger's stage appears
    stage = page.get_by_test_id("f-trigger-stage")
    expect(stage).to_be_visible()
    stage.select_option("done")
    page.get_by_label("消息内容 (中文)").fill("样品测试 {name} 已完成")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("no-problems")).to_be_visible()
    [rule] = draft(designer_app).document["rules"]
    assert rule["trigger"] == {"type": "stage_entered", "stage": "done"}
    assert rule["actions"] == [{"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "样品测试 {name} 已完成"}}]

    page.screenshot_as("rule-editor")
    page.get_by_label("显示名 (中文)").first.fill("完成时通知负责人")                   # typed, not saved
    page.reload()
    expect(page.get_by_test_id("restored")).to_be_visible()
    expect(page.get_by_label("显示名 (中文)").first).to_have_value("完成时通知负责人")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("no-problems")).to_be_visible()
    assert draft(designer_app).document["rules"][0]["label"] == {"zh-CN": "完成时通知负责人"}
    page.reload()
    expect(page.get_by_test_id("restored")).to_have_count(0)
