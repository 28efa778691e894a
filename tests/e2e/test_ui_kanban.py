"""The kanban in Chromium: a card dragged to 现场演示完成 without the signed confirmation is
refused in a dialog and returns; after the PDF is uploaded the move (by the keyboard "move to"
list this time) succeeds; a tender left
in 述标安排 for 73 hours turns red once ``crm tick --now`` has run."""
from __future__ import annotations

from tests.runtime.stages.kit import PDF
from tests.runtime.ui.kit import browser_login, clock, tick, ui_app  # noqa: F401 - fixtures


def test_a_refused_drag_shows_what_is_missing_then_the_upload_lets_it_through(ui_app, live_server_for, page, tmp_path):
    rep = ui_app.users.client("rep1")
    from tests.fixtures_app import csrf_from
    tok = csrf_from(rep.get("/app/opportunity/new").get_data(as_text=True))
    created = rep.post("/app/opportunity/new", data={"csrf_token": tok, "name": "上海瑞金医院导航系统"})
    opp = int(created.headers["Location"].rsplit("/", 1)[1])
    server = live_server_for(ui_app)
    browser_login(page, server, "rep1")
    page.goto(server.url + "/app/opportunity/kanban")
    card = page.get_by_test_id(f"card-{opp}")
    page.drag_and_drop(f"[data-testid=card-{opp}]", "[data-testid=column-demo]")
    dialog = page.get_by_test_id("move-dialog")
    dialog.wait_for(state="visible")
    assert dialog.get_by_test_id("missing-field").all_inner_texts() == ["演示确认单"]
    page.screenshot_as("kanban-refused")
    assert page.get_by_test_id("column-contact").get_by_test_id(f"card-{opp}").count() == 1   # the card returned
    dialog.get_by_role("link", name="打开记录").click()
    pdf = tmp_path / "演示确认单.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("演示确认单").set_input_files(str(pdf))
    page.get_by_text("已上传。").wait_for()
    page.get_by_test_id("save").click()
    page.get_by_test_id("stage-path").wait_for()
    assert "演示确认单.pdf" in page.get_by_role("link", name="演示确认单.pdf").inner_text()   # the file, listed
    page.goto(server.url + "/app/opportunity/kanban")
    card.get_by_label("将 上海瑞金医院导航系统 移动到").select_option("demo")     # the keyboard way this time
    page.wait_for_function("document.getElementById('kanban-status').textContent === '已移动。'")  # the server said yes
    assert page.get_by_test_id("column-demo").get_by_test_id(f"card-{opp}").count() == 1
    assert not page.get_by_test_id("move-dialog").is_visible()
    page.goto(server.url + f"/app/opportunity/{opp}")
    assert page.get_by_test_id("current-stage").inner_text() == "现场演示完成"


def test_a_tender_stuck_in_presentation_turns_red_after_crm_tick(ui_app, live_server_for, page):
    from tests.fixtures_app import csrf_from
    rep = ui_app.users.client("rep1")
    tok = csrf_from(rep.get("/app/tender/new").get_data(as_text=True))
    created = rep.post("/app/tender/new", data={"csrf_token": tok, "name": "协和医院骨科导航招标",
                                                "budget_approval_no": "京财〔2026〕12号", "notice_url": "https://ccgp.gov.cn/1"})
    tid = int(created.headers["Location"].rsplit("/", 1)[1])
    for to in ("notice", "experts"):
        assert rep.post(f"/api/v1/records/tender/{tid}/stage", json={"to": to}, headers={"X-CSRFToken": tok}).status_code == 200
    rep.post(f"/app/tender/{tid}/edit", data={"csrf_token": tok, "version": "3", "experts_drawn": "true"})
    server = live_server_for(ui_app)
    browser_login(page, server, "rep1")
    page.goto(server.url + "/app/tender/kanban")
    card = page.get_by_test_id("column-presentation").get_by_test_id(f"card-{tid}")
    assert card.get_attribute("data-sla") is None
    ui_app.clock.travel(hours=40)
    tick(ui_app)
    page.reload()
    assert card.get_attribute("data-sla") == "blue"
    ui_app.clock.travel(hours=33)                          # 73 h in 述标安排
    tick(ui_app)
    page.reload()
    assert card.get_attribute("data-sla") == "red"
    assert "rgb(229, 62, 62)" in card.evaluate("e => getComputedStyle(e).borderLeftColor")
    page.screenshot_as("kanban-red")
    assert int(page.get_by_test_id("unread-count").inner_text()) >= 2      # blue and red alerts in the bell
    page.get_by_test_id(f"card-{tid}").get_by_role("link").click()
    assert page.get_by_test_id("sla").inner_text() == "红色预警"
    assert page.get_by_test_id("guidance").inner_text().endswith("确认述标时间")
    page.screenshot_as("record-stage-path")
    page.get_by_test_id("bell").click()
    assert "【红色预警】" in page.get_by_test_id("notifications").inner_text()
    page.screenshot_as("notifications")
