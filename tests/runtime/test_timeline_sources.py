"""Automation runs, approvals and notes on the record timeline (runtime/timeline_sources.py), on
SQLite and PostgreSQL: the API, permissions (a rep who cannot read the note object), the record page."""
from __future__ import annotations

import copy

import pytest

from tests.fixtures_app import Users
from tests.runtime.automation.conftest import T0, build
from tests.runtime.automation.scenario_app import DOC, MovableClock

ALL = {"create": True, "read": True, "update": True, "delete": True, "scope": "all"}


def _doc():
    doc = copy.deepcopy(DOC)
    everything = {name: dict(ALL) for name in doc["objects"]}
    rep = {name: dict(ALL) for name in doc["objects"] if name != "followup"}  # reps cannot read notes
    doc["permissions"] = {"manager": everything, "rep": rep}
    return doc


@pytest.fixture
def app(make_app, db_url, monkeypatch):
    from tests.runtime.automation import scenario_app
    monkeypatch.setattr(scenario_app, "DOC", _doc())
    return build(make_app(clock=MovableClock(T0), database_url=db_url))


def _scenario(app):
    """A lead (rules fire on create), a cross-region approval approved by mgr, a follow-up note."""
    rep1, mgr = app.api("rep1"), app.api("mgr")
    rep3 = app.api("rep3")
    r = rep1.post("/api/v1/records/lead", json={"name": "华山医院", "customer_type": "三甲医院",
                                                   "categories": ["导航系统"], "industry": "教育"})
    assert r.status_code == 201, r.get_json()
    lead = r.get_json()["record"] if "record" in r.get_json() else r.get_json()
    lead_id = lead["id"]
    app.clock.advance(minutes=5)
    got = mgr.get(f"/api/v1/records/lead/{lead_id}").get_json()
    rec = got.get("record", got)
    r = mgr.patch(f"/api/v1/records/lead/{lead_id}", json={"new_owner": rep3.user_id},
                  headers={"If-Match": str(rec["version"])})
    assert r.status_code == 200, r.get_json()
    app.clock.advance(minutes=5)
    inbox = mgr.get("/api/v1/approvals").get_json()["approvals"]
    assert inbox, "the approval should wait for the owner's manager"
    assert mgr.post(f"/api/v1/approvals/{inbox[0]['id']}/approve", json={}).status_code == 200
    app.clock.advance(minutes=5)
    r = mgr.post("/api/v1/records/followup", json={"lead": lead_id, "content": "电话沟通，客户关注导航精度"})
    assert r.status_code == 201, r.get_json()
    return lead_id


def test_timeline_has_automation_runs_approvals_and_notes_in_time_order(app):
    lead_id = _scenario(app)
    entries = app.api("mgr").get(f"/api/v1/records/lead/{lead_id}/timeline").get_json()["timeline"]
    kinds = [e["kind"] for e in entries]
    assert {"automation", "approval", "note", "change"} <= set(kinds), kinds
    ats = [e["at"] for e in entries]
    assert ats == sorted(ats, reverse=True)
    runs = {e["rule"]: e for e in entries if e["kind"] == "automation"}
    assert runs["ask_cross_region"]["status"] == "done"
    assert runs["ask_cross_region"]["why"]
    assert runs["ask_cross_region"]["runs"] >= 1
    approvals = [e for e in entries if e["kind"] == "approval"]
    assert {a["event"] for a in approvals} >= {"started", "approved"}
    assert next(a for a in approvals if a["event"] == "approved")["who"] == "mgr"
    assert approvals[0]["process_label"] == "跨区分配审批"
    note = next(e for e in entries if e["kind"] == "note")
    assert note["object"] == "followup" and note["text"] == "电话沟通，客户关注导航精度" and note["who"] == "mgr"
    # newest first: the note came after the approval decision, which came after the rule runs
    assert kinds.index("note") < kinds.index("approval") < kinds.index("automation")


def test_a_rep_who_cannot_read_the_note_object_does_not_see_notes(app):
    lead_id = _scenario(app)
    r = app.api("rep2").get(f"/api/v1/records/lead/{lead_id}/timeline")
    assert r.status_code == 200
    kinds = {e["kind"] for e in r.get_json()["timeline"]}
    assert "note" not in kinds and {"automation", "approval"} <= kinds


def test_the_record_page_renders_the_new_entries(app):
    from runtime.users import find_user_id, set_password
    lead_id = _scenario(app)
    with app.extensions["crm"].engine.begin() as conn:
        set_password(conn, find_user_id(conn, "mgr"), "password-123")
    client = app.test_client()
    users = Users(app)
    assert users.login(client, "mgr").status_code == 302
    html = client.get(f"/app/lead/{lead_id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'class="tl tl-automation"' in html and "ask_cross_region" in html
    assert 'class="tl tl-approval"' in html and "跨区分配审批" in html
    assert 'class="tl tl-note"' in html and "电话沟通，客户关注导航精度" in html
