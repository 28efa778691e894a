"""The issue's end-to-end scenario in Chromium: an analyst builds a "样品测试" (sample testing)
object from nothing in the designer — fields, a 4-node pipeline whose last node needs the test
report file, a rule that notifies the owner on entering the last node — and publishes; a rep then
creates a record in the generated UI, moves it through the pipeline (refused until the report is
uploaded) and gets the notification."""
from __future__ import annotations

from tests.runtime.stages.kit import PDF

NODES = [("received", "样品接收", "Received"), ("testing", "测试中", "Testing"),
         ("reporting", "出具报告", "Reporting"), ("done", "测试完成", "Done")]


def sign_in(page, server, name: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def saved(page) -> None:
    page.wait_for_load_state()
    assert page.locator(".flash-error").count() == 0, page.locator(".flash-error").all_inner_texts()


def add_field(page, name: str, type_: str, zh: str, en: str, **extra) -> None:
    page.get_by_test_id("add-field").click()
    page.get_by_label("API 名称").fill(name)
    page.get_by_label("类型", exact=True).select_option(type_)
    page.locator("#in-label_zh").fill(zh)
    page.locator("#in-label_en").fill(en)
    for label, value in extra.items():
        if value is True:
            page.get_by_label(label, exact=True).check()
        else:
            page.get_by_label(label, exact=True).fill(value)
    page.get_by_test_id("save-field").click()
    saved(page)
    page.locator(f"tr[data-field={name}]").wait_for()


def build_pipeline(page, server) -> None:
    page.goto(server.url + "/builder/objects/sample_test")
    page.get_by_test_id("edit-pipeline").click()
    page.get_by_test_id("pipeline-editor").wait_for()
    for i, (key, zh, en) in enumerate(NODES):
        page.get_by_test_id("add-f-nodes").click()
        saved(page)
        page.get_by_test_id(f"f-nodes-{i}-key").fill(key)
        page.locator(f"#f-nodes-{i}-label-zh-CN").fill(zh)
        page.locator(f"#f-nodes-{i}-label-en").fill(en)
    page.get_by_test_id("f-nodes-3-requires-report").check()   # entering 测试完成 needs the report
    page.get_by_test_id("save").click()
    saved(page)


def build_rule(page, server) -> None:
    page.goto(server.url + "/builder/rules")
    page.get_by_test_id("new-key").fill("notify_done")
    page.get_by_test_id("new-object").select_option("sample_test")
    page.get_by_test_id("create").click()
    saved(page)
    page.locator("#f-label-zh-CN").fill("测试完成通知负责人")
    page.get_by_test_id("f-trigger-type").select_option("stage_entered")
    page.get_by_test_id("save").click()           # the trigger's own options appear once its type is saved
    saved(page)
    page.get_by_test_id("f-trigger-stage").select_option("done")
    page.get_by_test_id("f-actions-0-type").select_option("notify")
    page.get_by_test_id("f-actions-0-to-0-kind").select_option("owner")
    page.get_by_test_id("f-actions-0-channels-in_app").check()
    page.locator("#f-actions-0-message-zh-CN").fill("样品测试 {name} 已完成，请查看检测报告")
    page.get_by_test_id("save").click()
    saved(page)


def test_an_analyst_builds_sample_testing_and_a_rep_runs_a_sample_through_it(make_app, live_server_for, page,
                                                                               tmp_path):
    app = make_app()
    from tests.fixtures_app import Users
    users = Users(app)
    users.add("analyst", "analyst", display_name="分析师小林")
    users.add("rep1", "rep", display_name="陈静")
    server = live_server_for(app)

    sign_in(page, server, "analyst")
    page.goto(server.url + "/builder")
    page.get_by_label("API 名称").fill("sample_test")
    page.locator("#in-label_zh").fill("样品测试")
    page.locator("#in-label_en").fill("Sample test")
    page.get_by_test_id("create-object").click()
    saved(page)
    add_field(page, "name", "text", "样品名称", "Sample name", 必填=True)
    add_field(page, "hospital", "text", "送检医院", "Hospital")
    add_field(page, "report", "file", "检测报告", "Test report", 允许的类型=".pdf", **{"最大大小（MB）": "10"})
    page.get_by_label("标题字段（在列表和关联中代表一条记录）").select_option("name")
    page.get_by_test_id("save-labels").click()
    saved(page)

    page.reload()                                   # everything so far is in the draft on the server
    assert page.get_by_test_id("fields").locator("tr[data-field]").count() == 3
    build_pipeline(page, server)
    build_rule(page, server)

    page.goto(server.url + "/builder/publish")
    ops = page.get_by_test_id("ops").inner_text()
    assert "sample_test" in ops and "检测报告 (report, file)" in ops and "notify_done" in ops
    page.screenshot_as("publish-plan")
    page.get_by_test_id("publish").click()
    saved(page)
    assert page.get_by_test_id("live-version").count() == 1
    page.get_by_test_id("logout").click()

    sign_in(page, server, "rep1")
    page.goto(server.url + "/app/sample_test/new")
    page.get_by_label("样品名称").fill("股骨柄样品 A-7")
    page.get_by_label("送检医院").fill("华山医院")
    page.get_by_test_id("save").click()
    page.get_by_test_id("stage-path").wait_for()
    assert page.get_by_test_id("current-stage").inner_text() == "样品接收"
    record_url = page.url
    record_id = int(record_url.rsplit("/", 1)[1])

    page.goto(server.url + "/app/sample_test/kanban")
    card = page.get_by_test_id(f"card-{record_id}")
    for key in ("testing", "reporting"):
        card.get_by_label("将 股骨柄样品 A-7 移动到").select_option(key)
        page.wait_for_function("document.getElementById('kanban-status').textContent === '已移动。'")
        page.reload()
        assert page.get_by_test_id(f"column-{key}").get_by_test_id(f"card-{record_id}").count() == 1
    card.get_by_label("将 股骨柄样品 A-7 移动到").select_option("done")
    dialog = page.get_by_test_id("move-dialog")
    dialog.wait_for(state="visible")
    assert dialog.get_by_test_id("missing-field").all_inner_texts() == ["检测报告"]
    page.screenshot_as("done-refused")
    assert page.get_by_test_id("unread-count").count() == 0          # nothing was notified yet

    page.goto(record_url + "/edit")
    pdf = tmp_path / "检测报告-A7.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("检测报告").set_input_files(str(pdf))
    page.get_by_text("已上传。").wait_for()
    page.get_by_test_id("save").click()
    page.get_by_test_id("stage-path").wait_for()

    page.goto(server.url + "/app/sample_test/kanban")
    page.get_by_test_id(f"card-{record_id}").get_by_label("将 股骨柄样品 A-7 移动到").select_option("done")
    page.wait_for_function("document.getElementById('kanban-status').textContent === '已移动。'")
    page.goto(record_url)
    assert page.get_by_test_id("current-stage").inner_text() == "测试完成"
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    page.get_by_test_id("bell").click()
    assert "样品测试 股骨柄样品 A-7 已完成，请查看检测报告" in page.get_by_test_id("notifications").inner_text()
    page.screenshot_as("owner-notified")
