"""The import pages in Chromium, with Redis and a real rq worker: from the list, upload a CSV; the
mapping page suggests the fields from the Chinese headers and previews the rows with their
problems; Import shows a progress page whose bar follows the job while the worker runs it, then the
counts and the problem report, which downloads as CSV with a BOM."""
from __future__ import annotations

import io

from tests.fixtures_app import Users, csrf_from, run_rq_worker
from tests.runtime.imports.app_doc import publish
from tests.runtime.imports.conftest import HEADERS, csv_bytes
from tests.runtime.imports.test_rq_worker import worker_env
from tests.runtime.ui.kit import browser_login

ROWS = [["张三", "138 0013 8000", "zs@example.com", "1200", "重点", "", "是", "2026/3/1"],
        ["李四", "13800138000", "", "", "", "", "", ""],
        ["王五", "", "", "-3", "", "", "", ""]] + \
       [[f"客户{n}", f"137{n:08d}", "", "", "", "", "", ""] for n in range(40)]


def test_upload_map_preview_import_and_watch_the_progress_bar(make_app, redis_url, live_server_for, page, tmp_path):
    app = make_app(redis_url=redis_url)
    publish(app)
    Users(app).add("rep1", "rep")
    server = live_server_for(app)
    browser_login(page, server, "rep1")
    page.goto(server.url + "/app/lead")
    page.get_by_test_id("import-link").click()
    upload = tmp_path / "展会线索.csv"
    upload.write_bytes(csv_bytes(ROWS, HEADERS + ["备注"], encoding="gb18030"))
    page.get_by_label("文件", exact=True).set_input_files(str(upload))
    page.get_by_test_id("import-upload").click()

    assert page.get_by_test_id("map-手机号").input_value() == "phone"
    assert page.get_by_test_id("map-备注").input_value() == ""
    assert "以下列没有对应字段，将被忽略：备注" in page.get_by_test_id("import-note").inner_text()
    assert page.get_by_test_id("preview-problems-2").inner_text().strip() == "✓"
    assert "重点" in page.get_by_test_id("preview-row-2").inner_text()        # the option's label, as saved
    assert "与第 2 行重复" in page.get_by_test_id("preview-problems-3").inner_text()
    assert "请输入 0 到 ∞ 之间的数字" in page.get_by_test_id("preview-problems-4").inner_text()
    page.get_by_test_id("map-备注").select_option("company")
    page.get_by_test_id("import-preview").click()
    assert page.get_by_test_id("map-备注").input_value() == "company"
    page.screenshot_as("mapping")

    page.get_by_test_id("import-run").click()
    page.wait_for_url("**/app/lead/import/jobs/*")
    assert page.get_by_test_id("import-bar").get_attribute("value") == "0"
    assert "排队中" in page.get_by_test_id("import-status").inner_text()
    assert run_rq_worker(redis_url, env=worker_env(app, redis_url), queues=("crm",)).returncode == 0
    page.get_by_test_id("import-result").wait_for()          # the script saw the job end and reloaded
    assert page.get_by_test_id("import-bar").get_attribute("value") == "100"
    assert "已完成" in page.get_by_test_id("import-status").inner_text()
    assert page.get_by_test_id("count-created").inner_text() == "41"
    assert page.get_by_test_id("count-refused").inner_text() == "2"
    page.screenshot_as("done")
    with page.expect_download() as download:
        page.get_by_test_id("errors-csv").click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf") and "与第 2 行重复".encode() in content


def test_without_javascript_the_progress_page_refreshes_itself_until_done(make_app, redis_url, live_server_for,
                                                                         chromium):
    app = make_app(redis_url=redis_url)
    publish(app)
    users = Users(app)
    users.add("rep1", "rep")
    client = users.client("rep1")
    token = csrf_from(client.get("/app/lead/import").get_data(as_text=True))
    response = client.post("/app/lead/import", data={"csrf_token": token, "action": "run",
                                                     "file": (io.BytesIO(csv_bytes(ROWS[:3])), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    server = live_server_for(app)
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        nojs = context.new_page()
        browser_login(nojs, server, "rep1")
        nojs.goto(server.url + response.headers["Location"])
        assert "排队中" in nojs.get_by_test_id("import-status").inner_text()
        assert run_rq_worker(redis_url, env=worker_env(app, redis_url), queues=("crm",)).returncode == 0
        nojs.get_by_test_id("import-result").wait_for(timeout=15_000)   # the meta refresh brought it
        assert nojs.get_by_test_id("count-created").inner_text() == "1"
    finally:
        context.close()
