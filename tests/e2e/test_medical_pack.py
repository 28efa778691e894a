"""The medical-device pack's scenarios end to end: the pack is imported exactly as a consultant
would (`crm pack import`'s code path), then people use the REST API while the clock is moved and
``crm tick --now`` runs. SQLite and PostgreSQL. S1-S6, S11, S18-S23 of SCENARIOS.md."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from builder.packs import TEMPLATES, import_pack, load_pack
from tests.fixtures_app import Users
from tests.runtime.stages.kit import CST, StageApi, TravelClock, tick

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def med(make_app, db_url):
    """The medical pack on an empty instance; director > mgr > rep1, rep2 (骨科产品组), an engineer, R&D."""
    clock = TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))   # Monday morning in Beijing
    app = make_app(database_url=db_url, clock=clock)
    users = Users(app)
    boss = users.add("boss", "admin", password=None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        import_pack(app.extensions["crm"], load_pack(TEMPLATES / "medical"), actor_id=boss)
    users.add("director", "manager", team="med_sales", password=None, email="director@example.cn")
    users.add("mgr", "manager", team="med_sales", manager="director", password=None, email="mgr@example.cn")
    users.add("rep1", "rep", team="med_ortho", manager="mgr", password=None, email="rep1@example.cn")
    users.add("rep2", "rep", team="med_ortho", manager="mgr", password=None, email="rep2@example.cn")
    users.add("eng1", "med_service_engineer", team="med_service", password=None,
              extra_roles=("med_service_engineer",))
    users.add("rnd1", "rep", team="med_rnd", password=None)
    users.add("rnd2", "rep", team="med_rnd", password=None)

    def api(name: str) -> StageApi:
        from runtime.users import find_user_id
        with app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return StageApi(app.test_client(), users.token(name), uid)

    app.api, app.clock = api, clock
    return app


def created(response):
    assert response.status_code == 201, response.json
    return response.json


def catalogue_id(api, object_name, code):
    return api.get(f"/api/v1/records/{object_name}?filter=code = \"{code}\"").json["records"][0]["id"]


def hospital(api, name="北京协和医院", **kw):
    return created(api.post("/api/v1/records/med_hospital", {"name": name, "level": "三甲", "beds": 2000,
                                                             "region": "华北", **kw}))


def opportunity(api, hospital_id, **kw):
    return created(api.post("/api/v1/records/med_opportunity", {"name": "骨科导航系统采购", "hospital": hospital_id,
                                                                "amount": 2800000, **kw}))


def bodies(app, user_id):
    from runtime.notifications.tables import notifications as n
    with app.extensions["crm"].engine.connect() as conn:
        return [f"{r.title or ''} {r.body or ''}" for r in conn.execute(
            sa.select(n.c.title, n.c.body).where(n.c.user_id == user_id).order_by(n.c.id))]


def test_s1_contacts_carry_three_role_layers_and_nda_documents_follow_the_hospitals_nda(med):
    boss, rep = med.api("boss"), med.api("rep1")
    signed, unsigned = hospital(boss, nda_signed=True), hospital(boss, "上海瑞金医院", nda_signed=False)
    zhang = created(boss.post("/api/v1/records/med_contact", {
        "name": "张主任", "hospital": signed["id"], "org_unit": "骨科", "influence_role": "决策者",
        "function_tags": ["招标评审组成员", "GCP伦理委员会委员"]}))
    li = created(boss.post("/api/v1/records/med_contact", {"name": "李工", "hospital": unsigned["id"],
                                                           "org_unit": "设备科", "influence_role": "影响者"}))
    assert zhang["function_tags"] == ["招标评审组成员", "GCP伦理委员会委员"] and zhang["org_unit"] == "骨科"
    open_doc = created(boss.post("/api/v1/records/med_nda_document", {"title": "临床数据白皮书", "contact": zhang["id"]}))
    closed_doc = created(boss.post("/api/v1/records/med_nda_document", {"title": "临床数据白皮书", "contact": li["id"]}))
    listed = rep.get("/api/v1/records/med_nda_document").json["records"]
    assert [d["id"] for d in listed] == [open_doc["id"]]
    assert rep.get(f"/api/v1/records/med_nda_document/{closed_doc['id']}").status_code == 404
    field = rep.get("/api/v1/meta").json["document"]["objects"]["med_contact"]["fields"]["clinical_whitepaper"]
    assert field["visible_when"] == "hospital.nda_signed"
    # the hospital signs: the document becomes visible without touching it
    boss.patch(f"/api/v1/records/med_hospital/{unsigned['id']}", {"nda_signed": True, "version": unsigned["version"]})
    assert len(rep.get("/api/v1/records/med_nda_document").json["records"]) == 2


def test_s2_tender_nodes_refuse_entry_without_their_evidence(med):
    rep = med.api("rep1")
    deal = opportunity(rep, hospital(med.api("boss"))["id"])
    assert deal["stage"] == "contact"
    refused = rep.move("med_opportunity", deal["id"], "budget")
    assert refused.status_code == 422 and refused.json["missing"] == [{"field": "budget_approval_no", "label": "财政批复文号"}]
    deal = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}",
                     {"budget_approval_no": "京财预〔2026〕8号", "version": deal["version"]}).json
    assert rep.move("med_opportunity", deal["id"], "budget").json["stage"] == "budget"
    assert [m["label"] for m in rep.move("med_opportunity", deal["id"], "notice").json["missing"]] == ["参数公示链接"]
    bad_url = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {"notice_url": "政府采购网", "version": deal["version"] + 1})
    assert bad_url.status_code == 422
    rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}",
              {"notice_url": "http://www.ccgp.gov.cn/cggg/dfgg/2026/1.htm", "version": deal["version"] + 1})
    assert rep.move("med_opportunity", deal["id"], "notice").status_code == 200
    assert [m["label"] for m in rep.move("med_opportunity", deal["id"], "experts").json["missing"]] == ["专家抽取名单"]
    rep.lang = "en"
    assert rep.move("med_opportunity", deal["id"], "experts").json["missing"][0]["label"] == "Expert panel"


def to_presentation(rep, hospital_id):
    deal = opportunity(rep, hospital_id, budget_approval_no="京财预〔2026〕8号",
                       notice_url="http://www.ccgp.gov.cn/1.htm", expert_list="王、李、张、刘、陈",
                       presentation_at="2026-03-06T14:00:00+08:00")
    moved = rep.move("med_opportunity", deal["id"], "presentation")
    assert moved.status_code == 200, moved.json
    return moved.json


def test_s3_presentation_unconfirmed_for_72_hours_warns_blue_yellow_red_in_two_channels(med):
    rep, clock = med.api("rep1"), med.clock
    deal = to_presentation(rep, hospital(med.api("boss"))["id"])
    clock.travel(hours=37)
    tick(med)
    assert len(bodies(med, rep.user_id)) == 1                                   # blue at half time
    clock.travel(hours=21)
    tick(med)
    assert len(bodies(med, rep.user_id)) == 2                                   # yellow at 80 %
    clock.travel(hours=15)                                                      # 73 hours in 述标安排
    tick(med)
    tick(med)                                                                   # a second sweep fires nothing
    red = bodies(med, rep.user_id)
    assert len(red) == 3 and "述标安排超时" in red[-1] and "预留30分钟设备调试" in red[-1]
    from runtime.notifications import notification_deliveries as d
    from runtime.notifications import notifications as n
    with med.extensions["crm"].engine.connect() as conn:
        channels = set(conn.execute(sa.select(d.c.channel).select_from(d.join(n, d.c.notification_id == n.c.id))
                                    .where(n.c.user_id == rep.user_id, n.c.title == "述标安排超时")).scalars())
    assert {"in_app", "email"} <= channels
    assert rep.get(f"/api/v1/records/med_opportunity/{deal['id']}").json["stage"] == "presentation"


def ticket(api, hospital_id, fault_id):
    image = api.upload("med_ticket", "intraop_image", name="术中影像.png", data=PNG)
    return created(api.post("/api/v1/records/med_ticket", {"hospital": hospital_id, "fault": fault_id,
                                                           "clinical_scenario": "全膝置换", "intraop_image": [image]}))


def test_s4_tickets_need_scenario_and_image_and_a_fault_at_3_hospitals_alerts_rnd_once(med):
    boss, eng = med.api("boss"), med.api("eng1")
    drift = catalogue_id(boss, "med_fault_type", "F01")
    options = boss.get("/api/v1/meta").json["document"]["objects"]["med_ticket"]["fields"]["clinical_scenario"]["options"]
    assert len(options) == 12 and options[0]["value"] == "全膝置换"
    missing = eng.post("/api/v1/records/med_ticket", {"hospital": hospital(boss)["id"], "fault": drift})
    assert missing.status_code == 422 and {"clinical_scenario", "intraop_image"} <= set(missing.json["errors"])
    hospitals = [hospital(boss, f"{city}人民医院")["id"] for city in ("杭州", "宁波", "温州", "绍兴")]
    ticket(eng, hospitals[0], drift)
    ticket(eng, hospitals[0], drift)
    ticket(eng, hospitals[1], drift)
    rnd1, rnd2 = med.api("rnd1"), med.api("rnd2")
    assert bodies(med, rnd1.user_id) == []
    ticket(eng, hospitals[2], drift)                                           # the third hospital
    ticket(eng, hospitals[3], drift)                                           # a fourth: no repeat
    alerts = bodies(med, rnd1.user_id)
    assert len(alerts) == 1 and "定位漂移" in alerts[0] and "3 家医院" in alerts[0]
    assert len(bodies(med, rnd2.user_id)) == 1


def test_s5_hospital_dna_grade_specialties_and_purchased_catalogue(med):
    boss = med.api("boss")
    nav = catalogue_id(boss, "med_product", "NAV-100")
    h = hospital(boss, recent_product=nav, recent_categories=["导航系统", "关节"], annual_purchase=6000000)
    assert h["level"] == "三甲" and h["recent_product"] == nav and h["tier"] == "A"
    assert boss.post("/api/v1/records/med_hospital", {"name": "某医院", "level": "三丙"}).status_code == 422
    small = boss.post("/api/v1/records/med_hospital", {"name": "某县医院", "level": "三甲", "beds": 300})
    assert small.status_code == 422 and "beds" in small.json["errors"]
    surgeon = created(boss.post("/api/v1/records/med_contact", {"name": "王主任", "hospital": h["id"],
                                                                "specialties": ["全膝置换", "脊柱侧弯矫形"]}))
    assert surgeon["specialties"] == ["全膝置换", "脊柱侧弯矫形"]
    levels = boss.get("/api/v1/records/med_hospital_level?sort=rank").json["records"]
    assert [lv["name"] for lv in levels][:2] == ["三级甲等", "三级乙等"]


def test_s6_navigation_leads_at_tertiary_hospitals_go_round_robin_to_ortho_others_to_the_pool(med):
    boss = med.api("boss")
    rep1, rep2 = med.api("rep1"), med.api("rep2")
    owners = [created(boss.post("/api/v1/records/med_lead", {"name": f"导航需求{i}", "customer_type": "三甲医院",
                                                             "categories": ["导航系统"], "channel": "官网"}))["owner"]
              for i in range(4)]
    assert sorted(owners) == sorted([rep1.user_id, rep2.user_id] * 2) and owners[0] != owners[1]
    for rep in (rep1, rep2):                                                      # the playbook is pushed
        titles = [n["title"] for n in rep.get("/api/v1/notifications").json["notifications"]]
        assert titles.count("导航系统打法手册") == 2, titles
    other = created(boss.post("/api/v1/records/med_lead", {"name": "民营关节", "customer_type": "民营医院",
                                                           "categories": ["关节"], "channel": "展会", "booth_no": "A12"}))
    assert other["owner"] is None                                                # 公海池
    expo = boss.post("/api/v1/records/med_lead", {"name": "展会线索", "channel": "展会"})
    assert expo.status_code == 422 and "booth_no" in expo.json["errors"]


def test_s11_every_record_keeps_its_history_and_last_activity(med):
    boss, clock = med.api("boss"), med.clock
    h = hospital(boss)
    clock.travel(hours=5)
    changed = boss.patch(f"/api/v1/records/med_hospital/{h['id']}", {"beds": 2100, "version": h["version"]}).json
    assert changed["last_activity_at"] > h["last_activity_at"]
    history = boss.get(f"/api/v1/records/med_hospital/{h['id']}/history").json["history"]
    beds = [e for e in history if e.get("field") == "beds" and e["action"] == "update"]
    assert beds and beds[0]["old"] in (2000, "2000") and beds[0]["new"] in (2100, "2100")


def test_s18_signing_the_trial_agreement_needs_a_pdf_a_period_and_the_doctors_title(med):
    rep = med.api("rep1")
    deal = opportunity(rep, hospital(med.api("boss"))["id"])
    refused = rep.move("med_opportunity", deal["id"], "trial_signed")
    assert refused.status_code == 422
    assert [m["label"] for m in refused.json["missing"]] == ["试用确认书", "试用周期（天）", "主责医生职称"]
    pdf = rep.upload("med_opportunity", "trial_confirmation")
    not_pdf = rep.client.post("/api/v1/files", headers=rep._h(None), content_type="multipart/form-data",
                              data={"file": (__import__("io").BytesIO(PNG), "x.png"), "object": "med_opportunity",
                                    "field": "trial_confirmation"})
    assert not_pdf.status_code == 422
    deal = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {
        "trial_confirmation": [pdf], "trial_days": 30, "doctor_title": "主任医师", "version": deal["version"]}).json
    assert rep.move("med_opportunity", deal["id"], "trial_signed").json["stage"] == "trial_signed"


def test_s19_a_booked_demo_without_update_for_72_hours_tells_rep_and_manager_what_to_do(med):
    rep, mgr, clock = med.api("rep1"), med.api("mgr"), med.clock
    deal = opportunity(rep, hospital(med.api("boss"))["id"], demo_at="2026-03-04T10:00:00+08:00")
    assert rep.move("med_opportunity", deal["id"], "demo_booked").status_code == 200
    clock.travel(hours=48)
    rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {"amount": 2900000, "version": deal["version"] + 1})
    clock.travel(hours=48)                                                      # 96 h in the node, 48 h since the update
    tick(med)
    assert bodies(med, rep.user_id) == []
    clock.travel(hours=25)                                                      # 73 h without an update
    tick(med)
    for user in (rep, mgr):
        notes = bodies(med, user.user_id)
        assert len(notes) == 1 and "建议动作" in notes[0] and "骨科导航系统采购" in notes[0]


def test_s20_visit_quality_score_and_red_flag(med):
    rep = med.api("rep1")
    h = hospital(med.api("boss"))["id"]

    def visit(**kw):
        return created(rep.post("/api/v1/records/med_visit", {"subject": "设备科技术交流", "hospital": h, **kw}))
    good = visit(solved_count=2, brought_sample=True, cross_dept=["临床培训"])
    assert good["quality_score"] == 9 and good["low_quality"] is False
    capped = visit(solved_count=3, brought_sample=True, cross_dept=["临床培训", "定制接口", "合规文件"])
    assert capped["quality_score"] == 10
    poor = visit(solved_count=1, cross_dept=["合规文件"])
    assert poor["quality_score"] == 4 and poor["low_quality"] is True
    red = rep.get("/api/v1/records/med_visit?filter=low_quality").json["records"]
    assert [v["id"] for v in red] == [poor["id"]]


def test_s21_entering_the_clinical_trial_creates_a_work_order_for_the_engineer_and_tells_the_rep(med):
    rep, eng = med.api("rep1"), med.api("eng1")
    deal = opportunity(rep, hospital(med.api("boss"))["id"], service_engineer=eng.user_id)
    assert rep.move("med_opportunity", deal["id"], "clinical_trial").status_code == 200
    orders = eng.get(f"/api/v1/records/med_work_order?filter=opportunity = {deal['id']}").json["records"]
    assert len(orders) == 1 and orders[0]["engineer"] == eng.user_id and orders[0]["kind"] == "临床试用支持"
    assert orders[0]["title"] == "临床试用支持：骨科导航系统采购"
    assert any("临床科室试用" in b for b in bodies(med, rep.user_id))


def test_s22_legal_review_with_the_draft_locks_the_forecast_to_upload_plus_7_workdays(med):
    rep, clock = med.api("rep1"), med.clock
    deal = opportunity(rep, hospital(med.api("boss"))["id"], expected_close="2026-06-30")
    clock.set(dt.datetime(2026, 3, 27, 10, 0, tzinfo=CST))                     # a Friday
    draft = rep.upload("med_opportunity", "contract_draft", name="合同草稿.pdf")
    deal = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {"contract_draft": [draft],
                                                                      "version": deal["version"]}).json
    assert deal["contract_uploaded_on"] == "2026-03-27"
    clock.travel(days=3)
    moved = rep.move("med_opportunity", deal["id"], "legal_review")
    assert moved.status_code == 200, moved.json
    locked = rep.get(f"/api/v1/records/med_opportunity/{deal['id']}").json
    assert locked["expected_close"] == "2026-04-08"          # 7 workdays after Friday 27 March (清明 4-6 April off)
    assert locked["forecast_locked"] is True
    again = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {"expected_close": "2026-05-01",
                                                                       "version": locked["version"]})
    assert again.status_code == 422


def test_s23_process_health_index_is_weighted_and_diagnosed_below_65(med):
    boss = med.api("boss")
    fine = created(boss.post("/api/v1/records/med_process_review", {
        "period_month": "2026-02", "stage_accuracy": 94, "on_time_rate": 80, "quality_visit_rate": 70, "update_rate": 89}))
    assert fine["health_index"] == 84.0 and fine["diagnosis"] == "健康"
    poor = created(boss.post("/api/v1/records/med_process_review", {
        "period_month": "2026-03", "stage_accuracy": 70, "on_time_rate": 50, "quality_visit_rate": 60, "update_rate": 60}))
    assert poor["health_index"] == 60.0 and poor["diagnosis"].startswith("节点超时严重")
    report = boss.get("/api/v1/meta").json["document"]["reports"]["med_process_health"]
    assert report["period"] == "month" and len(report["measures"]) == 4
    assert report["thresholds"][0]["below"] == 65


def test_large_bids_wait_for_the_managers_approval(med):
    rep, mgr = med.api("rep1"), med.api("mgr")
    deal = to_presentation(rep, hospital(med.api("boss"))["id"])
    deal = rep.patch(f"/api/v1/records/med_opportunity/{deal['id']}", {"bid_price": 3500000, "version": deal["version"]}).json
    assert rep.move("med_opportunity", deal["id"], "bid_opening").status_code == 200
    waiting = mgr.get("/api/v1/approvals").json
    items = waiting.get("approvals") or waiting.get("items") or []
    assert len(items) == 1 and items[0]["record_id"] == deal["id"]
