"""The form layout editor in Chromium: the preview follows every edit (rendered by the runtime's
form code on the server) before anything is saved, and the saved layout is still there after a
reload. The field editor shows only the options of the chosen type."""
from __future__ import annotations

from tests.builder.designer.kit import Designer
from tests.builder.designer.test_layout_publish import build_sample
from tests.builder.designer.test_sample_testing_browser import sign_in


def test_the_preview_follows_the_layout_as_the_analyst_edits(make_app, live_server_for, page):
    app = make_app()
    designer = Designer(app)
    build_sample(designer)
    server = live_server_for(app)
    sign_in(page, server, "analyst")
    page.goto(server.url + "/builder/objects/sample_test/layout")
    preview = page.get_by_test_id("layout-preview")
    assert preview.locator("fieldset.form-section").count() == 1
    assert preview.locator("#f-notes").count() == 1

    page.get_by_test_id("add-section").click()                    # a second section row (not saved yet)
    page.get_by_label("分区 2 的中文名").fill("检测结果")
    editor = page.get_by_test_id("layout-form")
    editor.get_by_label("结果", exact=True).select_option("1")
    editor.get_by_label("备注", exact=True).select_option("")                   # left off the form
    page.get_by_label("分区 1 的列数").select_option("3")
    page.wait_for_function("document.querySelectorAll('#layout-preview fieldset.form-section').length === 2"
                           " && !document.querySelector('#layout-preview #f-notes')")
    second = preview.locator("fieldset.form-section").nth(1)
    assert second.locator("legend").inner_text() == "检测结果"
    assert second.locator("#f-result").count() == 1
    assert "cols-3" in preview.locator("fieldset.form-section").first.get_attribute("class")
    assert designer.draft().document["objects"]["sample_test"].get("layouts") is None   # nothing saved yet
    page.screenshot_as("layout-live-preview")

    page.get_by_test_id("save-layout").click()
    page.wait_for_load_state()
    page.reload()
    assert page.get_by_label("分区 2 的中文名").input_value() == "检测结果"
    assert preview.locator("fieldset.form-section").count() == 2
    sections = designer.draft().document["objects"]["sample_test"]["layouts"]["form"]["sections"]
    assert [s["fields"] for s in sections] == [["name", "quantity"], ["result"]]


def test_the_field_editor_shows_the_options_of_the_chosen_type(make_app, live_server_for, page):
    app = make_app()
    designer = Designer(app)
    designer.create_object("sample_test", "样品测试")
    server = live_server_for(app)
    sign_in(page, server, "analyst")
    page.goto(server.url + "/builder/objects/sample_test/fields/new")
    options = page.get_by_test_id("options")
    assert not options.is_visible()
    page.get_by_label("类型", exact=True).select_option("picklist")
    assert options.is_visible() and not page.get_by_label("允许的类型").is_visible()
    page.get_by_label("API 名称").fill("result")
    page.get_by_label("选项 1 的值").fill("合格")
    page.get_by_label("选项 2 的值").fill("不合格")
    page.get_by_label("选项 2 的英文名").fill("Fail")
    page.get_by_label("选项 2 的位置").fill("1")
    page.get_by_test_id("save-field").click()
    page.wait_for_load_state()
    assert designer.draft().document["objects"]["sample_test"]["fields"]["result"]["options"] == [
        {"value": "不合格", "label": {"en": "Fail"}}, {"value": "合格"}]


def test_typing_not_yet_sent_survives_a_reload(make_app, live_server_for, page):
    app = make_app()
    designer = Designer(app)
    designer.create_object("sample_test", "样品测试")
    designer.add_field("sample_test", "result", "text", label_zh="结果")
    server = live_server_for(app)
    sign_in(page, server, "analyst")
    page.goto(server.url + "/builder/objects/sample_test/fields/result")
    page.locator("#in-label_en").fill("Test result")
    page.get_by_label("类型", exact=True).select_option("picklist")
    page.get_by_label("选项 1 的值").fill("合格")
    page.wait_for_function("Object.keys(sessionStorage).some(k => k.startsWith('designer-typing:')"
                           " && sessionStorage.getItem(k).includes('合格'))")
    page.reload()
    assert page.get_by_test_id("typing-restored").is_visible()
    assert page.locator("#in-label_en").input_value() == "Test result"
    assert page.get_by_label("选项 1 的值").input_value() == "合格"
    assert page.get_by_test_id("options").is_visible()          # the restored type shows its options
    assert designer.draft().document["objects"]["sample_test"]["fields"]["result"]["type"] == "text"
    page.get_by_test_id("save-field").click()
    page.wait_for_load_state()
    assert designer.draft().document["objects"]["sample_test"]["fields"]["result"]["options"] == [{"value": "合格"}]
    page.goto(server.url + "/builder/objects/sample_test/fields/result")
    assert page.get_by_test_id("typing-restored").count() == 0  # sent: nothing left to restore


def test_a_formula_on_the_field_page_is_checked_against_the_drafts_fields_as_it_is_typed(make_app, live_server_for,
                                                                                           page):
    app = make_app()
    designer = Designer(app)
    designer.create_object("sample_test", "样品测试")
    designer.add_field("sample_test", "quantity", "number", label_zh="数量")   # in the draft only, not published
    server = live_server_for(app)
    sign_in(page, server, "analyst")
    page.goto(server.url + "/builder/objects/sample_test/fields/new")
    page.get_by_label("类型", exact=True).select_option("formula")
    formula = page.locator("#in-expression")
    status = page.get_by_test_id("expr-status-in-expression")
    formula.fill("quantity + \"x\"")
    status.get_by_text("第 1 行").wait_for()
    assert "^" in status.inner_text()
    formula.fill("quantity * 2")
    page.wait_for_function("el => el.textContent.includes('有效') && !el.textContent.includes('第 1 行')",
                           arg=status.element_handle())
    assert "number" in status.inner_text()          # the result type of a good formula
    page.screenshot_as("formula-checked")


def test_two_analysts_in_two_browsers_get_a_conflict_not_a_silent_overwrite(make_app, live_server_for, page,
                                                                            chromium):
    app = make_app()
    first = Designer(app, "analyst1")
    Designer(app, "analyst2")
    first.create_object("sample_test", "样品测试")
    server = live_server_for(app)
    other_context = chromium.new_context(locale="zh-CN")
    other = other_context.new_page()
    try:
        sign_in(page, server, "analyst1")
        sign_in(other, server, "analyst2")
        for p in (page, other):
            p.goto(server.url + "/builder/objects/sample_test")
        page.locator("#in-label_en").fill("Sample test")
        page.get_by_test_id("save-labels").click()
        page.wait_for_load_state()
        other.locator("#in-label_en").fill("Sample check")
        other.get_by_test_id("save-labels").click()
        other.wait_for_load_state()
        assert "其他人保存了草稿" in other.locator(".flash-error").inner_text()
        assert other.locator("#in-label_en").input_value() == "Sample check"       # nothing typed is lost
        assert first.draft().document["objects"]["sample_test"]["label"]["en"] == "Sample test"
        other.get_by_test_id("save-labels").click()                                  # saving again is deliberate
        other.wait_for_load_state()
        assert first.draft().document["objects"]["sample_test"]["label"]["en"] == "Sample check"
    finally:
        other_context.close()
