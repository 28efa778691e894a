"""Analysts change the app through /api/v1/meta: draft, validate, publish, versions, rollback."""
from __future__ import annotations

import copy

import sqlalchemy as sa

from tests.fixtures_app import Users

LEAD = {
    "objects": {
        "lead": {
            "label": {"zh-CN": "线索", "en": "Lead"},
            "title_field": "name",
            "fields": {
                "name": {"type": "text", "label": {"zh-CN": "名称", "en": "Name"}, "required": True},
                "budget": {"type": "currency", "label": {"zh-CN": "预算", "en": "Budget"}},
            },
            "validations": [{"key": "budget_positive", "error_when": "budget < 0",
                             "message": {"zh-CN": "预算不能为负", "en": "Budget cannot be negative"},
                             "field": "budget"}],
        }
    }
}


def with_field(doc, name, field):
    new = copy.deepcopy(doc)
    new["objects"]["lead"]["fields"][name] = field
    return new


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_reps_read_the_live_app_but_cannot_touch_the_draft(any_app):
    users = Users(any_app)
    client = any_app.test_client()
    rep = auth(users.token("rep1", "rep"))
    live = client.get("/api/v1/meta", headers=rep)
    assert live.status_code == 200 and live.json["version"] == 0 and live.json["document"]["objects"] == {}
    for method, url in [("get", "/api/v1/meta/draft"), ("put", "/api/v1/meta/draft"),
                        ("post", "/api/v1/meta/publish"), ("post", "/api/v1/meta/rollback/1"),
                        ("get", "/api/v1/meta/versions")]:
        assert getattr(client, method)(url, headers=rep, json={}).status_code == 403, url


def test_draft_publish_and_the_new_table(any_app):
    users = Users(any_app)
    client = any_app.test_client()
    analyst = auth(users.token("ana", "analyst"))
    draft = client.get("/api/v1/meta/draft", headers=analyst).json
    assert draft["revision"] == 0
    saved = client.put("/api/v1/meta/draft", headers=analyst, json={"document": LEAD, "revision": 0})
    assert saved.status_code == 200 and saved.json["revision"] == 1 and saved.json["diagnostics"] == []
    published = client.post("/api/v1/meta/publish", headers=analyst, json={"note": "first"})
    assert published.status_code == 200, published.json
    assert published.json["version"] == 1
    live = client.get("/api/v1/meta", headers=analyst).json
    assert live["version"] == 1 and set(live["document"]["objects"]["lead"]["fields"]) == {"name", "budget"}
    inspector = sa.inspect(any_app.extensions["crm"].engine)
    columns = {c["name"] for c in inspector.get_columns("obj_lead")}
    assert {"id", "owner", "version", "stage", "name", "budget", "deleted_at"} <= columns


def test_a_stale_draft_save_is_a_conflict_not_an_overwrite(any_app):
    users = Users(any_app)
    client = any_app.test_client()
    a = auth(users.token("ana", "analyst"))
    b = auth(users.token("bob", "analyst"))
    assert client.put("/api/v1/meta/draft", headers=a, json={"document": LEAD, "revision": 0}).status_code == 200
    stale = client.put("/api/v1/meta/draft", headers=b, json={"document": {"objects": {}}, "revision": 0})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict" and stale.json["revision"] == 1
    assert "lead" in client.get("/api/v1/meta/draft", headers=a).json["document"]["objects"]


def test_problems_are_positioned_localized_and_change_nothing(any_app):
    users = Users(any_app)
    client = any_app.test_client()
    analyst = auth(users.token("ana", "analyst"))
    assert client.post("/api/v1/meta/publish", headers=analyst, json={"document": LEAD}).status_code == 200
    bad = with_field(LEAD, "score", {"type": "formula", "expression": "budgett * 2"})
    checked = client.post("/api/v1/meta/draft/validate", headers={**analyst, "Accept-Language": "en"},
                          json={"document": bad}).json
    assert checked["ok"] is False
    problem = next(d for d in checked["diagnostics"] if d["path"] == "/objects/lead/fields/score/expression")
    assert problem["span"]["line"] == 1 and problem["span"]["column"] == 1
    assert "budget" in (problem["hint"] or problem["message"])
    refused = client.post("/api/v1/meta/publish", headers={**analyst, "Accept-Language": "zh-CN"},
                          json={"document": bad})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid"
    assert any(d["path"].endswith("/score/expression") for d in refused.json["diagnostics"])
    assert client.get("/api/v1/meta", headers=analyst).json["version"] == 1
    not_an_object = client.put("/api/v1/meta/draft", headers=analyst, json={"document": [], "revision": 0})
    assert not_an_object.status_code == 400


def test_versions_diff_and_rollback(any_app):
    users = Users(any_app)
    client = any_app.test_client()
    analyst = auth(users.token("ana", "analyst"))
    client.post("/api/v1/meta/publish", headers=analyst, json={"document": LEAD})
    v2 = with_field(LEAD, "phone", {"type": "phone", "label": {"zh-CN": "电话"}})
    assert client.post("/api/v1/meta/publish", headers=analyst, json={"document": v2}).status_code == 200
    listing = client.get("/api/v1/meta/versions", headers=analyst).json
    assert listing["live"] == 2 and [v["version"] for v in listing["versions"]] == [2, 1]
    diff = client.get("/api/v1/meta/diff?from=1&to=2", headers=analyst).json
    assert [op["kind"] for op in diff["ops"]] == ["add_field"]
    rolled = client.post("/api/v1/meta/rollback/1", headers=analyst, json={})
    assert rolled.status_code == 200 and rolled.json["version"] == 3
    fields = client.get("/api/v1/meta", headers=analyst).json["document"]["objects"]["lead"]["fields"]
    assert "phone" not in fields
    assert client.post("/api/v1/meta/rollback/99", headers=analyst, json={}).status_code == 404
    assert client.get("/api/v1/meta/diff?to=abc", headers=analyst).status_code == 400
