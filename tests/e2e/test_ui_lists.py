"""A rep filters a list with the filter builder and the advanced box (checked live), saves the
view, and finds it again; the English page shows the same view."""
from __future__ import annotations

from tests.runtime.ui.kit import browser_login, clock, ui_app  # noqa: F401 - fixtures


def seed(app):
    from runtime.records import RecordService
    from tests.runtime.ui.kit import user_id
    from runtime.users import get_actor
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        actor = get_actor(conn, user_id(app, "rep1"))
    rs = RecordService(svc, actor, source="test", lang="zh-CN")
    for i in range(30):
        rs.create("lead", {"name": f"线索{i:02d}", "company": "协和医院" if i % 3 == 0 else "华山医院",
                           "channel": "展会" if i % 2 else "官网", "booth_no": "A1" if i % 2 else None,
                           "amount": i * 10000})


def test_rep_filters_a_list_and_saves_the_view(ui_app, live_server_for, page):
    seed(ui_app)
    server = live_server_for(ui_app)
    browser_login(page, server, "rep1")
    page.goto(server.url + "/app/lead")
    assert page.get_by_test_id("total").inner_text() == "30 条记录"
    page.get_by_test_id("add-filter").click()
    row = page.locator(".filter-row").last
    row.locator("[data-filter-field]").select_option("company")
    row.locator("[data-filter-op]").select_option("contains")
    row.locator("[data-filter-value]").fill("协和")
    page.get_by_text("高级").click()
    page.get_by_label("表达式").fill("amount >")
    status = page.get_by_test_id("advanced-status")
    page.wait_for_function("document.querySelector('[data-testid=advanced-status]').className.includes('bad')")
    assert status.inner_text()
    page.get_by_label("表达式").fill("amount >= 100000")
    page.wait_for_function("document.querySelector('[data-testid=advanced-status]').className.includes('ok')")
    page.get_by_test_id("apply-filter").click()
    page.wait_for_url("**/app/lead?**")
    assert page.get_by_test_id("total").inner_text() == "6 条记录"
    names = page.locator("table.records tbody tr td:nth-child(2)").all_inner_texts()
    assert names and all(n.startswith("线索") for n in names) and "线索00" not in names
    page.get_by_label("将此视图保存为").fill("协和大单")
    page.get_by_test_id("save-view").click()
    page.get_by_test_id("view-协和大单").wait_for()
    assert page.get_by_test_id("total").inner_text() == "6 条记录"
    page.screenshot_as("list-filtered")
    page.goto(server.url + "/app/lead")
    assert page.get_by_test_id("total").inner_text() == "30 条记录"
    page.get_by_test_id("view-协和大单").click()
    page.wait_for_url("**/app/lead?view=*")
    assert page.get_by_test_id("total").inner_text() == "6 条记录"
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    assert body.count("\n") == 7 and "协和医院" in body and "华山医院" not in body
