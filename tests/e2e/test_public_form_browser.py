"""Visitors fill the public form in Chromium: on a phone-sized screen with errors in Chinese beside
the fields, with JavaScript switched off, and embedded on a partner's page with the script tag
(the iframe follows the form's height and carries the page's UTM parameters)."""
from __future__ import annotations

import pytest

from runtime.public_forms.snippets import embed_snippets
from tests.runtime.public_forms.kit import leads, publish_forms


@pytest.fixture
def site(make_app, live_server_for):
    app = make_app()
    publish_forms(app)
    server = live_server_for(app)
    server.app = app
    return server


def fill_and_fix(target) -> None:
    """Send without the booth number, read the error, add it, send again."""
    target.get_by_label("姓名").fill("陈静")
    target.get_by_label("公司").fill("迈瑞医疗")
    target.get_by_label("手机").fill("13800138000")
    target.get_by_label("CRM").check()
    target.get_by_test_id("form-submit").click()
    target.get_by_test_id("error-booth_no").wait_for()
    assert target.get_by_test_id("error-booth_no").inner_text() == "来自「展会」的访客必须填写此项。"
    assert target.locator("#f-booth_no").evaluate("el => el === document.activeElement")   # focus is there
    assert target.get_by_label("公司").input_value() == "迈瑞医疗"            # nothing typed is lost
    assert target.get_by_label("CRM").is_checked()
    target.get_by_label("展位号").fill("E3-112")
    target.get_by_test_id("form-submit").click()
    target.get_by_test_id("thank-you").wait_for()
    assert target.get_by_test_id("thank-you").inner_text() == "谢谢 陈静，我们会尽快联系你。"


def send_website_lead(target, labels: tuple[str, str], name: str, free_mail: str, company_mail: str) -> None:
    """A website lead: the free-mail address is refused beside the field, the company one is thanked."""
    target.get_by_label(labels[0]).fill(name)
    target.get_by_label(labels[1]).fill(free_mail)
    target.get_by_test_id("form-submit").click()
    target.get_by_test_id("error-email").wait_for()
    assert free_mail.split("@")[1] in target.get_by_test_id("error-email").inner_text()
    target.get_by_label(labels[1]).fill(company_mail)
    target.get_by_test_id("form-submit").click()
    target.get_by_test_id("thank-you").wait_for()


def test_a_visitor_on_a_phone_fills_the_form_fixes_an_error_and_is_thanked(site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site.url + "/f/demo?utm_source=expo&utm_campaign=cmef2026")
    assert page.get_by_role("heading", level=1).inner_text() == "预约演示"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390            # no sideways scrolling
    assert page.locator("#pf-homepage").bounding_box()["x"] < 0                    # the honeypot is off-screen
    page.screenshot_as("phone-form")
    fill_and_fix(page)
    page.screenshot_as("phone-thanks")
    [lead] = leads(site.app)
    assert (lead["channel"], lead["booth_no"], lead["utm_campaign"]) == ("展会", "E3-112", "cmef2026")
    assert "CRM" in lead["interests"]


def test_the_form_works_with_javascript_switched_off(site, chromium):
    context = chromium.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(site.url + "/f/demo")
        assert page.get_by_role("heading", level=1).inner_text() == "Book a demo"
        send_website_lead(page, ("Name", "Email"), "Li Lei", "lilei@qq.com", "lilei@mindray.com")
        assert "Thank you Li Lei" in page.get_by_test_id("thank-you").inner_text()
    finally:
        context.close()
    [lead] = leads(site.app)
    assert (lead["channel"], lead["email"]) == ("官网", "lilei@mindray.com")


HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>Partner site</h1><p>Our demo form:</p>{snippet}<p id="after">after the form</p></body></html>"""


def serve_host(live_server_for, snippet: str) -> str:
    """A partner's page on another origin: a second local server (another port). Its address is
    local too: Chromium keeps public pages from reaching a private address."""
    body = HOST_PAGE.format(snippet=snippet).encode()

    def partner_site(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]
    return live_server_for(partner_site).url + "/partner"


def test_the_script_tag_embeds_the_form_in_a_partner_page_with_its_utm_parameters(site, page, live_server_for):
    host = serve_host(live_server_for, f'<script src="{site.url}/f/demo/embed.js" async></script>')
    page.goto(host + "/expo?utm_source=expo&utm_medium=qr")
    frame_element = page.locator("iframe[data-crm-form]")
    frame_element.wait_for()
    frame = page.frame_locator("iframe[data-crm-form]")
    frame.get_by_role("heading", level=1).wait_for()
    assert frame.locator(".pf-langs").count() == 0                      # no chrome inside the iframe
    page.wait_for_function("document.querySelector('iframe[data-crm-form]').style.height !== '600px'")
    form_height = frame_element.bounding_box()["height"]
    fill_and_fix(frame)
    page.wait_for_function("parseInt(document.querySelector('iframe[data-crm-form]').style.height) < 400")
    assert frame_element.bounding_box()["height"] < form_height          # the frame shrinks to the thanks
    page.screenshot_as("embedded")
    [lead] = leads(site.app)
    assert (lead["channel"], lead["utm_medium"], lead["booth_no"]) == ("展会", "qr", "E3-112")


def test_the_iframe_snippet_embeds_the_form_too(site, page, live_server_for):
    snippet = embed_snippets(site.url + "/f/demo", "预约演示").iframe     # what the share page offers
    host = serve_host(live_server_for, snippet.replace("?embed=1", "?embed=1&amp;utm_source=website"))
    page.goto(host + "/")
    send_website_lead(page.frame_locator("iframe"), ("姓名", "邮箱"), "赵磊", "zhaolei@163.com",
                      "zhaolei@united-imaging.com")
    [lead] = leads(site.app)
    assert (lead["channel"], lead["email"]) == ("官网", "zhaolei@united-imaging.com")
