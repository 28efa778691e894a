"""Webhooks cannot be pointed at the server's own network: a rule's webhook to loopback or the cloud
metadata address ends dead at once with a message the admin can act on, and the target receives
nothing; CRM_OUTBOUND_ALLOW lets an on-premise installation post to its internal systems."""
from __future__ import annotations

import pytest
import schema_store
import sqlalchemy as sa

from runtime.outbox.tables import outbox
from tests.fixtures_app import Users
from tests.runtime.notifications.conftest import SECRET, bench_for


def rule_app(make_app, url: str, **overrides):
    """An app whose rule ``erp_sync`` POSTs every new purchase to ``url``."""
    app = make_app(**overrides)
    schema_store.publish(app.extensions["crm"].engine, {
        "objects": {"purchase": {"label": {"en": "Purchase"}, "fields": {"name": {"type": "text"}}}},
        "rules": [{"key": "erp_sync", "object": "purchase", "trigger": {"type": "create"},
                   "actions": [{"type": "webhook", "url": url, "payload": {"name": "name"}}]}]})
    return app


def save_purchase(app) -> dict:
    headers = {"Authorization": f"Bearer {Users(app).token('ops', 'admin')}"}
    created = app.test_client().post("/api/v1/records/purchase", json={"name": "PO-7"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    with app.extensions["crm"].engine.connect() as conn:
        [hook] = conn.execute(sa.select(outbox).where(outbox.c.action == "automation.webhook")).mappings()
    return dict(hook)


@pytest.mark.parametrize("target, address, kind", [
    ("http://127.0.0.1:{port}/hook", "127.0.0.1", "loopback"),
    ("http://localhost:{port}/hook", "127.0.0.1", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
])
def test_a_rule_webhook_to_an_internal_address_is_dead_at_once_and_sends_nothing(make_app, recorder,
                                                                                 target, address, kind):
    url = target.format(port=recorder.port)
    app = rule_app(make_app, url)
    hook = save_purchase(app)
    assert (hook["status"], hook["attempts"]) == ("dead", 1)  # no retries: they cannot help
    assert hook["last_error"].startswith(f"WebhookRefused: webhook {url}: refused to connect to ")
    assert f"{address} is an internal address ({kind})" in hook["last_error"]
    assert "CRM_OUTBOUND_ALLOW" in hook["last_error"]
    assert recorder.requests == []

    admin = Users(app).client("admin")
    listed = admin.get("/api/v1/outbox?status=dead").get_json()
    assert [(i["id"], i["last_error"]) for i in listed["items"]] == [(hook["id"], hook["last_error"])]
    page = admin.get("/app/admin/outbox").get_data(as_text=True)
    assert f"{address} is an internal address ({kind})" in page


def test_with_crm_outbound_allow_the_internal_endpoint_gets_the_post(make_app, recorder, monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW", "127.0.0.1")
    app = rule_app(make_app, recorder.url)
    assert app.extensions["crm"].settings.outbound_allow == ("127.0.0.1/32",)
    hook = save_purchase(app)
    assert (hook["status"], hook["last_error"]) == ("done", None)
    assert recorder.requests == ["POST /hook HTTP/1.1"]


def test_a_redirect_to_an_internal_address_is_not_followed(make_app, recorder):
    recorder.redirect_to = f"http://127.0.0.1:{recorder.port}/metadata"
    app = rule_app(make_app, recorder.url, outbound_allow=("127.0.0.1",))
    hook = save_purchase(app)
    assert hook["status"] == "failed" and hook["last_error"] == f"ActionFailed: webhook {recorder.url} answered 302"
    assert recorder.requests == ["POST /hook HTTP/1.1"]  # /metadata never asked for


def test_a_notification_webhook_to_loopback_is_refused_and_shown_with_the_delivery(make_app, recorder):
    """Refused on its first attempt and dead at once: no retry can make it."""
    bench = bench_for(make_app())
    rep = bench.users.add("lihua", "rep")
    bench.notify(user_ids=[rep], channels=("in_app", "webhook"), webhook={"url": recorder.url, "secret": SECRET})
    report = bench.deliver()
    assert (report.sent, report.failed, report.dead) == (0, 0, 1)
    assert recorder.requests == []
    [delivery] = [d for d in bench.deliveries() if d["channel"] == "webhook"]
    assert delivery["status"] == "dead" and delivery["attempts"] == 1 and delivery["last_error"] == (
        f"webhook {recorder.url}: refused to connect to 127.0.0.1: 127.0.0.1 is an internal address "
        "(loopback); add the host or its network to CRM_OUTBOUND_ALLOW to allow it")

    token = bench.users.token("admin", role="admin")
    listing = bench.app.test_client().get("/api/v1/notifications/deliveries?status=failed,dead",
                                          headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [d["last_error"] for d in listing["deliveries"]] == [delivery["last_error"]]
