"""The analyst edits pipelines and rules (and the other logic sections) in forms that work without
JavaScript: rows are added, moved and removed with buttons, every problem is shown beside its
input, and two analysts editing at once get a conflict instead of overwriting each other."""
from __future__ import annotations

import re

from tests.builder.designer_logic.kit import analyst, any_designer_app, designer_app, draft, submit  # noqa: F401
from tests.fixtures_app import csrf_from

PIPELINE = "/builder/objects/sample_test/pipeline"


def pipeline(app):
    return draft(app).document["objects"]["sample_test"].get("pipeline")


def build_four_nodes(client):
    for _ in range(4):
        assert submit(client, PIPELINE, op="add:nodes").status_code == 302
    names = {f"v/nodes/{i}/key": key for i, key in enumerate(["received", "testing", "report", "done"])}
    names.update({f"v/nodes/{i}/label/zh-CN": label for i, label in enumerate(["已收样", "测试中", "出报告", "已完成"])})
    return submit(client, PIPELINE, names)


def test_an_analyst_builds_a_four_node_pipeline_with_a_required_file_and_an_sla(designer_app, analyst):
    assert build_four_nodes(analyst).status_code == 302
    assert [n["key"] for n in pipeline(designer_app)["nodes"]] == ["received", "testing", "report", "done"]
    page = analyst.get(PIPELINE).get_data(as_text=True)
    assert 'value="report"' in page and "测试报告 (report)" in page          # fields and stages to choose from
    r = submit(analyst, PIPELINE, {
        "v/nodes/2/requires": "report", "v/nodes/2/allowed_next": "done",
        "v/nodes/1/sla/hours": "48", "v/nodes/1/sla/basis": "stage_entered",
        "v/nodes/1/guidance/zh-CN": "48 小时内出结果", "v/nodes/3/outcome": "won", "v/nodes/3/probability": "100"})
    assert r.status_code == 302
    nodes = pipeline(designer_app)["nodes"]
    assert nodes[2]["requires"] == ["report"] and nodes[2]["allowed_next"] == ["done"]
    assert nodes[1]["sla"] == {"hours": 48, "basis": "stage_entered"}
    assert nodes[1]["guidance"] == {"zh-CN": "48 小时内出结果"}
    assert (nodes[3]["outcome"], nodes[3]["probability"]) == ("won", 100)
    # a warning level with an escalation action
    assert submit(analyst, PIPELINE, op="add:nodes/1/sla/levels").status_code == 302
    assert submit(analyst, PIPELINE, {"v/nodes/1/sla/levels/0/name": "red", "v/nodes/1/sla/levels/0/at": "1"}).status_code == 302
    assert submit(analyst, PIPELINE, {"_variant:nodes/1/sla/escalate": "notify"}, op="add:nodes/1/sla/escalate").status_code == 302
    assert pipeline(designer_app)["nodes"][1]["sla"]["levels"] == [{"name": "red", "at": 1}]
    assert pipeline(designer_app)["nodes"][1]["sla"]["escalate"] == [{"type": "notify"}]
    page = analyst.get(PIPELINE).get_data(as_text=True)
    assert "f-nodes-1-sla-escalate-0-to" in page                               # the notify action's recipients


def test_nodes_move_and_are_removed_with_buttons(designer_app, analyst):
    build_four_nodes(analyst)
    assert submit(analyst, PIPELINE, op="down:nodes/0").status_code == 302
    assert [n["key"] for n in pipeline(designer_app)["nodes"]] == ["testing", "received", "report", "done"]
    assert submit(analyst, PIPELINE, op="up:nodes/3").status_code == 302
    assert [n["key"] for n in pipeline(designer_app)["nodes"]] == ["testing", "received", "done", "report"]
    assert submit(analyst, PIPELINE, op="remove:nodes/1").status_code == 302
    assert [n["key"] for n in pipeline(designer_app)["nodes"]] == ["testing", "done", "report"]
    assert submit(analyst, PIPELINE, op="remove:nodes/9").status_code == 302     # stale: nothing happens
    assert len(pipeline(designer_app)["nodes"]) == 3


def test_problems_are_shown_beside_their_inputs_and_the_invalid_draft_is_still_saved(designer_app, analyst):
    build_four_nodes(analyst)
    r = submit(analyst, PIPELINE, {"v/nodes/1/requires_when": "budgett > 1", "v/nodes/0/probability": "lots"})
    assert r.status_code == 302
    assert pipeline(designer_app)["nodes"][1]["requires_when"] == "budgett > 1"     # drafts may be invalid
    page = analyst.get(PIPELINE).get_data(as_text=True)
    box = page[page.index('data-testid="problems-f-nodes-1-requires_when"'):]
    assert "budget" in box[:600] and "budgett &gt; 1\n^^^^^^^" in box[:800]
    assert 'data-testid="problems-f-nodes-0-probability"' in page
    assert 'data-testid="problem-count"' in page


def test_two_analysts_editing_the_same_draft_get_a_conflict(any_designer_app):
    designer_app = any_designer_app
    analyst = designer_app.users.client("analyst", "ana")
    build_four_nodes(analyst)
    other = designer_app.users.client("analyst", "bea")
    stale = analyst.get(PIPELINE).get_data(as_text=True)
    assert submit(other, PIPELINE, {"v/nodes/0/label/en": "Received"}).status_code == 302
    from tests.builder.designer_logic.kit import form_fields
    fields = dict(form_fields(stale))
    fields.update({"v/nodes/0/label/en": "Got it", "_op": "save"})
    r = analyst.post(PIPELINE, data=fields)
    assert r.status_code == 409
    assert "Someone else changed the draft" in r.get_data(as_text=True) or "其他人" in r.get_data(as_text=True)
    assert pipeline(designer_app)["nodes"][0]["label"] == {"zh-CN": "已收样", "en": "Received"}
    assert 'value="Got it"' in r.get_data(as_text=True)                      # the posted work is still on screen
    fields["_revision"] = "not a number"
    assert analyst.post(PIPELINE, data=fields).status_code == 409


