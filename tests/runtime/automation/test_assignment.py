"""Assignment strategies and the routing-table semantics, called directly."""
from __future__ import annotations

from runtime.automation import assignment
from runtime.users import find_user_id
from schema_store.database import begin_write


def test_least_open_picks_the_member_with_the_fewest_open_records(auto_app):
    boss = auto_app.api("boss")
    rep1 = auto_app.api("rep1").user_id
    for i in range(3):
        boss.post("/api/v1/records/lead", json={"name": f"L{i}", "owner": rep1})
    svc = auto_app.extensions["crm"]
    with begin_write(svc.engine) as conn:
        schema = svc.schema_cache.get(conn)
        picked = assignment.resolve(conn, schema, "lead", {"kind": "team", "team": "ortho", "strategy": "least_open"},
                                    {})
        assert picked.user_id == find_user_id(conn, "rep2") and picked.team == "ortho"


def test_a_named_owner_on_create_is_not_rerouted_and_an_empty_team_falls_through(auto_app):
    boss, rep3 = auto_app.api("boss"), auto_app.api("rep3")
    lead = boss.post("/api/v1/records/lead", json={"name": "指定", "owner": rep3.user_id, "customer_type": "三甲医院",
                                                  "categories": ["导航系统"]}).json
    assert lead["owner"] == rep3.user_id
    assert boss.get(f"/api/v1/records/lead/{lead['id']}/assignments").json == {"pool": None, "decisions": []}
    svc = auto_app.extensions["crm"]
    with begin_write(svc.engine) as conn:
        schema = svc.schema_cache.get(conn)
        assert assignment.resolve(conn, schema, "lead", {"kind": "team", "team": "nobody"}, {}).user_id is None


def test_approval_endpoints_refuse_unknown_ids_and_bad_batches(auto_app):
    mgr = auto_app.api("mgr")
    assert mgr.post("/api/v1/approvals/99/approve").status_code == 404
    assert mgr.get(f"/api/v1/approvals/{2**40}").status_code == 404
    assert mgr.post("/api/v1/approvals/batch", json={"ids": [], "decision": "approve"}).status_code == 422
    assert mgr.post("/api/v1/approvals/batch", json={"ids": [1], "decision": "maybe"}).status_code == 422
    assert mgr.get("/api/v1/approvals?status=odd").status_code == 400
    assert mgr.post(f"/api/v1/records/lead/{2**40}/claim").status_code == 404


def test_a_stage_overdue_rule_runs_once_per_level_and_entry(auto_app):
    from runtime.automation import rules
    from runtime.outbox import sweep
    boss, rep1, mgr = auto_app.api("boss"), auto_app.api("rep1"), auto_app.api("mgr")
    lead = boss.post("/api/v1/records/lead", json={"name": "华山", "owner": rep1.user_id}).json
    svc = auto_app.extensions["crm"]
    payload = {"object": "lead", "record_id": lead["id"], "stage": "demo_booked", "level": "red",
               "anchor_at": "2026-03-02T01:00:00+00:00"}
    for _ in range(2):  # the SLA sweep fires a level once; even if it fired twice the rule acts once
        with begin_write(svc.engine) as conn:
            rules.stage_overdue(svc, conn, payload)
    with begin_write(svc.engine) as conn:
        rules.stage_overdue(svc, conn, {**payload, "level": "yellow"})  # another level: no rule
    sweep(svc, auto_app.clock.now())
    made = boss.get(f"/api/v1/records/lead/{lead['id']}/tasks").json["tasks"]
    assert [(t["title"], t["assignee_id"]) for t in made] == [("确认演示：华山", mgr.user_id)]


def test_crm_tick_turns_a_stuck_demo_into_a_task_for_the_manager(auto_app):
    from runtime.stages.tick import run_tick
    boss, rep1, mgr = auto_app.api("boss"), auto_app.api("rep1"), auto_app.api("mgr")
    lead = boss.post("/api/v1/records/lead", json={"name": "仁济", "owner": rep1.user_id}).json
    assert rep1.post(f"/api/v1/records/lead/{lead['id']}/stage", json={"to": "demo_booked"}).status_code == 200
    svc = auto_app.extensions["crm"]
    auto_app.clock.advance(hours=73)
    result = run_tick(svc, auto_app.clock.now())
    assert "error" not in result["automation"]
    run_tick(svc, auto_app.clock.now())
    made = boss.get(f"/api/v1/records/lead/{lead['id']}/tasks").json["tasks"]
    assert [(t["title"], t["assignee_id"]) for t in made] == [("确认演示：仁济", mgr.user_id)]
