"""Attaching files through the save pipeline, and who may download them."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.files import files
from tests.runtime.files.conftest import PDF, PNG


def record_of(app, file_id):
    with app.extensions["crm"].engine.connect() as conn:
        return conn.execute(sa.select(files.c.record_id).where(files.c.id == file_id)).scalar_one()


def test_attach_then_download_by_who_can_read_the_record(crm):
    rep1, rep2, mgr = crm.api("rep1"), crm.api("rep2"), crm.api("mgr")
    scan = rep1.upload(PDF, "签字版.pdf").json
    # before it is attached, only the uploader can fetch it
    assert rep1.get(scan["url"]).status_code == 200
    assert rep2.get(scan["url"]).status_code == 404 and mgr.get(scan["url"]).status_code == 404
    created = rep1.post("/api/v1/records/contract", {"title": "采购合同", "scan": [scan["id"]]})
    assert created.status_code == 201, created.json
    assert created.json["scan"] == [scan["id"]] and record_of(crm, scan["id"]) == created.json["id"]
    download = rep1.get(scan["url"])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E7%AD%BE%E5%AD%97%E7%89%88.pdf" in download.headers["Content-Disposition"]
    assert mgr.get(scan["url"]).status_code == 200                      # scope all
    hidden = rep2.get(scan["url"])                                      # scope own: not rep2's contract
    assert hidden.status_code == 404 and hidden.json["error"]["code"] == "not_found"
    assert rep2.get(f"{scan['url']}/info").status_code == 404
    assert rep2.get("/api/v1/files/999999").json == hidden.json         # same answer as a missing id
    info = mgr.get(f"{scan['url']}/info").json
    assert info == {**scan}


def test_one_file_where_multiple_is_off(crm):
    rep = crm.api("rep1")
    a, b = rep.upload(PDF, "a.pdf").json, rep.upload(PNG, "b.png").json
    refused = rep.post("/api/v1/records/contract", {"title": "两个文件", "scan": [a["id"], b["id"]]})
    assert refused.status_code == 422 and "scan" in refused.json["errors"]
    assert record_of(crm, a["id"]) is None and record_of(crm, b["id"]) is None
    many = rep.post("/api/v1/records/contract", {"title": "附件", "attachments": [a["id"]]})
    assert many.status_code == 422                                      # uploaded for "scan", not "attachments"
    c, d = (rep.upload(PDF, f"{n}.pdf", field="attachments").json for n in "cd")
    ok = rep.post("/api/v1/records/contract", {"title": "附件", "attachments": [c["id"], d["id"]]})
    assert ok.status_code == 201 and ok.json["attachments"] == [c["id"], d["id"]]


def test_ids_that_do_not_belong_are_refused(crm):
    rep1, rep2 = crm.api("rep1"), crm.api("rep2")
    theirs = rep2.upload(PDF).json
    refused = rep1.post("/api/v1/records/contract", {"title": "借用", "scan": [theirs["id"]]})
    assert refused.status_code == 422 and refused.json["errors"]["scan"] == [
        f"File {theirs['id']} does not exist or cannot be used here."]
    assert rep1.post("/api/v1/records/contract", {"title": "x", "scan": [987654]}).status_code == 422
    mine = rep1.upload(PDF).json
    first = rep1.post("/api/v1/records/contract", {"title": "一", "scan": [mine["id"]]}).json
    second = rep1.post("/api/v1/records/contract", {"title": "二", "scan": [mine["id"]]})
    assert second.status_code == 422                                    # attached to another record
    kept = rep1.patch(f"/api/v1/records/contract/{first['id']}", {"version": first["version"], "title": "一(改)",
                                                                  "scan": [mine["id"]]})
    assert kept.status_code == 200                                      # its own file again is fine


def test_replacing_a_file_on_update(crm):
    rep = crm.api("rep1")
    old, new = rep.upload(PDF, "v1.pdf").json, rep.upload(PNG, "v2.png").json
    record = rep.post("/api/v1/records/contract", {"title": "版本", "scan": [old["id"]]}).json
    changed = rep.patch(f"/api/v1/records/contract/{record['id']}", {"version": record["version"],
                                                                     "scan": [new["id"]]})
    assert changed.status_code == 200 and changed.json["scan"] == [new["id"]]
    assert record_of(crm, new["id"]) == record["id"]
    history = rep.get(f"/api/v1/records/contract/{record['id']}/history").json["history"]
    assert history[0]["old"] == [old["id"]] and history[0]["new"] == [new["id"]]
    assert rep.get(old["url"]).status_code == 200                       # history still leads somewhere
    assert crm.api("rep2").get(new["url"]).status_code == 404
