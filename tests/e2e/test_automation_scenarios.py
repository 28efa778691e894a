"""The automation scenarios, driven through the REST API with time moved by the injectable clock.
Every test runs on SQLite and on PostgreSQL (inline dispatch); tests/runtime/automation has the
Redis + ``rq worker`` variants and the faults."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from runtime.automation import sweep_automation
from runtime.automation.tables import tasks
from runtime.notifications.tables import notifications
from tests.runtime.automation.conftest import any_auto_app  # noqa: F401 - fixture


def inbox_of(app, name):
    return app.api(name).get("/api/v1/notifications").json


def notes_for(app, user_id):
    with app.extensions["crm"].engine.connect() as conn:
        return [r.body for r in conn.execute(sa.select(notifications).where(notifications.c.user_id == user_id)
                                             .order_by(notifications.c.id))]


def tasks_of(app, object_name, record_id):
    return app.api("boss").get(f"/api/v1/records/{object_name}/{record_id}/tasks").json["tasks"]


def test_s4_same_fault_from_three_hospitals_in_30_days_notifies_rnd_once(any_auto_app):
    app = any_auto_app
    boss, rep = app.api("boss"), app.api("rep1")
    fault = boss.post("/api/v1/records/fault_type", json={"name": "导航漂移"}).json["id"]
    hospitals = [boss.post("/api/v1/records/hospital", json={"name": f"医院{i}"}).json["id"] for i in range(4)]
    eng = app.api("eng")
    # an old report, 40 days ago, does not count
    app.clock.advance(days=-40)
    rep.post("/api/v1/records/ticket", json={"hospital": hospitals[3], "fault": fault, "scene": "脊柱"})
    app.clock.advance(days=40)
    for h in (hospitals[0], hospitals[0], hospitals[1]):
        assert rep.post("/api/v1/records/ticket", json={"hospital": h, "fault": fault}).status_code == 201
    assert notes_for(app, eng.user_id) == []
    rep.post("/api/v1/records/ticket", json={"hospital": hospitals[2], "fault": fault})   # third hospital
    rep.post("/api/v1/records/ticket", json={"hospital": hospitals[3], "fault": fault})   # a fourth: no repeat
    bodies = notes_for(app, eng.user_id)
    assert len(bodies) == 1 and "导航漂移" in bodies[0] and "3 家医院" in bodies[0]
    assert len(notes_for(app, app.api("eng2").user_id)) == 1  # the whole R&D team, once each


def test_s6_navigation_leads_go_round_robin_to_ortho_others_to_the_public_pool(any_auto_app):
    app = any_auto_app
    ana = app.api("boss")
    rep1, rep2, rep3 = app.api("rep1"), app.api("rep2"), app.api("rep3")
    owners = []
    for i in range(4):
        r = ana.post("/api/v1/records/lead", json={"name": f"L{i}", "customer_type": "三甲医院",
                                                   "categories": ["导航系统", "关节"]})
        owners.append(r.json["owner"])
    assert owners == [rep1.user_id, rep2.user_id, rep1.user_id, rep2.user_id]
    log = ana.get(f"/api/v1/records/lead/{1}/assignments").json
    assert log["decisions"][0]["entry"] == "navigation" and log["decisions"][0]["team"] == "ortho"
    assert any("打法手册" in n for n in notes_for(app, rep1.user_id))  # the playbook was pushed
    other = ana.post("/api/v1/records/lead", json={"name": "民营", "customer_type": "民营医院"}).json
    assert other["owner"] is None
    log = ana.get(f"/api/v1/records/lead/{other['id']}/assignments").json
    assert log["pool"] == "public_sea" and log["decisions"][-1]["entry"] == "fallback"
    claimed = rep3.post(f"/api/v1/records/lead/{other['id']}/claim")
    assert claimed.status_code == 200 and claimed.json["owner"] == rep3.user_id
    assert rep1.post(f"/api/v1/records/lead/{other['id']}/claim").status_code == 409
    assert rep1.post(f"/api/v1/records/lead/{other['id']}/release").status_code == 403
    assert rep3.post(f"/api/v1/records/lead/{other['id']}/release").json["pool"] == "public_sea"
    assert ana.get(f"/api/v1/records/lead/{other['id']}").json["owner"] is None
    kinds = [d["source"] for d in ana.get(f"/api/v1/records/lead/{other['id']}/assignments").json["decisions"]]
    assert kinds == ["route:lead_routing", "claim", "release"]
    owners = [(h["old"], h["new"]) for h in ana.get(f"/api/v1/records/lead/{other['id']}/history").json["history"]
              if h["field"] == "owner"]
    assert owners == [(rep3.user_id, None), (None, rep3.user_id)]   # claim and release are in the history


def test_s9_demo_booked_notifies_the_presales_manager_naming_the_lead(any_auto_app):
    app = any_auto_app
    rep, presales = app.api("rep1"), app.api("presales")
    lead = rep.post("/api/v1/records/lead", json={"name": "华山医院", "presales": presales.user_id,
                                                  "customer_type": "三甲医院", "categories": ["导航系统"]}).json
    owner = app.api("rep1") if lead["owner"] == rep.user_id else app.api("rep2")
    r = owner.post(f"/api/v1/records/lead/{lead['id']}/stage", json={"to": "demo_booked"})
    assert r.status_code == 200, r.json
    assert notes_for(app, presales.user_id) == [f"线索 {lead['id']}（华山医院）已预约演示"]


def test_s10_cross_region_assignment_needs_approval_forwarded_after_two_hours(any_auto_app):
    app = any_auto_app
    boss, rep1, rep3 = app.api("boss"), app.api("rep1"), app.api("rep3")
    mgr, director = app.api("mgr"), app.api("director")
    leads = []
    for i in range(3):
        lead = boss.post("/api/v1/records/lead", json={"name": f"学校{i}", "industry": "教育",
                                                      "owner": rep1.user_id}).json
        leads.append(lead["id"])
        r = rep1.patch(f"/api/v1/records/lead/{lead['id']}", json={"new_owner": rep3.user_id, "version": lead["version"]})
        assert r.status_code == 200, r.json
    # a same-region change needs no approval
    same = boss.post("/api/v1/records/lead", json={"name": "同区", "industry": "教育", "owner": rep1.user_id}).json
    rep1.patch(f"/api/v1/records/lead/{same['id']}", json={"new_owner": app.api("rep2").user_id, "version": 1})
    waiting = mgr.get("/api/v1/approvals").json["approvals"]
    assert [a["record_id"] for a in waiting] == leads
    assert director.get("/api/v1/approvals").json["approvals"] == []
    # reject needs a reason
    first = waiting[0]["id"]
    assert mgr.post(f"/api/v1/approvals/{first}/reject", json={}).status_code == 422
    assert rep3.post(f"/api/v1/approvals/{first}/approve").status_code == 404
    # nobody decides for two hours: the director gets them
    app.clock.advance(hours=2, minutes=1)
    sweep_automation(app.extensions["crm"], app.clock.now())
    assert mgr.get("/api/v1/approvals").json["approvals"] == []
    forwarded = director.get("/api/v1/approvals").json["approvals"]
    assert len(forwarded) == 3
    r = director.post("/api/v1/approvals/batch", json={"ids": [a["id"] for a in forwarded[:2]], "decision": "approve"})
    assert [x["status"] for x in r.json["results"]] == ["approved", "approved"]
    r = director.post(f"/api/v1/approvals/{forwarded[2]['id']}/reject", json={"reason": "区域冲突"})
    assert r.json["status"] == "rejected"
    assert [boss.get(f"/api/v1/records/lead/{i}").json["owner"] for i in leads] == [rep3.user_id, rep3.user_id,
                                                                                   rep1.user_id]
    assert sum("已分配给你" in n for n in notes_for(app, rep3.user_id)) == 2
    assert "线索 学校2 的跨区分配被驳回" in notes_for(app, rep1.user_id)  # an approval_decided rule
    detail = director.get(f"/api/v1/approvals/{forwarded[0]['id']}").json
    assert [e["event"] for e in detail["history"]] == ["started", "forwarded", "approved"]
    assert director.post(f"/api/v1/approvals/{forwarded[0]['id']}/approve").status_code == 409


def test_s14_sample_sent_followup_advances_the_opportunity_and_creates_a_48h_task(any_auto_app):
    app = any_auto_app
    boss, rep = app.api("boss"), app.api("rep1")
    lead = boss.post("/api/v1/records/lead", json={"name": "瑞金", "owner": rep.user_id}).json
    rep.post("/api/v1/records/followup", json={"lead": lead["id"], "content": "电话沟通，价格待定"})
    assert boss.get(f"/api/v1/records/lead/{lead['id']}").json["stage"] == "screened"
    rep.post("/api/v1/records/followup", json={"lead": lead["id"], "content": "样品已寄，等测试报告"})
    assert boss.get(f"/api/v1/records/lead/{lead['id']}").json["stage"] == "sample"
    sent = max(f["id"] for f in boss.get("/api/v1/records/followup").json["records"])
    made = tasks_of(app, "followup", sent)
    assert len(made) == 1 and made[0]["title"] == "跟进样品测试" and made[0]["assignee_id"] == rep.user_id
    due = dt.datetime.fromisoformat(made[0]["due_at"])
    assert due - app.clock.now() == dt.timedelta(hours=48)


def test_s16_contract_expiry_reminders_at_90_30_and_7_days(any_auto_app):
    app = any_auto_app
    rep, svc = app.api("rep1"), app.extensions["crm"]
    today = app.clock.now().astimezone(svc.settings.tz).date()
    rep.post("/api/v1/records/contract", json={"name": "年度维保", "end_date": str(today + dt.timedelta(days=91))})
    sweep_automation(svc, app.clock.now())  # the first sweep only starts the schedule
    got = []
    for _day in range(92):
        app.clock.advance(days=1)
        sweep_automation(svc, app.clock.now())
        sweep_automation(svc, app.clock.now())  # a repeated sweep acts once
        got.append(len(notes_for(app, rep.user_id)))
    assert got[-1] == 3
    assert [got.index(n) + 1 for n in (1, 2, 3)] == [1, 61, 84]


def test_s17_health_bands_create_the_right_tasks(any_auto_app):
    app = any_auto_app
    rep = app.api("rep1")
    ids = {}
    for name, health in (("甲", 90), ("乙", 50), ("丙", 20), ("丁", 70)):
        c = rep.post("/api/v1/records/customer", json={"name": name, "health": 10}).json
        assert rep.patch(f"/api/v1/records/customer/{c['id']}", json={"health": health, "version": 1}).status_code == 200
        ids[name] = c["id"]
    titles = {n: [t["title"] for t in tasks_of(app, "customer", i)] for n, i in ids.items()}
    assert titles == {"甲": ["挽留：甲", "VIP 服务：甲"], "乙": ["挽留：乙", "培育：乙"],
                      "丙": ["挽留：丙", "挽留：丙"], "丁": ["挽留：丁"]}


def test_s21_entering_clinical_trial_creates_a_work_order_for_the_engineer_and_tells_the_rep(any_auto_app):
    app = any_auto_app
    rep, eng = app.api("rep1"), app.api("eng")
    opp = rep.post("/api/v1/records/opportunity", json={"name": "协和", "engineer": eng.user_id}).json
    assert rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "trial"}).status_code == 200
    orders = app.api("boss").get("/api/v1/records/work_order").json["records"]
    assert [(o["title"], o["engineer"], o["opportunity"]) for o in orders] == [("试用支持：协和", eng.user_id, opp["id"])]
    assert "已为 协和 创建服务工单" in notes_for(app, rep.user_id)


def test_s22_entering_legal_review_with_the_draft_sets_expected_close(any_auto_app):
    app = any_auto_app
    rep = app.api("rep1")
    opp = rep.post("/api/v1/records/opportunity", json={"name": "中山", "draft_uploaded_on": "2026-09-28"}).json
    rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "trial"})
    rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "legal"})
    got = rep.get(f"/api/v1/records/opportunity/{opp['id']}").json["expected_close"]
    assert got == "2026-10-13"  # 7 workdays after 9-28 on the holiday calendar (10-1..10-7 off, 10-10 worked)
    bare = rep.post("/api/v1/records/opportunity", json={"name": "无草稿"}).json
    rep.post(f"/api/v1/records/opportunity/{bare['id']}/stage", json={"to": "legal"})
    assert rep.get(f"/api/v1/records/opportunity/{bare['id']}").json["expected_close"] is None


# -- the same scenarios on PostgreSQL + Redis with real ``rq worker`` processes -------------------

import pytest  # noqa: E402

from tests.fixtures_app import run_rq_worker  # noqa: E402
from tests.runtime.automation.conftest import T0, build  # noqa: E402
from tests.runtime.automation.scenario_app import MovableClock  # noqa: E402


@pytest.fixture
def rq_app(make_app, pg_url, redis_url):
    app = build(make_app(clock=MovableClock(T0), database_url=pg_url, redis_url=redis_url))
    settings = app.extensions["crm"].settings
    env = {"CRM_INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
           "REDIS_URL": redis_url, "SECRET_KEY": settings.secret_key}

    def waiting():
        from runtime.outbox.tables import outbox
        with app.extensions["crm"].engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
                outbox.c.status == "pending")).scalar()

    def settle():
        for _ in range(4):  # follow-ups (a rule's stage move firing another rule) are new jobs
            if not waiting():
                return
            from runtime.outbox import sweep
            sweep(app.extensions["crm"], app.clock.now())  # re-queues anything Redis lost; queued ones stay single
            done = run_rq_worker(redis_url, env=env, queues=("crm",))
            assert done.returncode == 0, done.stderr
    app.settle = settle
    return app


def test_workers_s9_s14_s21_stage_rules_and_chains(rq_app):
    app = rq_app
    rep, presales, eng = app.api("rep1"), app.api("presales"), app.api("eng")
    lead = app.api("boss").post("/api/v1/records/lead", json={"name": "华山医院", "presales": presales.user_id,
                                                              "owner": rep.user_id}).json
    rep.post(f"/api/v1/records/lead/{lead['id']}/stage", json={"to": "demo_booked"})
    rep.post("/api/v1/records/followup", json={"lead": lead["id"], "content": "样品已寄"})
    opp = rep.post("/api/v1/records/opportunity", json={"name": "协和", "engineer": eng.user_id}).json
    rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "trial"})
    assert notes_for(app, presales.user_id) == []  # nothing ran in the web process
    app.settle()
    assert notes_for(app, presales.user_id) == [f"线索 {lead['id']}（华山医院）已预约演示"]
    assert rep.get(f"/api/v1/records/lead/{lead['id']}").json["stage"] == "sample"
    assert [o["title"] for o in app.api("boss").get("/api/v1/records/work_order").json["records"]] == ["试用支持：协和"]


def test_workers_s10_approval_actions_run_in_a_worker(rq_app):
    app = rq_app
    boss, rep1, rep3, mgr = app.api("boss"), app.api("rep1"), app.api("rep3"), app.api("mgr")
    lead = boss.post("/api/v1/records/lead", json={"name": "学校", "industry": "制造", "owner": rep1.user_id}).json
    rep1.patch(f"/api/v1/records/lead/{lead['id']}", json={"new_owner": rep3.user_id, "version": 1})
    app.settle()
    [waiting] = mgr.get("/api/v1/approvals").json["approvals"]
    assert mgr.post(f"/api/v1/approvals/{waiting['id']}/approve").json["status"] == "approved"
    app.settle()
    assert boss.get(f"/api/v1/records/lead/{lead['id']}").json["owner"] == rep3.user_id
    assert any("已分配给你" in n for n in notes_for(app, rep3.user_id))
