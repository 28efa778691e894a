"""Permissions are decided in one place and hold everywhere: reads, lists, filters, sorts, counts,
lookups, writes, history and errors."""
from __future__ import annotations

import pytest

from tests.runtime.records.app_doc import doc, publish

# who owns what: (owner, lead name)
OWNERS = [("rep1", "rep1的线索"), ("rep2", "rep2的线索"), ("mgr", "经理的线索"), ("outsider", "外区线索"),
          ("director", "总监的线索")]

# role x scope -> which leads each user sees
VISIBLE = {
    "rep1": {"rep1的线索"},                                              # rep: own
    "rep2": {"rep2的线索"},
    "outsider": {"外区线索"},
    "mgr": {"rep1的线索", "rep2的线索", "经理的线索"},                      # manager: team below + team
    "director": {"rep1的线索", "rep2的线索", "经理的线索", "总监的线索"},     # director: the whole tree
    "boss": {name for _o, name in OWNERS},                               # admin: all
    "ana": None,                                                         # analyst: no grant -> no object
}


@pytest.fixture
def leads(crm):
    ids = {}
    for owner, name in OWNERS:
        response = crm.api(owner).post("/api/v1/records/lead", {"name": name, "phone": "138", "budget": 100,
                                                                "secret_note": "底价 80"}
                                       if owner not in ("rep1", "rep2", "outsider") else
                                       {"name": name, "phone": "138"})
        assert response.status_code == 201, (owner, response.json)
        ids[name] = response.json["id"]
    return ids


@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_list_get_and_count_follow_the_scope(crm, leads, user):
    api = crm.api(user)
    listing = api.get("/api/v1/records/lead?per_page=50")
    expected = VISIBLE[user]
    if expected is None:
        assert listing.status_code == 404
        return
    assert listing.status_code == 200
    assert {r["name"] for r in listing.json["records"]} == expected
    assert listing.json["total"]["value"] == len(expected)
    for name, record_id in leads.items():
        status = api.get(f"/api/v1/records/lead/{record_id}").status_code
        assert status == (200 if name in expected else 404), (user, name)


@pytest.mark.parametrize("user, operation, target, status", [
    ("rep1", "update", "rep1的线索", 200),
    ("rep1", "update", "rep2的线索", 404),        # outside the scope: as if it did not exist
    ("rep1", "delete", "rep1的线索", 403),        # reps may not delete
    ("mgr", "update", "rep1的线索", 200),
    ("mgr", "delete", "rep2的线索", 204),
    ("mgr", "update", "外区线索", 404),
    ("outsider", "update", "rep1的线索", 404),
    ("boss", "delete", "外区线索", 204),
])
def test_writes_follow_the_operation_and_the_scope(crm, leads, user, operation, target, status):
    api = crm.api(user)
    url = f"/api/v1/records/lead/{leads[target]}"
    response = api.patch(url, {"name": "改名", "version": 1}) if operation == "update" else api.delete(url)
    assert response.status_code == status, response.json


def test_create_permission(crm):
    assert crm.api("rep1").post("/api/v1/records/hospital", {"name": "x"}).status_code == 403
    assert crm.api("ana").post("/api/v1/records/lead", {"name": "x", "phone": "1"}).status_code == 404


def test_hidden_fields_never_leak(crm, leads):
    rep, mgr = crm.api("rep1"), crm.api("mgr")
    mine = leads["rep1的线索"]
    assert mgr.patch(f"/api/v1/records/lead/{mine}", {"secret_note": "底价 90", "version": 1}).status_code == 200
    record = rep.get(f"/api/v1/records/lead/{mine}").json
    assert "secret_note" not in record
    # not through a filter, a sort, the history, or an error message
    probe = rep.get("/api/v1/records/lead?filter=CONTAINS(secret_note, '90')")
    assert probe.status_code == 400 and probe.json["error"]["code"] == "invalid_filter"
    assert "secret_note" in probe.json["error"]["message"]          # reported like any unknown field
    assert rep.get("/api/v1/records/lead?filter=CONTAINS(nonexistent, '90')").json["error"]["code"] == "invalid_filter"
    assert rep.get("/api/v1/records/lead?sort=secret_note").status_code == 400
    history = rep.get(f"/api/v1/records/lead/{mine}/history").json["history"]
    assert all(h["field"] != "secret_note" for h in history)
    write = rep.patch(f"/api/v1/records/lead/{mine}", {"secret_note": "x", "version": 2},
                      headers={"Accept-Language": "en"})
    assert write.status_code == 422 and write.json["errors"] == {"secret_note": ["Unknown field."]}


def test_read_only_fields_refuse_changes(crm, leads):
    rep = crm.api("rep1")
    response = rep.patch(f"/api/v1/records/lead/{leads['rep1的线索']}", {"budget": 5, "version": 1},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 422 and response.json["errors"] == {"budget": ["You cannot change this field."]}


def test_expression_scope_document_visible_only_when_the_hospital_signed_an_nda(crm):
    mgr, rep = crm.api("mgr"), crm.api("rep1")
    signed = mgr.post("/api/v1/records/hospital", {"name": "签约医院", "nda_signed": True}).json
    unsigned = mgr.post("/api/v1/records/hospital", {"name": "未签医院", "nda_signed": False}).json
    a = mgr.post("/api/v1/records/document", {"title": "术式资料A", "hospital": signed["id"]}).json
    b = mgr.post("/api/v1/records/document", {"title": "术式资料B", "hospital": unsigned["id"]}).json
    assert {d["title"] for d in rep.get("/api/v1/records/document").json["records"]} == {"术式资料A"}
    assert rep.get(f"/api/v1/records/document/{b['id']}").status_code == 404
    assert rep.get(f"/api/v1/records/document/{a['id']}").status_code == 200
    # signing the NDA opens the document at once
    mgr.patch(f"/api/v1/records/hospital/{unsigned['id']}", {"nda_signed": True, "version": 1})
    assert rep.get(f"/api/v1/records/document/{b['id']}").status_code == 200


def test_lookups_must_point_at_visible_records(crm, leads):
    rep = crm.api("rep1")
    other_doc = crm.api("mgr")
    h = other_doc.post("/api/v1/records/hospital", {"name": "医院甲"}).json
    ok = rep.post("/api/v1/records/lead", {"name": "x", "phone": "1", "hospital": h["id"]})
    assert ok.status_code == 201


def test_open_app_without_a_permissions_section(make_app):
    from tests.fixtures_app import Users
    app = make_app()
    publish(app, doc(permissions={}))
    users = Users(app)
    token = users.token("anyrep", "rep")
    client = app.test_client()
    created = client.post("/api/v1/records/lead", json={"name": "x", "phone": "1"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
