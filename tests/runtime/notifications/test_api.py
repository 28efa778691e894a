"""The inbox API: list, unread count, mark read, read-all; other users' ids are 404."""
from __future__ import annotations

from tests.fixtures_app import csrf_from


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_inbox_lists_newest_first_with_unread_count_and_marks_read(bench):
    token = bench.users.token("lihua", role="rep")
    me = bench.user_id("lihua")
    for n in range(3):
        bench.notify(user_ids=[me], title=f"第 {n} 条", kind="stage_overdue", object="tender", record_id=n)
        bench.advance(minutes=1)
    bench.notify(user_ids=[me], title="只发邮件", channels=("email",))  # not an inbox item
    client = bench.app.test_client()

    listing = client.get("/api/v1/notifications", headers=auth(token))
    assert listing.status_code == 200
    body = listing.json
    assert [n["title"] for n in body["notifications"]] == ["第 2 条", "第 1 条", "第 0 条"]
    assert body["unread_count"] == 3 and body["total"] == 3
    newest = body["notifications"][0]
    assert newest["read"] is False and newest["object"] == "tender" and newest["record_id"] == 2
    assert newest["created_at"] == "2026-03-02T09:02:00+00:00"

    bench.advance(minutes=5)
    read = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=auth(token))
    assert read.status_code == 200
    assert read.json == {"id": newest["id"], "read_at": "2026-03-02T09:08:00+00:00", "unread_count": 2}
    bench.advance(minutes=5)
    again = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=auth(token))
    assert again.json["read_at"] == "2026-03-02T09:08:00+00:00"  # the first read counts

    unread = client.get("/api/v1/notifications?unread=1", headers=auth(token)).json
    assert [n["title"] for n in unread["notifications"]] == ["第 1 条", "第 0 条"]
    page2 = client.get("/api/v1/notifications?page=2&per_page=2", headers=auth(token)).json
    assert [n["title"] for n in page2["notifications"]] == ["第 0 条"] and page2["page"] == 2

    done = client.post("/api/v1/notifications/read-all", headers=auth(token))
    assert done.status_code == 200 and done.json == {"updated": 2, "unread_count": 0}
    assert client.get("/api/v1/notifications?unread=1", headers=auth(token)).json["notifications"] == []


def test_other_users_notifications_are_404_never_leaked(bench):
    mine = bench.users.token("me", role="rep")
    theirs = bench.users.token("them", role="manager")
    [their_id] = bench.notify(user_ids=[bench.user_id("them")], title="秘密")
    client = bench.app.test_client()
    assert client.get("/api/v1/notifications", headers=auth(mine)).json["notifications"] == []
    stolen = client.post(f"/api/v1/notifications/{their_id}/read", headers=auth(mine))
    missing = client.post("/api/v1/notifications/999999/read", headers=auth(mine))
    assert stolen.status_code == missing.status_code == 404
    assert stolen.json == missing.json and set(stolen.json["error"]) == {"code", "message"}
    assert client.post("/api/v1/notifications/read-all", headers=auth(mine)).json["updated"] == 0
    assert client.get("/api/v1/notifications", headers=auth(theirs)).json["unread_count"] == 1


def test_the_inbox_needs_a_user_and_cookie_writes_need_csrf(bench):
    client = bench.app.test_client()
    assert client.get("/api/v1/notifications").status_code == 401
    rep = bench.users.client("rep")
    [nid] = bench.notify(user_ids=[bench.user_id("rep")])
    assert rep.post(f"/api/v1/notifications/{nid}/read").status_code == 400
    token = csrf_from(rep.get("/app").get_data(as_text=True))
    ok = rep.post(f"/api/v1/notifications/{nid}/read", headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_bad_paging_and_status_get_the_error_shape(bench):
    token = bench.users.token("ops", role="admin")
    client = bench.app.test_client()
    for query in ("page=0", "page=abc", "per_page=-1"):
        bad = client.get(f"/api/v1/notifications?{query}", headers=auth(token))
        assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_request"
    bad = client.get("/api/v1/notifications/deliveries?status=lost", headers=auth(token))
    assert bad.status_code == 400 and "failed" in bad.json["error"]["message"]
    zh = client.get("/api/v1/notifications?page=0", headers={**auth(token), "Accept-Language": "zh-CN"})
    assert "页码" in zh.json["error"]["message"]


def test_deliveries_are_for_admins_only(bench):
    rep = bench.users.token("rep1", role="rep")
    manager = bench.users.token("mgr", role="manager")
    client = bench.app.test_client()
    for token in (rep, manager):
        denied = client.get("/api/v1/notifications/deliveries", headers=auth(token))
        assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    bench.notify(user_ids=[bench.user_id("rep1")], channels=("email",))  # no address -> dead
    admin = bench.users.token("root", role="admin")
    listing = client.get("/api/v1/notifications/deliveries", headers=auth(admin)).json
    assert [(d["status"], d["last_error"]) for d in listing["deliveries"]] == [
        ("dead", "user 'rep1' has no e-mail address")]
    assert client.get("/api/v1/notifications/deliveries?status=sent,pending",
                      headers=auth(admin)).json["total"] == 0
