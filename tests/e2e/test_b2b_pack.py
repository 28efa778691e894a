"""The B2B sales pack's scenarios end to end: the pack is imported as a consultant would
(`crm pack import`'s code path) into an empty instance, then people use the REST API while the clock
is moved and ``crm tick --now`` runs. SQLite and PostgreSQL. S8, S9, S10, S11 of SCENARIOS.md
(S7 and S12 are proven with the public forms and duplicate rules)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from builder.packs import TEMPLATES, import_pack, load_pack
from tests.fixtures_app import Users
from tests.runtime.stages.kit import CST, StageApi, TravelClock, tick

LEAD = "/api/v1/records/b2b_lead"


@pytest.fixture
def b2b(make_app, db_url):
    """The pack on an empty instance: director > mgr > rep1, rep2 (华东), a 华南 rep, a presales manager."""
    return pack_app(make_app, db_url)


def pack_app(make_app, db_url=None):
    clock = TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))   # Monday morning in Beijing
    app = make_app(clock=clock, **({"database_url": db_url} if db_url else {}))
    users = Users(app)
    boss = users.add("boss", "admin", password=None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        import_pack(app.extensions["crm"], load_pack(TEMPLATES / "b2b_sales"), actor_id=boss)
    users.add("director", "manager", team="b2b_sales", region="华东", password=None)
    users.add("mgr", "manager", team="b2b_east", manager="director", region="华东", password=None)
    users.add("rep1", "rep", team="b2b_east", manager="mgr", region="华东", password=None)
    users.add("rep2", "rep", team="b2b_east", manager="mgr", region="华东", password=None)
    users.add("rep_s", "rep", team="b2b_south", manager="director", region="华南", password=None)
    users.add("presales", "b2b_presales_manager", team="b2b_presales", password=None,
              extra_roles=("b2b_presales_manager",))

    def api(name: str) -> StageApi:
        from runtime.users import find_user_id
        with app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return StageApi(app.test_client(), users.token(name), uid)

    app.api, app.clock, app.users = api, clock, users
    return app


def created(response):
    assert response.status_code == 201, response.json
    return response.json


def lead(api, company, **kw):
    return created(api.post(LEAD, {"company": company, "industry": "教育", "region": "华东", **kw}))


def bodies(app, user_id):
    from runtime.notifications.tables import notifications as n
    with app.extensions["crm"].engine.connect() as conn:
        return [r.body for r in conn.execute(sa.select(n.c.body).where(n.c.user_id == user_id).order_by(n.c.id))]


def analytics_sync(app, record_id, **values):
    """The website-analytics job writes behaviour columns in bulk, outside the save pipeline."""
    svc = app.extensions["crm"]
    with svc.engine.begin() as conn:
        table = svc.schema_cache.get(conn).table("b2b_lead")
        conn.execute(table.update().where(table.c.id == record_id).values(**values))


def test_s8_two_part_score_recomputed_on_change_and_every_two_hours_with_a_top_50(b2b):
    rep1, rep2 = b2b.api("rep1"), b2b.api("rep2")
    hot = lead(rep1, "智康云", page_minutes=4, downloads=2, price_page_seconds=50)
    assert (hot["score_base"], hot["score_behaviour"], hot["score"], hot["score_band"]) == (15, 22, 37, "a")
    warm = lead(rep1, "华科精密", page_minutes=5, downloads=1, price_page_seconds=46)
    assert (warm["score_base"], warm["score_behaviour"], warm["score"], warm["score_band"]) == (0, 22, 22, "b")
    cold = lead(rep1, "东方教育", page_minutes=3, downloads=2, price_page_seconds=45)   # both thresholds are strict
    assert (cold["score"], cold["score_band"]) == (0, "c")
    # a rep's change recomputes that lead at once; entering band A tells the owner
    warm = rep1.patch(f"{LEAD}/{warm['id']}", {"downloads": 2, "version": warm["version"]}).json
    assert (warm["score_base"], warm["score"], warm["score_band"]) == (15, 37, "a")
    assert sum("进入 A 级高意向" in b for b in bodies(b2b, rep1.user_id)) == 2
    # behaviour synced by analytics outside the save: picked up by the 2-hourly recompute only
    tick(b2b)                                                 # the first tick starts the schedule
    analytics_sync(b2b, cold["id"], price_page_seconds=120)
    b2b.clock.travel(hours=1, minutes=59)
    tick(b2b)
    assert rep1.get(f"{LEAD}/{cold['id']}").json["score"] == 0
    b2b.clock.travel(minutes=2)
    tick(b2b)
    tick(b2b)                                                 # a repeated tick changes nothing
    again = rep1.get(f"{LEAD}/{cold['id']}").json
    assert (again["score_behaviour"], again["score"], again["score_band"]) == (22, 22, "b")
    # the top 50 for reps: best first, only records the rep may read
    for i in range(52):
        lead(rep2, f"客户{i:02d}", page_minutes=4, downloads=2 if i % 2 else 0, price_page_seconds=46 + i)
    top = rep2.get("/api/v1/scoring/b2b_lead_score/top").json
    assert top["limit"] == 50 and len(top["records"]) == 50
    scores = [r["score"] for r in top["records"]]
    assert scores == sorted(scores, reverse=True) and scores[0] == 37 and scores[-1] == 22
    assert {r["title"][:2] for r in top["records"]} == {"客户"}      # rep2 sees only their own leads
    first = top["records"][0]
    assert first["parts"] == {"base": 15, "behaviour": 22} and first["band"] == "a"
    assert [p["label"] for p in top["parts"]] == ["基础分", "行为分"]
    mine = rep1.get("/api/v1/scoring/b2b_lead_score/top").json["records"]
    assert [r["title"] for r in mine] == ["智康云", "华科精密", "东方教育"]
    manager = b2b.api("mgr").get("/api/v1/scoring/b2b_lead_score/top").json["records"]
    assert len(manager) == 50 and manager[0]["title"] == "智康云"          # the team's leads, oldest first on ties
    page = rep1.client.get("/app/scoring/b2b_lead_score", headers=rep1._h(None))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Top 50 高意向线索" in html and f'href="/app/b2b_lead/{hot["id"]}"' in html and "A 高意向" in html


def test_s9_demo_booked_after_phone_screening_notifies_the_presales_manager_naming_the_lead_id(b2b):
    rep, presales = b2b.api("rep1"), b2b.api("presales")
    booked = lead(rep, "杭州智康云")
    assert booked["lead_no"] == "CK20260302-0001"
    assert rep.move("b2b_lead", booked["id"], "screened").status_code == 200
    assert bodies(b2b, presales.user_id) == []
    moved = rep.move("b2b_lead", booked["id"], "demo_booked")
    assert moved.status_code == 200, moved.json
    assert bodies(b2b, presales.user_id) == ["线索ID：CK20260302-0001，客户已预约演示，请准备定制化Demo脚本"]
    # straight from 新线索 to 已预约演示 is not the 初筛 -> 演示 change: no notice
    skipped = lead(rep, "宁波精工")
    rep.move("b2b_lead", skipped["id"], "demo_booked")
    assert len(bodies(b2b, presales.user_id)) == 1
    assert presales.inbox()["notifications"][0]["title"] == "已预约演示：杭州智康云"


def test_s10_cross_region_assignment_needs_the_managers_approval_forwarded_to_the_director_after_2h(b2b):
    boss, rep1, rep2 = b2b.api("boss"), b2b.api("rep1"), b2b.api("rep2")
    mgr, director, rep_s = b2b.api("mgr"), b2b.api("director"), b2b.api("rep_s")
    ids = []
    for i, industry in enumerate(("教育", "医疗", "制造")):   # 华南 leads owned in 华东, proposed to a 华东 rep
        record = lead(rep1, f"华南客户{i}", industry=industry, region="华南", phone=f"1380000000{i}")
        r = rep1.patch(f"{LEAD}/{record['id']}", {"new_owner": rep2.user_id, "version": record["version"]})
        assert r.status_code == 200, r.json
        assert r.json["owner"] == rep1.user_id                 # not yet: it waits for approval
        ids.append(record["id"])
    # the same region, or an industry outside 教育/医疗/制造, is assigned at once
    same = lead(rep1, "华东客户", region="华东")
    rep1.patch(f"{LEAD}/{same['id']}", {"new_owner": rep2.user_id, "version": same["version"]})
    retail = lead(rep1, "华南零售", industry="零售", region="华南")
    rep1.patch(f"{LEAD}/{retail['id']}", {"new_owner": rep_s.user_id, "version": retail["version"]})
    assert [boss.get(f"{LEAD}/{i}").json["owner"] for i in (same["id"], retail["id"])] == [rep2.user_id, rep_s.user_id]
    waiting = mgr.get("/api/v1/approvals").json["approvals"]
    assert [a["record_id"] for a in waiting] == ids and director.get("/api/v1/approvals").json["approvals"] == []
    assert mgr.post(f"/api/v1/approvals/{waiting[0]['id']}/reject", {}).status_code == 422   # a reason is required
    # 1 h 59 min: still the manager's; after 2 h the director has them
    b2b.clock.travel(hours=1, minutes=59)
    tick(b2b)
    assert len(mgr.get("/api/v1/approvals").json["approvals"]) == 3
    b2b.clock.travel(minutes=2)
    tick(b2b)
    assert mgr.get("/api/v1/approvals").json["approvals"] == []
    forwarded = director.get("/api/v1/approvals").json["approvals"]
    assert sorted(a["record_id"] for a in forwarded) == ids
    by_record = {a["record_id"]: a["id"] for a in forwarded}
    r = director.post("/api/v1/approvals/batch", {"ids": [by_record[ids[0]], by_record[ids[1]]], "decision": "approve"})
    assert [x["status"] for x in r.json["results"]] == ["approved", "approved"]
    refused = director.post("/api/v1/approvals/batch", {"ids": [by_record[ids[2]]], "decision": "reject"})
    assert refused.json["results"][0]["status"] != "rejected"          # batch reject needs the reason too
    r = director.post("/api/v1/approvals/batch", {"ids": [by_record[ids[2]]], "decision": "reject",
                                                 "reason": "制造业客户由华南团队跟进"})
    assert r.json["results"][0]["status"] == "rejected"
    owners = [boss.get(f"{LEAD}/{i}").json["owner"] for i in ids]
    assert owners == [rep2.user_id, rep2.user_id, rep1.user_id]
    told = [b for b in bodies(b2b, rep2.user_id) if "经跨区审批分配给你" in b]
    assert len(told) == 2 and "华南客户0" in told[0] and "13800000000" in told[0] and "评分" in told[0]
    assert any("跨区分配被驳回" in b and "华南客户2" in b for b in bodies(b2b, rep1.user_id))
    history = director.get(f"/api/v1/approvals/{by_record[ids[2]]}").json["history"]
    assert [e["event"] for e in history] == ["started", "forwarded", "rejected"]
    assert history[-1]["reason"] == "制造业客户由华南团队跟进"
    owner_changes = [(h["old"], h["new"]) for h in boss.get(f"{LEAD}/{ids[0]}/history").json["history"]
                     if h["field"] == "owner"]
    assert owner_changes == [(rep1.user_id, rep2.user_id)]


def test_s11_every_lead_keeps_its_last_activity_time_and_full_field_history(b2b):
    rep = b2b.api("rep1")
    record = lead(rep, "苏州智造", channel="展会", booth_no="A-12")
    b2b.clock.travel(hours=5)
    changed = rep.patch(f"{LEAD}/{record['id']}", {"booth_no": "B-07", "version": record["version"]}).json
    assert changed["last_activity_at"] > record["last_activity_at"]
    history = rep.get(f"{LEAD}/{record['id']}/history").json["history"]
    booth = {(h["action"], h["old"], h["new"], h["actor"]["id"]) for h in history if h.get("field") == "booth_no"}
    assert booth == {("create", None, "A-12", rep.user_id), ("update", "A-12", "B-07", rep.user_id)}
    when = next(h["at"] for h in history if h.get("field") == "booth_no" and h["action"] == "update")
    assert when == changed["last_activity_at"]
    listed = rep.client.get("/app/b2b_lead", headers=rep._h(None)).get_data(as_text=True)
    assert "最近动作时间" in listed                                    # a column of the pack's list layout
    page = rep.client.get(f"/app/b2b_lead/{record['id']}", headers=rep._h(None)).get_data(as_text=True)
    assert "A-12" in page and "B-07" in page                          # the timeline shows old -> new


def test_s7_trade_fair_leads_need_a_booth_number(b2b):
    rep = b2b.api("rep1")
    refused = rep.post(LEAD, {"company": "展会客户", "channel": "展会"})
    assert refused.status_code == 422 and "booth_no" in refused.json["errors"]
    assert created(rep.post(LEAD, {"company": "展会客户", "channel": "展会", "booth_no": "N3-201"}))["booth_no"] == "N3-201"


def test_a_rep_opens_the_top_list_in_chromium_and_follows_a_lead(make_app, live_server_for, page):
    from tests.runtime.ui.kit import browser_login
    app = pack_app(make_app)
    app.users.add("rep3", "rep", team="b2b_east", manager="mgr", region="华东")
    rep = app.api("rep3")
    for company, minutes, seconds in (("温州精密", 1, 50), ("杭州智康云", 4, 60), ("宁波教育", 0, 0)):
        lead(rep, company, page_minutes=minutes, downloads=2, price_page_seconds=seconds)
    lead(app.api("rep1"), "别人的线索", page_minutes=9, downloads=9, price_page_seconds=99)
    server = live_server_for(app)
    browser_login(page, server, "rep3")
    page.goto(server.url + "/")
    page.get_by_test_id("top-scored").get_by_role("link").first.click()  # the home page links the list
    page.wait_for_url(server.url + "/app/scoring/b2b_lead_score")
    page.get_by_role("heading", level=1, name="Top 50 高意向线索").wait_for()
    rows = page.get_by_test_id("scoring-top").locator("tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == ["杭州智康云", "温州精密", "宁波教育"]
    assert rows.first.get_by_test_id("score").inner_text() == "37" and rows.first.get_by_test_id("band").inner_text() == "A 高意向"
    assert rows.first.get_by_test_id("reasons").inner_text() == "页面停留>3分钟且下载2份资料 +15；价格页停留>45秒 +22"
    page.screenshot_as("top-list")
    rows.first.get_by_role("link", name="杭州智康云").click()
    page.wait_for_url(f"{server.url}/app/b2b_lead/*")
    assert "杭州智康云" in page.get_by_role("heading", level=1).inner_text()


def test_the_pack_installs_next_to_the_medical_pack_and_a_second_import_changes_nothing(make_app):
    from builder.packs import plan_import
    app = make_app()
    svc = app.extensions["crm"]
    boss = Users(app).add("boss", "admin", password=None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        import_pack(svc, load_pack(TEMPLATES / "medical"), actor_id=boss)
        pack = load_pack(TEMPLATES / "b2b_sales")
        with svc.engine.connect() as conn:
            plan = plan_import(conn, pack)
        assert plan.ok and plan.action == "install" and set(plan.teams) >= {"b2b_east", "b2b_south", "b2b_presales"}
        import_pack(svc, pack, actor_id=boss)
        with svc.engine.connect() as conn:
            again = plan_import(conn, pack)
            schema = svc.schema_cache.get(conn)
    assert again.action == "unchanged" and not again.changes_anything
    assert {"med_lead", "b2b_lead"} <= set(schema.objects) and {"med_big_deal", "b2b_cross_region"} <= set(schema.approvals)


def test_the_demo_data_loads_through_the_pipeline_with_scores_notices_and_waiting_approvals(make_app):
    from builder.packs.demo import load_demo
    from runtime.users import get_actor
    app = make_app(clock=TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)))
    svc = app.extensions["crm"]
    boss = Users(app).add("boss", "admin", password=None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        pack = load_pack(TEMPLATES / "b2b_sales")
        import_pack(svc, pack, actor_id=boss)
        with svc.engine.connect() as conn:
            actor = get_actor(conn, boss)
        assert load_demo(svc, pack, actor=actor, scale=0.1, progress=lambda _m: None)
    with svc.engine.connect() as conn:
        table = svc.schema_cache.get(conn).table("b2b_lead")
        rows = conn.execute(sa.select(table.c.score, table.c.score_band, table.c.stage)).all()
        from runtime.automation.tables import approval_requests
        waiting = conn.execute(sa.select(sa.func.count()).select_from(approval_requests)).scalar()
    assert len(rows) == 120 and all(r.score is not None and r.score_band for r in rows)
    assert {r.score_band for r in rows} == {"a", "b", "c"} and {"screened", "demo_booked"} <= {r.stage for r in rows}
    assert waiting >= 1
    from runtime.users import find_user_id
    with svc.engine.connect() as conn:
        uid = find_user_id(conn, "b2b_presales1")
    assert any(b.startswith("线索ID：CK") for b in bodies(app, uid))
