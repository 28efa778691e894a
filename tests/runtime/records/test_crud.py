"""Creating, reading, changing and deleting records through the one save pipeline."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa


def hospital(api, name="北京协和医院", **kw):
    response = api.post("/api/v1/records/hospital", {"name": name, "level": "三甲", **kw})
    assert response.status_code == 201, response.json
    return response.json


def test_create_coerces_computes_and_numbers(crm):
    rep = crm.api("rep1")
    h = hospital(crm.api("mgr"))
    created = rep.post("/api/v1/records/lead", {
        "name": "  骨科导航采购 ", "phone": "13800138000", "hospital": h["id"], "tags": "耗材;导航系统"})
    assert created.status_code == 201, created.json
    lead = created.json
    assert lead["name"] == "骨科导航采购"                      # trimmed
    assert lead["tags"] == ["导航系统", "耗材"]                 # option order
    assert lead["hospital_level"] == "三甲"                    # formula through the lookup
    assert lead["owner"] == rep.user_id and lead["version"] == 1
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")
    assert lead["code"] == f"XS{today}-0001"
    assert "secret_note" not in lead                          # hidden from reps
    second = rep.post("/api/v1/records/lead", {"name": "第二条", "email": "a@b.cn"}).json
    assert second["code"] == f"XS{today}-0002"
    assert crm.api("mgr").get(f"/api/v1/records/hospital/{h['id']}").json["leads"] == 1   # roll-up


def test_money_adds_up(crm):
    mgr = crm.api("mgr")
    lead = mgr.post("/api/v1/records/lead", {"name": "x", "phone": "1", "budget": "0.1"}).json
    assert lead["weighted"] == 0.05
    updated = mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"budget": "0.3", "version": 1}).json
    assert updated["budget"] == 0.3 and updated["weighted"] == 0.15


def test_all_errors_come_back_together_keyed_by_field(crm):
    mgr = crm.api("mgr")
    response = mgr.post("/api/v1/records/lead", {
        "budget": "很多", "email": "not-an-email", "tags": ["不存在"], "hospital": 999, "bogus": 1},
        headers={"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.json
    assert body["error"]["code"] == "invalid"
    errors = body["errors"]
    assert errors["name"] == ["This field is required."]
    assert errors["budget"] == ["Enter a number."]
    assert errors["email"] == ["Enter a valid email address."]
    assert "Choose one of" in errors["tags"][0]
    assert errors["hospital"] == ["Choose an existing record."]
    assert errors["bogus"] == ["Unknown field."]


def test_validation_rules_and_required_when_in_chinese(crm):
    mgr = crm.api("mgr")
    response = mgr.post("/api/v1/records/lead", {"name": "大单", "budget": 2000000},
                        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.json["errors"] == {"expected_close": ["此字段为必填项。"]}
    assert response.json["rules"] == [{"key": "mail_or_phone", "message": "电话和邮箱至少填一个"}]
    fixed = mgr.post("/api/v1/records/lead", {"name": "大单", "budget": 2000000, "phone": "138",
                                              "expected_close": "2026-12-31"})
    assert fixed.status_code == 201


def test_computed_fields_cannot_be_written(crm):
    response = crm.api("mgr").post("/api/v1/records/lead", {"name": "x", "phone": "1", "weighted": 5,
                                                             "code": "X"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"weighted", "code"}


def test_update_history_and_last_activity(crm):
    mgr = crm.api("mgr")
    lead = mgr.post("/api/v1/records/lead", {"name": "旧名", "phone": "1"}).json
    changed = mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"name": "新名", "version": 1})
    assert changed.status_code == 200 and changed.json["version"] == 2
    assert changed.json["last_activity_at"] >= lead["last_activity_at"]
    history = mgr.get(f"/api/v1/records/lead/{lead['id']}/history").json["history"]
    latest = history[0]
    assert (latest["action"], latest["field"], latest["old"], latest["new"]) == ("update", "name", "旧名", "新名")
    assert latest["actor"]["username"] == "mgr"
    timeline = mgr.get(f"/api/v1/records/lead/{lead['id']}/timeline").json["timeline"]
    assert timeline[0]["kind"] == "change" and timeline[0]["field"] == "name"
    same = mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"name": "新名", "version": 2})
    assert same.json["version"] == 2                         # nothing changed, no new version


def test_stale_version_is_409_with_the_current_version(crm):
    mgr = crm.api("mgr")
    lead = mgr.post("/api/v1/records/lead", {"name": "x", "phone": "1"}).json
    assert mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"name": "y", "version": 1}).status_code == 200
    stale = mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"name": "z", "version": 1})
    assert stale.status_code == 409 and stale.json["current_version"] == 2
    missing = mgr.patch(f"/api/v1/records/lead/{lead['id']}", {"name": "z"})
    assert missing.status_code == 428 and missing.json["error"]["code"] == "version_required"
    assert mgr.get(f"/api/v1/records/lead/{lead['id']}").json["name"] == "y"


def test_soft_delete_restore_and_restricted_parent(crm):
    mgr = crm.api("mgr")
    h = hospital(mgr)
    lead = mgr.post("/api/v1/records/lead", {"name": "x", "phone": "1", "hospital": h["id"]}).json
    refused = mgr.delete(f"/api/v1/records/hospital/{h['id']}")
    assert refused.status_code == 422 and "lead" in refused.json["error"]["message"]
    assert mgr.delete(f"/api/v1/records/lead/{lead['id']}").status_code == 204
    assert mgr.get(f"/api/v1/records/lead/{lead['id']}").status_code == 404
    table = crm.extensions["crm"].schema_cache.peek(1).table("lead") if crm.extensions["crm"].schema_cache.peek(1) else None
    with crm.extensions["crm"].engine.connect() as conn:
        row = conn.execute(sa.text("SELECT deleted_at FROM obj_lead WHERE id = :i"), {"i": lead["id"]}).first()
    assert row.deleted_at is not None                        # kept, not destroyed
    restored = mgr.post(f"/api/v1/records/lead/{lead['id']}/restore")
    assert restored.status_code == 200 and restored.json["name"] == "x"
    actions = [h["action"] for h in mgr.get(f"/api/v1/records/lead/{lead['id']}/history").json["history"]]
    assert actions[:2] == ["restore", "delete"]
    del table


def test_cascade_deletes_children_softly(crm):
    mgr = crm.api("mgr")
    h = hospital(mgr, nda_signed=True)
    doc = mgr.post("/api/v1/records/document", {"title": "NDA", "hospital": h["id"]}).json
    assert mgr.delete(f"/api/v1/records/hospital/{h['id']}").status_code == 204
    assert mgr.get(f"/api/v1/records/document/{doc['id']}").status_code == 404


def test_unique_values(crm):
    mgr = crm.api("mgr")
    hospital(mgr, name="华山医院")
    dup = mgr.post("/api/v1/records/hospital", {"name": "华山医院"}, headers={"Accept-Language": "en"})
    assert dup.status_code == 422 and dup.json["errors"]["name"] == ["This value is already used by another record."]


def test_list_filter_sort_and_keyset_pages(crm):
    mgr = crm.api("mgr")
    for i in range(7):
        mgr.post("/api/v1/records/lead", {"name": f"L{i}", "phone": "1", "budget": i * 10})
    page = mgr.get("/api/v1/records/lead?filter=budget >= 20&sort=-budget&per_page=2").json
    assert [r["name"] for r in page["records"]] == ["L6", "L5"]
    assert page["has_more"] and page["total"] == {"value": 5, "exact": True}
    names = [r["name"] for r in page["records"]]
    while page["has_more"]:
        page = mgr.get(f"/api/v1/records/lead?filter=budget >= 20&sort=-budget&per_page=2"
                       f"&cursor={page['next_cursor']}").json
        names += [r["name"] for r in page["records"]]
    assert names == ["L6", "L5", "L4", "L3", "L2"]
    capped = mgr.get("/api/v1/records/lead?per_page=100000").json
    assert len(capped["records"]) == 7


def test_blank_values_sort_last_and_page_correctly(crm):
    mgr = crm.api("mgr")
    for i, budget in enumerate([None, 5, None, 1]):
        mgr.post("/api/v1/records/lead", {"name": f"B{i}", "phone": "1", "budget": budget})
    names, cursor = [], ""
    while True:
        page = mgr.get(f"/api/v1/records/lead?sort=budget&per_page=1{cursor}").json
        names += [r["name"] for r in page["records"]]
        if not page["has_more"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert names == ["B3", "B1", "B0", "B2"]


def test_user_paths_read_the_owners_attributes_in_filters(crm):
    crm.api("rep1").post("/api/v1/records/lead", {"name": "骨科的", "phone": "1"})
    crm.api("outsider").post("/api/v1/records/lead", {"name": "华南的", "phone": "1"})
    boss = crm.api("boss")
    page = boss.get("/api/v1/records/lead", query_string={"filter": "owner.team = '骨科产品组'"}).json
    assert [r["name"] for r in page["records"]] == ["骨科的"]
    page = boss.get("/api/v1/records/lead", query_string={"filter": "owner.username = 'outsider'"}).json
    assert [r["name"] for r in page["records"]] == ["华南的"]
