"""In Chromium: an analyst types a broken expression in the pipeline editor and sees, right under
the input, the positioned error (a caret under the offending columns) and the hint; a good
expression shows its result type and whether it can run in the database; "try it" shows the value
for an existing record."""
from __future__ import annotations

import copy

from playwright.sync_api import expect

from tests.builder.designer_logic.kit import SAMPLE, designer_app, set_draft  # noqa: F401 - fixtures
from tests.runtime.ui.kit import browser_login

PIPELINE = "/builder/objects/sample_test/pipeline"
BOX = "f-nodes-0-requires_when"


def test_an_analyst_sees_the_positioned_error_type_sql_and_try_it_value(designer_app, live_server_for, page):
    doc = copy.deepcopy(SAMPLE)
    doc["objects"]["sample_test"]["pipeline"] = {"nodes": [{"key": "received", "label": {"zh-CN": "已收样"}}]}
    set_draft(designer_app, doc)
    token = designer_app.users.token("boss", "admin")
    rec = designer_app.test_client().post("/api/v1/records/sample_test", json={"name": "样品一", "budget": 120},
                                          headers={"Authorization": f"Bearer {token}"}).get_json()["id"]
    designer_app.users.add("ana", "analyst")
    server = live_server_for(designer_app)
    browser_login(page, server, "ana")
    page.goto(server.url + PIPELINE)

    box = page.get_by_label("进入条件 (requires_when)")
    status = page.get_by_test_id(f"expr-status-{BOX}")
    box.press_sequentially("IF(budgett > 10, TRUE, FALSE)", delay=15)          # checked as the analyst types
    error = status.get_by_test_id("expr-error")
    error.wait_for()
    assert "budgett" in error.get_by_test_id("expr-message").inner_text()
    line, carets = error.get_by_test_id("expr-caret").inner_text().split("\n")
    assert line == "IF(budgett > 10, TRUE, FALSE)"
    assert carets == "   ^^^^^^^"                                            # under b..t of "budgett"
    assert error.get_attribute("data-column") == "4"
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == f"{BOX}-status"
    under = status.bounding_box()
    field = box.bounding_box()
    assert 0 <= under["y"] - (field["y"] + field["height"]) < 40                # right under the input
    page.screenshot_as("expr-error")

    box.fill("IF(budget > 10, TRUE")                                           # a bracket left open
    status.get_by_test_id("expr-hint").wait_for()
    assert ")" in status.get_by_test_id("expr-hint").inner_text()
    assert status.get_by_test_id("expr-caret").inner_text().split("\n")[1] == " " * 20 + "^"

    box.fill("budget > 10")
    status.get_by_test_id("expr-type").wait_for()
    assert status.get_by_test_id("expr-type").inner_text() == "boolean"
    assert status.get_by_test_id("expr-sql").get_attribute("data-sql") == "yes"
    assert box.get_attribute("aria-invalid") == "false"

    box.fill('REGEX(name, "样.*") AND budget > 100')
    expect(status.get_by_test_id("expr-sql")).to_have_attribute("data-sql", "no")

    page.get_by_test_id(f"expr-try-q-{BOX}").fill("样品")
    record = page.get_by_test_id(f"expr-try-record-{BOX}")
    expect(record.locator("option")).to_have_count(2)
    record.select_option(str(rec))
    value = page.get_by_test_id(f"expr-try-value-{BOX}")
    expect(value).to_contain_text("TRUE")
    assert value.inner_text().endswith("TRUE")
    page.screenshot_as("expr-try-it")

    page.get_by_test_id("save").click()                                        # the expression is kept in the draft
    page.get_by_test_id("no-problems").wait_for()
    assert box.input_value() == 'REGEX(name, "样.*") AND budget > 100'
