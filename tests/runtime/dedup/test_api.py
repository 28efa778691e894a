"""Duplicate rules through the REST API, on SQLite and PostgreSQL: block, warn, merge-on-create,
and merging two records with children relinked and history kept."""
from __future__ import annotations

import pytest

import schema_store

from tests.runtime.dedup.app_doc import document

LEADS = "/api/v1/records/lead"


def test_block_rule_refuses_the_same_mobile_written_differently(crm):
    rep = crm.api("rep")
    first = rep.post(LEADS, {"name": "张三", "phone": "138 0013 8000"})
    assert first.status_code == 201, first.json
    second = rep.post(LEADS, {"name": "张三丰", "phone": "+86-138-0013-8000"})
    assert second.status_code == 422
    message = second.json["errors"]["phone"][0]
    assert "A lead with this mobile exists" in message and f"#{first.json['id']} 张三" in message
    assert rep.get(LEADS).json["total"]["value"] == 1


def test_block_message_is_localized(crm):
    rep = crm.api("rep")
    rep.post(LEADS, {"name": "张三", "phone": "13800138000"})
    zh = rep.client.post(LEADS, json={"name": "李四", "phone": "13800138000"},
                         headers={**rep._h(), "Accept-Language": "zh-CN"})
    assert "该手机号的线索已存在" in zh.json["errors"]["phone"][0]


def test_an_update_does_not_match_itself_but_does_match_another(crm):
    rep = crm.api("rep")
    a = rep.post(LEADS, {"name": "A", "phone": "13800138000"}).json
    b = rep.post(LEADS, {"name": "B", "phone": "13900139000"}).json
    same = rep.patch(f"{LEADS}/{a['id']}", {"phone": "138-0013-8000", "city": "上海", "version": a["version"]})
    assert same.status_code == 200, same.json
    clash = rep.patch(f"{LEADS}/{b['id']}", {"phone": "(+86) 13800138000", "version": b["version"]})
    assert clash.status_code == 422 and "phone" in clash.json["errors"]


def test_a_deleted_record_no_longer_blocks_and_a_restored_one_does_again(crm):
    mgr = crm.api("mgr")
    a = mgr.post(LEADS, {"name": "A", "phone": "13800138000"}).json
    assert mgr.client.delete(f"{LEADS}/{a['id']}", headers=mgr._h()).status_code == 204
    b = mgr.post(LEADS, {"name": "B", "phone": "13800138000"})
    assert b.status_code == 201
    mgr.client.delete(f"{LEADS}/{b.json['id']}", headers=mgr._h())
    mgr.post(f"{LEADS}/{a['id']}/restore")
    assert mgr.post(LEADS, {"name": "C", "phone": "13800138000"}).status_code == 422


def test_warn_rule_saves_and_reports_the_possible_duplicate(crm):
    rep = crm.api("rep")
    a = rep.post(LEADS, {"name": "王五", "company": "北京字节跳动科技有限公司"}).json
    b = rep.post(LEADS, {"name": "赵六", "company": "字节跳动科技有限公司"})
    assert b.status_code == 201
    dup = b.json["possible_duplicates"]
    assert [d["id"] for d in dup] == [a["id"]] and dup[0]["rule"] == "lead_company" and dup[0]["score"] >= 85
    # both records show it; an unrelated company does not
    assert rep.get(f"{LEADS}/{a['id']}").json["possible_duplicates"][0]["id"] == b.json["id"]
    c = rep.post(LEADS, {"name": "钱七", "company": "上海联影医疗科技股份有限公司"})
    assert "possible_duplicates" not in c.json


def test_merge_rule_fills_the_existing_record_instead_of_creating_one(crm):
    rep = crm.api("rep")
    a = rep.post(LEADS, {"name": "孙八", "email": "Sun.Ba@Example.com"}).json
    again = rep.post(LEADS, {"name": "孙八 (展会)", "email": "SUN.BA@example.com", "city": "深圳"})
    assert again.status_code == 200, again.json
    assert again.json["id"] == a["id"] and again.json["merged_incoming"] is True
    assert again.json["city"] == "深圳" and again.json["name"] == "孙八"  # blanks filled, values kept
    assert rep.get(LEADS).json["total"]["value"] == 1
    actions = [h["action"] for h in rep.get(f"{LEADS}/{a['id']}/history").json["history"]]
    assert "merge" in actions and "update" in actions


