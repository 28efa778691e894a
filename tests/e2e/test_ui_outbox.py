"""An admin finds a dead automation action in the UI and retries it with one click."""
from __future__ import annotations

from runtime.outbox import dispatch, enqueue
from tests.fixtures_app import Users
from tests.runtime.outbox import actions_for_tests


def test_admin_retries_a_dead_action_from_the_failed_actions_page(make_app, live_server_for, page, tmp_path):
    app = make_app()
    svc = app.extensions["crm"]
    actions_for_tests.create_effects_table(svc.engine)
    Users(app).add("ops", "admin", password="admin-pass-1")
    down = tmp_path / "erp-is-down"
    down.touch()
    with svc.engine.begin() as conn:
        item_id = enqueue(conn, "test.flaky", {"fail_while": str(down), "note": "同步订单 7"},
                          idempotency_key="erp:order:7", origin="rule:sync_erp", now=svc.clock.now(),
                          max_attempts=1)
    assert dispatch(svc, [item_id]).ran[0].outcome == "dead"

    server = live_server_for(app)
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("ops")
    page.get_by_label("密码").fill("admin-pass-1")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/app")
    page.get_by_test_id("outbox-link").click()
    row = page.get_by_test_id(f"outbox-row-{item_id}")
    assert "dead" in row.inner_text() and "the remote system said no" in row.inner_text()
    page.screenshot_as("failed-actions")
    down.unlink()                                   # the remote system is back
    page.get_by_test_id(f"retry-{item_id}").click()
    assert "done" in page.get_by_role("status").inner_text()
    assert page.get_by_test_id("outbox-empty").is_visible()
    assert [r.note for r in actions_for_tests.effect_rows(svc.engine)] == ["同步订单 7"]
