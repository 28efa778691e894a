"""S12, the duplicate half, on the B2B sales pack (starter_templates/b2b_sales, its rules
b2b_same_phone and b2b_same_email): a lead whose mobile or email is already known is refused
however it is written, naming the existing lead only to those who may see it; two leads of the same
person that slipped in under different contacts are merged by the manager, the survivor
keeps the history and the chosen values, and the merged lead's id says where it went. SQLite and
PostgreSQL. (The import half of S12 is proven with the CSV importer.)"""
from __future__ import annotations

from tests.e2e.test_b2b_pack import b2b  # noqa: F401 - the pack on an empty instance, with its people

LEAD = "/api/v1/records/b2b_lead"


def lead(api, company, **kw):
    r = api.post(LEAD, {"company": company, "industry": "教育", "region": "华东", **kw})
    assert r.status_code == 201, r.json
    return r.json


def test_s12_a_known_mobile_or_email_is_refused_however_it_is_written(b2b):
    rep1, rep2 = b2b.api("rep1"), b2b.api("rep2")
    first = lead(rep1, "杭州云启科技有限公司", contact_name="李明", phone="138 0013 8000", email="Li.Ming@yunqi.cn")
    again = rep1.post(LEAD, {"company": "云启科技", "industry": "教育", "region": "华东", "phone": "+86-138-0013-8000"})
    assert again.status_code == 422
    assert again.json["errors"]["phone"] == [f"该手机号的线索已存在：#{first['id']} 杭州云启科技有限公司"]
    # rep2 may not read rep1's lead: still refused, but the lead's name is not disclosed
    other = rep2.post(LEAD, {"company": "云启", "industry": "教育", "region": "华东", "email": "LI.MING@YUNQI.CN"})
    assert other.status_code == 422 and other.json["errors"]["email"] == [f"该邮箱的线索已存在：#{first['id']}"]
    full_width = rep2.post(LEAD, {"company": "云启", "industry": "教育", "region": "华东", "phone": "１３８００１３８０００"})
    assert full_width.status_code == 422 and "phone" in full_width.json["errors"]
    assert b2b.api("mgr").get(LEAD).json["total"]["value"] == 1
    # an edit that keeps the lead's own mobile is not a duplicate of itself
    edited = rep1.patch(f"{LEAD}/{first['id']}", {"phone": "13800138000", "job_title": "CTO",
                                                  "version": first["version"]})
    assert edited.status_code == 200, edited.json


def test_s12_two_leads_of_one_person_are_merged_and_the_old_id_says_where_it_went(b2b):
    rep1, mgr = b2b.api("rep1"), b2b.api("mgr")
    keep = lead(rep1, "杭州云启科技有限公司", contact_name="李明", phone="13800138000")
    dup = lead(rep1, "云启科技（杭州）", contact_name="李明", phone="13900139000", email="lm@yunqi.cn",
               job_title="技术总监")
    assert rep1.post(f"{LEAD}/{keep['id']}/merge", {"other": dup["id"]}).status_code == 403   # reps cannot delete
    merged = mgr.post(f"{LEAD}/{keep['id']}/merge", {"other": dup["id"], "version": keep["version"],
                                                     "winners": {"company": "survivor"}})
    assert merged.status_code == 200, merged.json
    survivor = merged.json
    assert survivor["id"] == keep["id"] and survivor["merged"] == dup["id"]
    assert survivor["email"] == "lm@yunqi.cn" and survivor["job_title"] == "技术总监"   # blanks filled
    assert survivor["company"] == "杭州云启科技有限公司" and survivor["phone"] == "13800138000"
    history = mgr.get(f"{LEAD}/{keep['id']}/history").json["history"]
    entry = next(h for h in history if h["action"] == "merge")
    assert entry["new"]["merged_id"] == dup["id"] and "email" in entry["new"]["taken"]
    assert {h["field"] for h in history if h["action"] == "update"} >= {"email", "job_title"}
    gone = mgr.get(f"{LEAD}/{dup['id']}")
    assert gone.status_code == 410 and gone.json["merged_into"] == keep["id"]
    assert "已合并到" in gone.json["error"]["message"]
    assert any(h["action"] == "merged" for h in mgr.get(f"{LEAD}/{dup['id']}/history").json["history"])
    # the merged-away mobile is free again; the survivor's email now blocks
    fresh = rep1.post(LEAD, {"company": "新客户", "industry": "教育", "region": "华东", "phone": "13900139000"})
    assert fresh.status_code == 201
    blocked = rep1.post(LEAD, {"company": "再来", "industry": "教育", "region": "华东", "email": "LM@yunqi.cn"})
    assert blocked.status_code == 422 and f"#{keep['id']}" in blocked.json["errors"]["email"][0]