def test_merge_two_records_relinks_children_and_keeps_history(crm):
    mgr = crm.api("mgr")
    keep = mgr.post(LEADS, {"name": "周九", "phone": "13800138000", "company": "联影"}).json
    gone = mgr.post(LEADS, {"name": "周九 2", "phone": "13900139000", "city": "杭州", "company": "联影医疗"}).json
    act = mgr.post("/api/v1/records/activity", {"subject": "首次拜访", "lead": gone["id"]}).json
    out = mgr.post(f"{LEADS}/{keep['id']}/merge", {"other": gone["id"], "version": keep["version"],
                                                   "winners": {"phone": "other"}})
    assert out.status_code == 200, out.json
    survivor = out.json
    assert survivor["phone"] == "+8613900139000" or survivor["phone"].replace(" ", "").endswith("13900139000")
    assert survivor["city"] == "杭州"          # blank on the survivor: taken by default
    assert survivor["company"] == "联影"        # survivor wins unless chosen otherwise
    assert survivor["activities"] == 1          # roll-up follows the relinked child
    assert mgr.get(f"/api/v1/records/activity/{act['id']}").json["lead"] == keep["id"]
    history = mgr.get(f"{LEADS}/{keep['id']}/history").json["history"]
    merge = next(h for h in history if h["action"] == "merge")
    assert merge["new"]["merged_id"] == gone["id"] and set(merge["new"]["taken"]) == {"phone", "city"}
    timeline = mgr.get(f"{LEADS}/{keep['id']}/timeline").json["timeline"]
    assert any(e["kind"] == "merge" and e["merged_id"] == gone["id"] for e in timeline)
    # the merged record is archived, says where it went, and its own history stays readable
    old = mgr.get(f"{LEADS}/{gone['id']}")
    assert old.status_code == 410 and old.json["merged_into"] == keep["id"]
    old_history = mgr.get(f"{LEADS}/{gone['id']}/history").json["history"]
    assert {"merged", "delete", "create"} <= {h["action"] for h in old_history}
    assert mgr.get(LEADS).json["total"]["value"] == 1
    # the old phone no longer blocks, the survivor's new one does
    assert mgr.post(LEADS, {"name": "x", "phone": "13800138000"}).status_code == 201
    assert mgr.post(LEADS, {"name": "y", "phone": "13900139000"}).status_code == 422


def test_merge_refusals_are_clear_and_change_nothing(crm):
    rep, mgr = crm.api("rep"), crm.api("mgr")
    a = mgr.post(LEADS, {"name": "A", "city": "北京"}).json
    b = mgr.post(LEADS, {"name": "B", "city": "上海"}).json
    assert rep.post(f"{LEADS}/{a['id']}/merge", {"other": b["id"]}).status_code == 403  # no delete for reps
    bad = mgr.post(f"{LEADS}/{a['id']}/merge", {"other": b["id"], "winners": {"city": "both", "nope": "other"}})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"winners.city", "winners.nope"}
    assert mgr.post(f"{LEADS}/{a['id']}/merge", {"other": a["id"]}).status_code == 422
    assert mgr.post(f"{LEADS}/{a['id']}/merge", {"other": "b"}).status_code == 422
    assert mgr.post(f"{LEADS}/{a['id']}/merge", {"other": 999999}).status_code == 422
    stale = mgr.post(f"{LEADS}/{a['id']}/merge", {"other": b["id"], "version": a["version"] + 5,
                                                  "winners": {"city": "other"}})
    assert stale.status_code == 409
    assert mgr.get(LEADS).json["total"]["value"] == 2 and mgr.get(f"{LEADS}/{b['id']}").status_code == 200
    assert mgr.get(f"{LEADS}/{a['id']}").json["city"] == "北京"


