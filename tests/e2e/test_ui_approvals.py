"""A manager opens the approvals inbox in Chromium and approves a rep's pending request."""
from __future__ import annotations

from tests.runtime.ui.app_doc import start_approval
from tests.runtime.ui.kit import browser_login, clock, ui_app, user_id  # noqa: F401 - fixtures


def test_a_manager_approves_a_pending_request(ui_app, live_server_for, page):
    from tests.fixtures_app import csrf_from
    rep = ui_app.users.client("rep1")
    tok = csrf_from(rep.get("/app/tender/new").get_data(as_text=True))
    ids = [int(rep.post("/app/tender/new", data={"csrf_token": tok, "name": name}).headers["Location"].rsplit("/", 1)[1])
           for name in ("瑞金医院招标", "华山医院招标")]
    for i in ids:
        start_approval(ui_app, "tender", i, user_id(ui_app, "rep1"))
    server = live_server_for(ui_app)
    browser_login(page, server, "mgr")
    panel = page.get_by_test_id("my-approvals")
    assert panel.get_by_role("listitem").count() == 2 and "投标折扣审批" in panel.inner_text()
    assert int(page.get_by_test_id("unread-count").inner_text()) == 2        # "waiting for your decision" x2
    page.screenshot_as("home")
    page.get_by_test_id("approvals-link").click()
    rows = page.get_by_test_id("approvals").locator("tbody tr")
    assert rows.count() == 2
    page.screenshot_as("approvals-inbox")
    page.get_by_role("checkbox", name=f"选择 #").first.check()
    page.get_by_label("理由").fill("价格在授权范围内")
    page.get_by_test_id("approve").click()
    page.get_by_role("status").wait_for()
    assert "1" in page.get_by_role("status").inner_text()
    assert rows.count() == 1 and "华山医院招标" in rows.first.inner_text()
    page.get_by_test_id("lang-switch").click()
    page.get_by_role("heading", level=1, name="Approvals").wait_for()
    assert page.get_by_test_id("approve").inner_text() == "Approve selected"
    assert "Tender discount approval" in rows.first.inner_text()
