"""The stage scenarios end to end, through the REST API with time moved by the clock and
``crm tick --now`` (SQLite and PostgreSQL): S2, S3, S13, S18, S19."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.runtime.stages.app_doc import DOC, L
from tests.runtime.stages.kit import CST, clock, make_stage_app, stage_app, tick  # noqa: F401 - fixtures


def deliveries(app, user_id):
    from runtime.notifications import notification_deliveries as d
    from runtime.notifications import notifications as n
    with app.extensions["crm"].engine.connect() as conn:
        return sorted(conn.execute(sa.select(n.c.title, d.c.channel).select_from(
            d.join(n, d.c.notification_id == n.c.id)).where(n.c.user_id == user_id)).all())


def to_presentation(rep, **extra):
    t = rep.post("/api/v1/records/tender", {"name": "协和医院骨科导航招标", "budget_approval_no": "京财〔2026〕12号",
                                            "notice_url": "https://ccgp.gov.cn/notice/1", **extra}).json
    assert rep.move("tender", t["id"], "notice").status_code == 200
    moved = rep.move("tender", t["id"], "experts").json
    r = rep.patch(f"/api/v1/records/tender/{t['id']}", {"experts_drawn": True, "version": moved["version"]})
    assert r.json["stage"] == "presentation"          # auto-advance once the experts are drawn
    return r.json


def test_s2_tender_nodes_refuse_entry_without_their_evidence(stage_app):
    rep = stage_app.api("rep1")
    t = rep.post("/api/v1/records/tender", {"name": "北京协和医院导航系统招标"}).json
    refused = rep.move("tender", t["id"], "notice")
    assert refused.status_code == 422 and refused.json["missing"] == [
        {"field": "budget_approval_no", "label": "财政批复文号"}]
    ok = rep.patch(f"/api/v1/records/tender/{t['id']}", {"budget_approval_no": "京财预〔2026〕8号", "version": 1})
    assert rep.move("tender", t["id"], "notice").json["stage"] == "notice"
    refused = rep.move("tender", t["id"], "experts")
    assert [m["label"] for m in refused.json["missing"]] == ["参数公示链接"]
    assert ok.status_code == 200


def test_s3_a_tender_stuck_in_presentation_for_73_hours_turns_red_and_notifies_the_rep(stage_app):
    rep, clock = stage_app.api("rep1"), stage_app.clock
    t = to_presentation(rep)
    clock.travel(hours=35)
    tick(stage_app)
    assert rep.inbox()["total"] == 0                     # below 50 %: nothing yet
    clock.travel(hours=2)                                # 37 h: blue
    tick(stage_app)
    tick(stage_app)                                      # twice: same effect
    inbox = rep.inbox()["notifications"]
    assert [n["title"] for n in inbox] == ["【蓝色预警】招投标 协和医院骨科导航招标 在「述标安排」已停留 36 小时"]
    clock.travel(hours=21)                               # 58 h: yellow
    tick(stage_app)
    clock.travel(hours=15)                               # 73 h: red
    tick(stage_app)
    tick(stage_app)
    inbox = rep.inbox()["notifications"]
    assert len(inbox) == 3
    red = inbox[0]
    assert red["title"].startswith("【红色预警】")
    assert "招标 协和医院骨科导航招标 述标安排已超过 72 小时未确认" in red["body"]
    assert "☐ 确认述标时间" in red["body"] and "☐ 准备述标材料" in red["body"]
    channels = [c for title, c in deliveries(stage_app, rep.user_id) if title.startswith("【红色预警】")]
    assert channels == ["email", "in_app"]               # a second channel besides in-app
    timeline = rep.get(f"/api/v1/records/tender/{t['id']}/timeline").json["timeline"]
    assert [e["level"] for e in timeline if e["kind"] == "sla_alert"] == ["red", "yellow", "blue"]


def test_s3_levels_fire_again_after_a_new_stage_entry(stage_app):
    rep, clock = stage_app.api("rep1"), stage_app.clock
    t = to_presentation(rep)
    clock.travel(hours=80)
    tick(stage_app)
    assert rep.inbox()["total"] == 3                      # a late tick fires every level passed, once
    clock.travel(hours=80)
    tick(stage_app)
    assert rep.inbox()["total"] == 3


def test_s13_five_workdays_without_progress_across_national_day_email_manager_and_director(stage_app):
    rep, mgr, director = stage_app.api("rep1"), stage_app.api("mgr"), stage_app.api("director")
    clock = stage_app.clock
    clock.set(dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST))   # Tuesday before 国庆
    opp = rep.post("/api/v1/records/opportunity", {"name": "数控机床改造项目"}).json
    refused = rep.move("opportunity", opp["id"], "demo")
    assert refused.json["missing"] == [{"field": "demo_confirmation", "label": "演示确认单"}]
    pdf = rep.upload("opportunity", "demo_confirmation", "演示确认单-已签字.pdf")
    opp = rep.patch(f"/api/v1/records/opportunity/{opp['id']}", {"demo_confirmation": [pdf], "version": 1}).json
    assert rep.move("opportunity", opp["id"], "demo").status_code == 200
    # workdays after Tue 29 Sep 10:00: 29 (rest), 30, [1-7 Oct holiday], 8, 9, 10 (调休 Saturday), 12 ...
    tick(stage_app, dt.datetime(2026, 10, 9, 23, 0, tzinfo=CST))       # 3.6 workdays: quiet
    assert mgr.inbox()["total"] == 0
    tick(stage_app, dt.datetime(2026, 10, 12, 9, 0, tzinfo=CST))       # 4.96 workdays: still quiet
    assert mgr.inbox()["total"] == 0
    tick(stage_app, dt.datetime(2026, 10, 12, 10, 0, tzinfo=CST))      # 5 workdays: escalate
    for person in (mgr, director):
        [note] = person.inbox()["notifications"]
        assert note["title"] == "【升级】商机 数控机床改造项目 在「现场演示完成」已 5 个工作日无更新"
        assert "商机 数控机床改造项目 已 5 个工作日无进展" in note["body"] and "☐ 电话跟进客户" in note["body"]
        assert sorted(c for _t, c in deliveries(stage_app, person.user_id)) == ["email", "in_app"]
    assert rep.inbox()["total"] == 0


def test_s13_progress_restarts_the_no_progress_clock(stage_app):
    rep, mgr, clock = stage_app.api("rep1"), stage_app.api("mgr"), stage_app.clock
    clock.set(dt.datetime(2026, 2, 11, 10, 0, tzinfo=CST))   # Wednesday before 春节
    opp = rep.post("/api/v1/records/opportunity", {"name": "激光切割机"}).json
    pdf = rep.upload("opportunity", "demo_confirmation")
    opp = rep.patch(f"/api/v1/records/opportunity/{opp['id']}", {"demo_confirmation": [pdf], "version": 1}).json
    rep.move("opportunity", opp["id"], "demo")
    # Wed 11 Feb 10:00 + 5 workdays: 12, 13, 14 (调休 Saturday), [15-23 春节], 24, 25 -> Wed 25 10:00
    tick(stage_app, dt.datetime(2026, 2, 25, 9, 0, tzinfo=CST))
    assert mgr.inbox()["total"] == 0
    clock.set(dt.datetime(2026, 2, 24, 9, 30, tzinfo=CST))   # a change on the 24th is progress
    current = rep.get(f"/api/v1/records/opportunity/{opp['id']}").json
    rep.patch(f"/api/v1/records/opportunity/{opp['id']}", {"name": "激光切割机（二期）", "version": current["version"]})
    tick(stage_app, dt.datetime(2026, 2, 25, 11, 0, tzinfo=CST))
    assert mgr.inbox()["total"] == 0                          # the clock restarted at 24 Feb 9:30
    tick(stage_app, dt.datetime(2026, 3, 2, 9, 29, tzinfo=CST))
    assert mgr.inbox()["total"] == 0
    tick(stage_app, dt.datetime(2026, 3, 2, 9, 30, tzinfo=CST))  # 25, 26, 27, 28 (调休 Saturday), 2 March
    assert mgr.inbox()["total"] == 1


def test_s18_the_trial_node_needs_the_pdf_the_trial_period_and_the_doctor_title(stage_app):
    rep = stage_app.api("rep1")
    deal = rep.post("/api/v1/records/device_deal", {"name": "积水潭医院骨科导航"}).json
    refused = rep.move("device_deal", deal["id"], "trial")
    assert [m["label"] for m in refused.json["missing"]] == ["试用确认书", "试用周期", "医生职称"]
    pdf = rep.upload("device_deal", "trial_pdf", "试用确认书.pdf")
    deal = rep.patch(f"/api/v1/records/device_deal/{deal['id']}", {
        "trial_pdf": [pdf], "trial_days": 30, "doctor_title": "主任医师", "version": 1}).json
    assert rep.move("device_deal", deal["id"], "trial").json["stage"] == "trial"


def test_s19_demo_booked_and_no_update_for_72_hours_tells_rep_and_manager_what_to_do(stage_app):
    rep, mgr, clock = stage_app.api("rep1"), stage_app.api("mgr"), stage_app.clock
    deal = rep.post("/api/v1/records/device_deal", {"name": "天坛医院神经外科导航"}).json
    clock.travel(hours=48)
    rep.patch(f"/api/v1/records/device_deal/{deal['id']}", {"note": "已和设备科通话", "version": 1})
    clock.travel(hours=71)                                     # 119 h in the node, 71 h since the update
    tick(stage_app)
    assert rep.inbox()["total"] == 0
    clock.travel(hours=1)
    tick(stage_app)
    tick(stage_app)
    for person in (rep, mgr):
        [note] = person.inbox()["notifications"]
        assert note["title"] == "【无更新】设备商机 天坛医院神经外科导航 在「已预约设备科演示」已 72 小时无更新"
        assert "天坛医院神经外科导航 已预约设备科演示，72 小时无更新" in note["body"]
        assert "建议操作：\n☐ 联系设备科确认演示时间" in note["body"]


CONTRACT = {
    "label": L("合同商机", "Contract deal"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True},
        "contract_draft": {"type": "file", "accept": [".pdf"], "label": L("合同草案", "Contract draft")},
        "draft_uploaded_on": {"type": "date", "label": L("草案上传日期", "Draft uploaded on")},
        "expected_close": {"type": "date", "label": L("预计成交日期", "Expected close")},
    },
    "pipeline": {"initial": "negotiation", "nodes": [
        {"key": "negotiation", "label": L("商务谈判"), "order": 1},
        {"key": "legal", "label": L("法务审核合同条款", "Legal review"), "order": 2, "requires": ["contract_draft"]},
        {"key": "won", "label": L("成交"), "order": 3, "outcome": "won"},
    ]},
}
RULES = [
    {"key": "draft_date", "object": "contract_deal", "phase": "before_save",
     "trigger": {"type": "field_changed", "field": "contract_draft"}, "when": "NOT ISBLANK(contract_draft)",
     "actions": [{"type": "set_field", "field": "draft_uploaded_on", "value": "$today"}]},
    {"key": "forecast_lock", "object": "contract_deal", "trigger": {"type": "stage_entered", "stage": "legal"},
     "when": "NOT ISBLANK(contract_draft)",
     "actions": [{"type": "set_field", "field": "expected_close", "value": "ADDWORKDAYS(draft_uploaded_on, 7)"}]},
]


def test_s22_entering_legal_review_locks_the_forecast_to_upload_date_plus_7_workdays(make_stage_app):
    document = {**DOC, "objects": {**DOC["objects"], "contract_deal": CONTRACT}, "rules": RULES,
                "permissions": {**DOC["permissions"], "rep": {**DOC["permissions"]["rep"], "contract_deal": {
                    "create": True, "read": True, "update": True, "scope": "own"}}}}
    app = make_stage_app(document)
    rep, clock = app.api("rep1"), app.clock
    clock.set(dt.datetime(2026, 9, 28, 15, 0, tzinfo=CST))            # Monday before 国庆
    deal = rep.post("/api/v1/records/contract_deal", {"name": "骨科导航系统采购合同"}).json
    draft = rep.upload("contract_deal", "contract_draft", "合同草案.pdf")
    deal = rep.patch(f"/api/v1/records/contract_deal/{deal['id']}", {"contract_draft": [draft], "version": 1}).json
    assert deal["draft_uploaded_on"] == "2026-09-28"
    clock.set(dt.datetime(2026, 10, 9, 10, 0, tzinfo=CST))            # legal review after the holiday
    assert rep.move("contract_deal", deal["id"], "legal").status_code == 200
    tick(app)                                                         # the outbox, should the rule wait there
    # 29, 30 Sep, [1-7 Oct], 8, 9, 10 (调休 Saturday), 12, 13 Oct
    assert rep.get(f"/api/v1/records/contract_deal/{deal['id']}").json["expected_close"] == "2026-10-13"