def test_a_rule_added_later_finds_records_saved_before_it(crm):
    mgr = crm.api("mgr")
    schema_store.publish(crm.extensions["crm"].engine, document())  # same rules; then one more
    doc = document()
    doc["duplicates"]["lead_city_name"] = {"object": "lead", "action": "block",
                                           "match": [{"field": "name", "normalize": "text"},
                                                     {"field": "city", "normalize": "text"}]}
    mgr.post(LEADS, {"name": "Old Lead", "city": "Shanghai"})
    schema_store.publish(crm.extensions["crm"].engine, doc)
    refused = mgr.post(LEADS, {"name": "old  lead", "city": "ＳＨＡＮＧＨＡＩ"})
    assert refused.status_code == 422 and "name" in refused.json["errors"]


def test_saves_for_public_visitors_never_name_the_existing_record(crm):
    from runtime.records import Invalid, RecordService
    from runtime.users import Actor
    crm.api("rep").post(LEADS, {"name": "秘密客户", "phone": "13800138000"})
    svc = crm.extensions["crm"]
    visitor = RecordService(svc, Actor(id=0, username="system", role="admin"), source="form:web", lang="en")
    with crm.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(Invalid) as refused:
        visitor.create("lead", {"name": "x", "phone": "13800138000"})
    assert refused.value.errors == {"phone": ["A lead with this mobile exists: an existing record"]}


def test_a_save_of_the_same_mobile_waits_for_the_first_one_to_commit(crm):
    import threading

    from runtime.records import RecordService
    from runtime.users import find_user_id, get_actor
    svc = crm.extensions["crm"]
    second = crm.api("mgr")
    results = []
    with svc.engine.connect() as conn:
        actor = get_actor(conn, find_user_id(conn, "mgr"))
    with crm.test_request_context(), svc.engine.connect() as conn, conn.begin():
        RecordService(svc, actor).create("lead", {"name": "first", "phone": "13800138000"}, conn=conn)
        racer = threading.Thread(target=lambda: results.append(
            second.post(LEADS, {"name": "second", "phone": "+86 138 0013 8000"}).status_code))
        racer.start()
        racer.join(1.5)
        assert racer.is_alive() and results == []          # it waits instead of slipping through
    racer.join(20)
    assert results == [422]


def test_a_possible_duplicate_can_be_dismissed_and_merged_ids_answer_every_method(crm):
    rep, mgr = crm.api("rep"), crm.api("mgr")
    a = rep.post(LEADS, {"name": "A", "company": "杭州云启科技有限公司"}).json
    b = rep.post(LEADS, {"name": "B", "company": "杭州云启科技"}).json
    assert b["possible_duplicates"][0]["id"] == a["id"]
    out = rep.post(f"{LEADS}/{a['id']}/duplicates/{b['id']}/dismiss")
    assert out.status_code == 200 and out.json == {"possible_duplicates": []}
    assert "possible_duplicates" not in rep.get(f"{LEADS}/{b['id']}").json
    mgr.post(f"{LEADS}/{a['id']}/merge", {"other": b["id"]})
    stale = mgr.patch(f"{LEADS}/{b['id']}", {"city": "x", "version": 1})
    assert stale.status_code == 410 and stale.json["merged_into"] == a["id"]
    assert mgr.get(f"{LEADS}/999999").status_code == 404


def test_crossing_merges_of_the_same_two_records_end_in_one_merge_never_an_error(crm):
    """A into B and B into A at the same moment: the rows are locked in id order, so one merge
    wins and the other is told the record is gone (no deadlock, no 500)."""
    import threading
    mgr = crm.api("mgr")
    for round_ in range(3):
        a = mgr.post(LEADS, {"name": f"甲{round_}", "phone": f"1380013800{round_}"}).json
        b = mgr.post(LEADS, {"name": f"乙{round_}", "phone": f"1390013900{round_}"}).json
        statuses: list[int] = []
        barrier = threading.Barrier(2)

        def merge(into, other, client):
            barrier.wait()
            statuses.append(client.post(f"{LEADS}/{into['id']}/merge", {"other": other["id"]}).status_code)
        threads = [threading.Thread(target=merge, args=(a, b, crm.api("mgr"))),
                   threading.Thread(target=merge, args=(b, a, crm.api("mgr")))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(statuses)[0] == 200 and sorted(statuses)[1] in (404, 409, 410, 422), statuses
