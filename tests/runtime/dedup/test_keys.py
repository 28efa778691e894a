"""The indexed keys: kept by the save, backfilled in batches for records saved before a rule, run to
the end by ``crm tick``, replaced when a rule changes; and fuzzy matching through blocking grams."""
from __future__ import annotations

import sqlalchemy as sa

import schema_store
from runtime.dedup import find_matches
from runtime.dedup.keys import backfill
from runtime.dedup.rules import rules_for
from runtime.dedup.tables import dedup_keys, dedup_rule_state
from runtime.stages.tick import run_tick
from tests.runtime.dedup.app_doc import document

LEADS = "/api/v1/records/lead"


def _keys(app, rule_prefix):
    with app.extensions["crm"].engine.connect() as conn:
        return conn.execute(sa.select(dedup_keys.c.record_id, dedup_keys.c.key).where(
            dedup_keys.c.rule.startswith(rule_prefix), dedup_keys.c.kind == "k")
            .order_by(dedup_keys.c.record_id)).all()


def _schema(app):
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        return svc.schema_cache.get(conn)


def test_backfill_runs_in_batches_and_tick_finishes_it(crm):
    mgr = crm.api("mgr")
    ids = [mgr.post(LEADS, {"name": f"L{i}", "city": f" City {i % 3}"}).json["id"] for i in range(5)]
    doc = document()
    doc["duplicates"]["by_city"] = {"object": "lead", "action": "warn",
                                    "match": [{"field": "city", "normalize": "text"}]}
    schema_store.publish(crm.extensions["crm"].engine, doc)
    schema = _schema(crm)
    rule = next(r for r in rules_for(schema, "lead") if r.name == "by_city")
    with schema_store.database.begin_write(crm.extensions["crm"].engine) as conn:
        assert backfill(conn, schema, rule, batch=2) is False
    assert [k.record_id for k in _keys(crm, "by_city:")] == ids[:2]
    report = run_tick(crm.extensions["crm"])
    assert "error" not in report["dedup_backfill"]
    assert [(k.record_id, k.key) for k in _keys(crm, "by_city:")] == [(i, f"city {n % 3}") for n, i in enumerate(ids)]
    with crm.extensions["crm"].engine.connect() as conn:
        assert conn.execute(sa.select(dedup_rule_state.c.done).where(
            dedup_rule_state.c.rule.startswith("by_city:"))).scalar() is True
        assert [m.record_id for m in find_matches(conn, schema, "lead", {"city": "CITY 0"})] == [ids[0], ids[3]]


def test_a_changed_rule_reindexes_and_drops_its_old_keys(crm):
    mgr = crm.api("mgr")
    a = mgr.post(LEADS, {"name": "A", "phone": "13800138000"}).json
    old = _keys(crm, "lead_phone:")
    assert old == [(a["id"], "+8613800138000")]
    doc = document()
    doc["duplicates"]["lead_phone"]["match"] = [{"field": "phone", "normalize": "exact"}]
    schema_store.publish(crm.extensions["crm"].engine, doc)
    refused = mgr.post(LEADS, {"name": "B", "phone": "13800138000"})        # the save backfills first
    assert refused.status_code == 422                                        # (and rolls it back with itself)
    c = mgr.post(LEADS, {"name": "C", "phone": "+86 13800138000"})
    assert c.status_code == 201                                              # exact now: a different value
    assert _keys(crm, "lead_phone:") == [(a["id"], "13800138000"), (c.json["id"], "+86 13800138000")]


def test_fuzzy_rule_finds_near_names_only_through_shared_grams(crm):
    mgr = crm.api("mgr")
    near = mgr.post(LEADS, {"name": "A", "company": "深圳迈瑞生物医疗电子股份有限公司"}).json["id"]
    for i, name in enumerate(["北京协和医院", "上海联影医疗科技", "杭州云启科技", "ACME Co., Ltd."]):
        mgr.post(LEADS, {"name": f"x{i}", "company": name})
    schema = _schema(crm)
    with crm.extensions["crm"].engine.connect() as conn:
        found = find_matches(conn, schema, "lead", {"company": "迈瑞生物医疗电子有限公司"})
        assert [(m.record_id, m.rule) for m in found] == [(near, "lead_company")] and 85 <= found[0].score < 100
        assert find_matches(conn, schema, "lead", {"company": "迈瑞"}) == []
        assert [m.score for m in find_matches(conn, schema, "lead", {"company": "ACME Inc"})] == [100.0]


def test_merge_rule_on_update_only_flags(crm):
    mgr = crm.api("mgr")
    a = mgr.post(LEADS, {"name": "A", "email": "a@x.cn"}).json
    b = mgr.post(LEADS, {"name": "B", "email": "b@x.cn"}).json
    changed = mgr.patch(f"{LEADS}/{b['id']}", {"email": "A@X.CN", "version": b["version"]})
    assert changed.status_code == 200 and changed.json["id"] == b["id"]
    assert changed.json["possible_duplicates"][0]["id"] == a["id"]
    assert mgr.get(LEADS).json["total"]["value"] == 2


def test_an_edit_recomputes_only_the_flags_of_the_rules_it_touches(crm):
    mgr = crm.api("mgr")
    doc = document()
    doc["duplicates"]["by_city"] = {"object": "lead", "action": "warn",
                                    "match": [{"field": "city", "normalize": "text"}]}
    schema_store.publish(crm.extensions["crm"].engine, doc)
    a = mgr.post(LEADS, {"name": "A", "company": "杭州云启科技有限公司", "city": "杭州"}).json
    b = mgr.post(LEADS, {"name": "B", "company": "杭州云启科技", "city": "宁波"}).json
    assert [(d["id"], d["rule"]) for d in b["possible_duplicates"]] == [(a["id"], "lead_company")]
    moved = mgr.patch(f"{LEADS}/{b['id']}", {"city": "温州", "version": b["version"]}).json
    assert [(d["id"], d["rule"]) for d in moved["possible_duplicates"]] == [(a["id"], "lead_company")]
    same_city = mgr.patch(f"{LEADS}/{b['id']}", {"company": "完全不同的公司", "city": "杭州",
                                                 "version": moved["version"]}).json
    assert [(d["id"], d["rule"]) for d in same_city["possible_duplicates"]] == [(a["id"], "by_city")]
