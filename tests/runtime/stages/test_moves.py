"""Stage moves through the record service: allowed transitions, entry requirements named all
together in the user's language, the record unchanged on refusal, history with durations."""
from __future__ import annotations

import sqlalchemy as sa

from tests.runtime.stages.kit import tick  # noqa: F401


def new_tender(api, **kw):
    r = api.post("/api/v1/records/tender", {"name": "协和医院骨科导航招标", **kw})
    assert r.status_code == 201, r.json
    return r.json


def test_a_refused_move_names_every_missing_item_and_changes_nothing(stage_app):
    rep = stage_app.api("rep1")
    t = new_tender(rep)
    assert t["stage"] == "budget"
    refused = rep.move("tender", t["id"], "notice")
    assert refused.status_code == 422
    body = refused.json
    assert body["error"]["code"] == "stage_requirements"
    assert body["missing"] == [{"field": "budget_approval_no", "label": "财政批复文号"}]
    assert list(body["errors"]) == ["budget_approval_no"]
    assert "财政批复文号" in body["error"]["message"]
    assert rep.get(f"/api/v1/records/tender/{t['id']}").json["version"] == t["version"]
    rep.lang = "en"
    assert rep.move("tender", t["id"], "notice").json["missing"][0]["label"] == "Budget approval no."


def test_allowed_transitions_and_versions(stage_app):
    rep = stage_app.api("rep1")
    t = new_tender(rep, budget_approval_no="京财预〔2026〕12号")
    skip = rep.move("tender", t["id"], "presentation")
    assert skip.status_code == 422 and skip.json["error"]["code"] == "stage_not_allowed"
    stale = rep.move("tender", t["id"], "notice", version=t["version"] + 5)
    assert stale.status_code == 409
    moved = rep.move("tender", t["id"], "notice", version=t["version"])
    assert moved.status_code == 200, moved.json
    assert moved.json["stage"] == "notice" and moved.json["version"] == t["version"] + 1
    unknown = rep.move("tender", t["id"], "nowhere")
    assert unknown.status_code == 422 and "to" in unknown.json["errors"]
    # a plain PATCH cannot set the stage
    patched = rep.patch(f"/api/v1/records/tender/{t['id']}", {"stage": "won", "version": moved.json["version"]})
    assert patched.status_code == 422
    history = rep.get(f"/api/v1/records/tender/{t['id']}/history").json["history"]
    assert any(h["action"] == "stage" and h["old"] == "budget" and h["new"] == "notice" for h in history)


def test_other_people_cannot_move_records_they_cannot_see(stage_app):
    t = new_tender(stage_app.api("rep1"), budget_approval_no="x")
    assert stage_app.api("rep2").move("tender", t["id"], "notice").status_code == 404


def test_requires_when_and_file_fields_are_checked_together(stage_app):
    rep = stage_app.api("rep1")
    deal = rep.post("/api/v1/records/device_deal", {"name": "积水潭医院导航设备"}).json
    refused = rep.move("device_deal", deal["id"], "trial")
    assert refused.status_code == 422
    assert [m["label"] for m in refused.json["missing"]] == ["试用确认书", "试用周期", "医生职称"]
    pdf = rep.upload("device_deal", "trial_pdf")
    rep.patch(f"/api/v1/records/device_deal/{deal['id']}", {"trial_pdf": [pdf], "version": deal["version"]})
    refused = rep.move("device_deal", deal["id"], "trial")
    assert [m["field"] for m in refused.json["missing"]] == ["trial_days", "doctor_title"]


def test_stage_history_durations_and_stage_functions(stage_app):
    rep, clock = stage_app.api("rep1"), stage_app.clock
    t = new_tender(rep, budget_approval_no="x", notice_url="https://ccgp.gov.cn/1")
    clock.travel(hours=5)
    rep.move("tender", t["id"], "notice")
    clock.travel(hours=30)
    rep.move("tender", t["id"], "experts")
    clock.travel(hours=3)
    stages = rep.get(f"/api/v1/records/tender/{t['id']}/stages").json["stages"]
    assert [(s["stage"], s["duration_seconds"]) for s in stages] == [
        ("budget", 5 * 3600), ("notice", 30 * 3600), ("experts", 3 * 3600)]
    assert stages[-1]["open"] and stages[1]["from"] == "budget"
    listed = rep.get("/api/v1/records/tender", query_string={
        "filter": 'STAGE() = "experts" && HOURSINSTAGE() >= 3 && DAYSINSTAGE() < 1'}).json
    assert [r["id"] for r in listed["records"]] == [t["id"]]
    timeline = rep.get(f"/api/v1/records/tender/{t['id']}/timeline").json["timeline"]
    assert [e["stage"] for e in timeline if e["kind"] == "stage"] == ["experts", "notice", "budget"]


