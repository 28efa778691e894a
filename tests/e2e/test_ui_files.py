"""Files on the record page in Chromium: a PDF attached through the edit form shows its first page
as a preview image (rendered by the server) that links to the download."""
from __future__ import annotations

from tests.runtime.files.test_pdf_preview import make_pdf
from tests.runtime.ui.kit import browser_login, clock, ui_app  # noqa: F401 - fixtures


def test_a_pdf_on_the_record_page_shows_its_first_page(ui_app, live_server_for, page, tmp_path):
    from tests.fixtures_app import csrf_from
    rep = ui_app.users.client("rep1")
    tok = csrf_from(rep.get("/app/opportunity/new").get_data(as_text=True))
    created = rep.post("/app/opportunity/new", data={"csrf_token": tok, "name": "华山医院手术室导航"})
    opp = int(created.headers["Location"].rsplit("/", 1)[1])
    server = live_server_for(ui_app)
    browser_login(page, server, "rep1")
    page.goto(server.url + f"/app/opportunity/{opp}/edit")
    pdf = tmp_path / "演示确认单-华山.pdf"
    pdf.write_bytes(make_pdf("Demo confirmation"))
    page.get_by_label("演示确认单").set_input_files(str(pdf))
    page.get_by_text("已上传。").wait_for()
    page.get_by_test_id("save").click()
    page.get_by_test_id("stage-path").wait_for()
    preview = page.get_by_alt_text("演示确认单-华山.pdf")
    preview.wait_for()
    preview.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    assert preview.evaluate("img => img.naturalWidth") == 800
    assert "/preview.png" in preview.get_attribute("src")
    link = preview.locator("xpath=..")
    download = page.get_by_role("link", name="演示确认单-华山.pdf")           # the one link screen readers get
    assert link.get_attribute("href") == download.get_attribute("href")
    assert download.get_attribute("href").startswith("/api/v1/files/")
    page.screenshot_as("pdf-preview")