def test_an_analyst_writes_a_rule_that_notifies_the_owner_on_entering_a_stage(designer_app, analyst):
    build_four_nodes(analyst)
    page = analyst.get("/builder/rules").get_data(as_text=True)
    token = csrf_from(page)
    r = analyst.post("/builder/rules/new", data={"csrf_token": token, "_revision": draft(designer_app).revision,
                                                 "key": "notify_done", "object": "sample_test"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/builder/rules/notify_done")
    url = "/builder/rules/notify_done"
    assert submit(analyst, url, {"v/trigger/type": "stage_entered"}).status_code == 302
    r = submit(analyst, url, {"v/trigger/stage": "done", "v/label/zh-CN": "完成时通知负责人",
                              "v/actions/0/message/zh-CN": "样品测试 {name} 已完成", "v/when": "budget > 0"})
    assert r.status_code == 302
    [rule] = draft(designer_app).document["rules"]
    assert rule == {"key": "notify_done", "object": "sample_test", "label": {"zh-CN": "完成时通知负责人"},
                    "trigger": {"type": "stage_entered", "stage": "done"}, "when": "budget > 0",
                    "actions": [{"type": "notify", "to": [{"kind": "owner"}],
                                 "message": {"zh-CN": "样品测试 {name} 已完成"}}]}
    page = analyst.get(url).get_data(as_text=True)
    assert 'data-testid="no-problems"' in page
    # a second, ordered action
    assert submit(analyst, url, {"_variant:actions": "set_field"}, op="add:actions").status_code == 302
    assert submit(analyst, url, op="up:actions/1").status_code == 302
    assert [a["type"] for a in draft(designer_app).document["rules"][0]["actions"]] == ["set_field", "notify"]
    assert submit(analyst, url, {"v/actions/0/field": "budget", "v/actions/0/value": "budget * 2"}).status_code == 302
    page = analyst.get(url).get_data(as_text=True)
    value_box = page[page.index('id="f-actions-0-value"'):][:400]
    assert 'data-expect="number"' in value_box                       # checked live against the field it sets
    listing = analyst.get("/builder/rules").get_data(as_text=True)
    assert "完成时通知负责人 (notify_done)" in listing


def test_new_items_need_a_valid_unique_key_and_an_object(designer_app, analyst):
    token = csrf_from(analyst.get("/builder/approvals").get_data(as_text=True))
    rev = draft(designer_app).revision
    bad = analyst.post("/builder/approvals/new", data={"csrf_token": token, "_revision": rev, "key": "Bad Key",
                                                       "object": "sample_test"})
    assert bad.status_code == 422 and 'data-testid="new-error"' in bad.get_data(as_text=True)
    assert analyst.post("/builder/approvals/new", data={"csrf_token": token, "_revision": rev, "key": "big",
                                                        "object": "nope"}).status_code == 422
    ok = analyst.post("/builder/approvals/new", data={"csrf_token": token, "_revision": rev, "key": "big",
                                                      "object": "sample_test"})
    assert ok.status_code == 302
    assert draft(designer_app).document["approvals"]["big"]["object"] == "sample_test"
    again = analyst.post("/builder/approvals/new", data={"csrf_token": token, "_revision": rev + 1, "key": "big",
                                                         "object": "sample_test"})
    assert again.status_code == 422
    assert analyst.get("/builder/approvals/nothing_here").status_code == 404
    delete = analyst.post("/builder/approvals/big/delete", data={"csrf_token": token,
                                                                 "_revision": draft(designer_app).revision})
    assert delete.status_code == 302 and "big" not in draft(designer_app).document["approvals"]


def test_every_section_has_an_editor_and_forms_show_their_embed_snippet(designer_app, analyst):
    token = csrf_from(analyst.get("/builder/forms").get_data(as_text=True))
    for section in ("scoring", "duplicates", "forms", "assignment"):
        r = analyst.post(f"/builder/{section}/new", data={"csrf_token": token, "key": f"x_{section}",
                                                          "object": "sample_test",
                                                          "_revision": draft(designer_app).revision})
        assert r.status_code == 302, section
        page = analyst.get(f"/builder/{section}/x_{section}")
        assert page.status_code == 200 and 'data-testid="logic-form"' in page.get_data(as_text=True)
    page = analyst.get("/builder/forms/x_forms").get_data(as_text=True)
    assert re.search(r'&lt;iframe src=&#34;http://localhost/f/x_forms&#34;', page)
    assert "crm-form-x_forms" in page
    assert analyst.get("/builder/assignment-pools").status_code == 200


def test_only_analysts_and_admins_reach_the_editors(designer_app):
    rep = designer_app.users.client("rep")
    assert rep.get("/builder/rules").status_code == 403
    assert rep.get(PIPELINE).status_code == 403
    anonymous = designer_app.test_client().get("/builder/rules")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    admin = designer_app.users.client("admin")
    assert admin.get(PIPELINE).status_code == 200
    assert admin.get("/builder/objects/nothing/pipeline").status_code == 404