def test_auto_advance_after_a_save_moves_one_hop_and_is_logged(stage_app):
    rep = stage_app.api("rep1")
    t = new_tender(rep, budget_approval_no="x", notice_url="https://ccgp.gov.cn/1")
    rep.move("tender", t["id"], "notice")
    moved = rep.move("tender", t["id"], "experts").json
    saved = rep.patch(f"/api/v1/records/tender/{t['id']}", {"experts_drawn": True, "version": moved["version"]})
    assert saved.status_code == 200, saved.json
    assert saved.json["stage"] == "presentation"
    stages = rep.get(f"/api/v1/records/tender/{t['id']}/stages").json["stages"]
    assert stages[-1]["stage"] == "presentation" and stages[-1]["source"] == "automation"


def test_a_child_note_moves_its_parent(stage_app):
    rep = stage_app.api("rep1")
    opp = rep.post("/api/v1/records/opportunity", {"name": "数控机床改造"}).json
    pdf = rep.upload("opportunity", "demo_confirmation")
    opp = rep.patch(f"/api/v1/records/opportunity/{opp['id']}", {"demo_confirmation": [pdf],
                                                                   "version": opp["version"]}).json
    assert rep.move("opportunity", opp["id"], "demo").status_code == 200
    note = rep.post("/api/v1/records/followup", {"content": "客户说样品已寄到，等测试报告", "opportunity": opp["id"]})
    assert note.status_code == 201, note.json
    assert rep.get(f"/api/v1/records/opportunity/{opp['id']}").json["stage"] == "sample"


def test_tables_exist(stage_app):
    with stage_app.extensions["crm"].engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
    assert {"stage_history", "stage_alerts"} <= set(names)


def test_refusals_speak_the_users_language(stage_app):
    rep = stage_app.api("rep1")
    t = new_tender(rep)
    body = rep.move("tender", t["id"], "notice").json
    assert body["error"]["message"] == "暂不能进入「参数公示」：请先填写 财政批复文号。"
    assert body["errors"]["budget_approval_no"] == ["进入「参数公示」前必须填写。"]
    rep.lang = "en"
    body = rep.move("tender", t["id"], "notice").json
    assert body["error"]["message"] == "Parameters published cannot be entered yet: fill in Budget approval no.."


def test_requires_when_is_reported_as_a_rule(stage_app):
    rep = stage_app.api("rep1")
    t = new_tender(rep, budget_approval_no="x", notice_url="https://ccgp.gov.cn/1")
    rep.move("tender", t["id"], "notice")
    rep.move("tender", t["id"], "experts")
    refused = rep.move("tender", t["id"], "presentation")
    assert refused.status_code == 422
    assert refused.json["rules"][0]["key"] == "presentation.requires_when"
    assert "experts_drawn" in refused.json["rules"][0]["message"]


def test_auto_advance_moves_at_most_one_hop_per_save(make_stage_app):
    import copy

    from tests.runtime.stages.app_doc import DOC
    doc = copy.deepcopy(DOC)
    nodes = doc["objects"]["opportunity"]["pipeline"]["nodes"]
    nodes[2].update(auto_advance_when="samples_sent > 0")            # sample -> won on the same condition
    app = make_stage_app(doc)
    rep = app.api("rep1")
    opp = rep.post("/api/v1/records/opportunity", {"name": "x"}).json
    pdf = rep.upload("opportunity", "demo_confirmation")
    opp = rep.patch(f"/api/v1/records/opportunity/{opp['id']}", {"demo_confirmation": [pdf], "version": 1}).json
    rep.move("opportunity", opp["id"], "demo")
    rep.post("/api/v1/records/followup", {"content": "样品已寄", "opportunity": opp["id"]})
    assert rep.get(f"/api/v1/records/opportunity/{opp['id']}").json["stage"] == "sample"
    rep.post("/api/v1/records/followup", {"content": "电话回访", "opportunity": opp["id"]})
    assert rep.get(f"/api/v1/records/opportunity/{opp['id']}").json["stage"] == "won"
