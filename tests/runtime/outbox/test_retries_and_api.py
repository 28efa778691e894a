"""A failing action retries with backoff, goes dead, shows in the admin API, and comes back."""
from __future__ import annotations

import datetime as dt

import pytest

from runtime.outbox import dispatch, enqueue, sweep
from tests.fixtures_app import Users
from tests.runtime.outbox.actions_for_tests import effect_rows
from tests.runtime.outbox.conftest import T0, MovableClock, svc_of


@pytest.fixture
def app(outbox_app, db_url):
    return outbox_app(database_url=db_url, clock=MovableClock())


def bearer(app, name: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {Users(app).token(name, role)}"}


def test_a_webhook_that_keeps_failing_backs_off_goes_dead_and_an_admin_retries_it(app, tmp_path):
    svc, clock = svc_of(app), svc_of(app).clock
    down = tmp_path / "erp-is-down"
    down.touch()
    with svc.engine.begin() as conn:
        item_id = enqueue(conn, "test.flaky", {"fail_while": str(down), "note": "sync order 7"},
                          idempotency_key="erp:order:7", origin="rule:sync_erp", now=clock.now(),
                          max_attempts=3)
    first = dispatch(svc, [item_id]).ran[0]
    assert (first.outcome, first.error) == ("failed", "RuntimeError: the remote system said no")

    admin = app.test_client()
    headers = bearer(app, "ops", "admin")
    item = admin.get(f"/api/v1/outbox/{item_id}", headers=headers).get_json()
    assert item["status"] == "failed" and item["attempts"] == 1
    assert dt.datetime.fromisoformat(item["next_attempt_at"]) == T0 + dt.timedelta(seconds=30)

    clock.advance(seconds=29)
    assert sweep(svc, clock.now()).due == ()  # not due yet: nothing runs early
    clock.advance(seconds=1)
    assert [r.outcome for r in sweep(svc, clock.now()).dispatch.ran] == ["failed"]
    clock.advance(seconds=60)  # the second wait doubles
    assert [r.outcome for r in sweep(svc, clock.now()).dispatch.ran] == ["dead"]
    clock.advance(hours=5)
    assert sweep(svc, clock.now()).due == ()  # dead items stay dead

    listed = admin.get("/api/v1/outbox?status=dead", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == item_id
    assert listed["items"][0]["last_error"] == "RuntimeError: the remote system said no"
    assert admin.get("/api/v1/outbox?status=pending", headers=headers).get_json()["total"] == 0
    runs = admin.get(f"/api/v1/outbox/{item_id}", headers=headers).get_json()["runs"]
    assert [(r["attempt"], r["outcome"]) for r in runs] == [(1, "failed"), (2, "failed"), (3, "failed")]
    assert effect_rows(svc.engine) == []

    down.unlink()  # the ERP is back
    retried = admin.post(f"/api/v1/outbox/{item_id}/retry", headers=headers)
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "done" and retried.get_json()["dispatch"] == "inline"
    assert [r.note for r in effect_rows(svc.engine)] == ["sync order 7"]
    again = admin.post(f"/api/v1/outbox/{item_id}/retry", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert admin.post("/api/v1/outbox/999999/retry", headers=headers).status_code == 404


def test_the_outbox_api_is_for_admins_and_checks_its_parameters(app):
    client = app.test_client()
    assert client.get("/api/v1/outbox").status_code == 401
    rep = bearer(app, "rep1", "rep")
    assert client.get("/api/v1/outbox", headers=rep).status_code == 403
    assert client.post("/api/v1/outbox/1/retry", headers=rep).status_code == 403
    admin = bearer(app, "ops", "admin")
    bad = client.get("/api/v1/outbox?status=lost", headers={**admin, "Accept-Language": "en"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["message"] == (
        "Unknown status lost; use one of: pending, running, done, failed, dead.")
    zh = client.get("/api/v1/outbox?status=lost", headers={**admin, "Accept-Language": "zh-CN"})
    assert zh.get_json()["error"]["message"].startswith("未知状态 lost")
    assert client.get("/api/v1/outbox?per_page=0", headers=admin).status_code == 400
    assert client.get("/api/v1/outbox?page=x", headers=admin).status_code == 400
    assert client.get("/api/v1/outbox/12345", headers=admin).status_code == 404
    ok = client.get("/api/v1/outbox?status=failed,dead&per_page=10", headers=admin)
    assert ok.status_code == 200 and ok.get_json() == {"items": [], "total": 0, "page": 1, "per_page": 10}
