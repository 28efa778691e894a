"""The live expression check behind the designer's expression inputs: checked against the DRAFT's
fields, positioned errors with hints, result type and SQL capability, and "try it" on a real record
with its live values, lookup paths and $user, only as far as the analyst may read."""
from __future__ import annotations

import copy

from tests.builder.designer_logic.kit import SAMPLE, analyst, any_designer_app, designer_app, set_draft  # noqa: F401
from tests.fixtures_app import csrf_from


def post_check(client, **body):
    token = csrf_from(client.get("/builder").get_data(as_text=True))
    return client.post("/builder/expr/check", json=body, headers={"X-CSRFToken": token})


def records(app, admin_token, object_name, *rows):
    ids = []
    for row in rows:
        r = app.test_client().post(f"/api/v1/records/{object_name}", json=row,
                                   headers={"Authorization": f"Bearer {admin_token}"})
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    return ids


def test_a_misspelt_field_gets_a_positioned_error_with_a_hint(analyst):
    body = post_check(analyst, expr="IF(budgett > 10, 1, 0)", object="sample_test").get_json()
    assert body["ok"] is False
    [err] = body["errors"]
    assert (err["line"], err["column"], err["end_column"]) == (1, 4, 11)
    assert err["excerpt"] == "IF(budgett > 10, 1, 0)\n   ^^^^^^^"
    assert "budget" in err["hint"]


def test_a_good_expression_reports_type_and_sql_capability(analyst):
    good = post_check(analyst, expr="budget * 2", object="sample_test").get_json()
    assert (good["ok"], good["type"], good["sql"], good["fields_from"]) == (True, "number", True, "draft")
    volatile = post_check(analyst, expr="REGEX(name, \"^A\")", object="sample_test").get_json()
    assert volatile["ok"] is True and volatile["type"] == "boolean"
    assert volatile["sql"] is False and volatile["sql_reason"]


def test_the_expected_type_is_checked_like_publishing_checks_it(analyst):
    wrong = post_check(analyst, expr="budget + 1", object="sample_test", expect="boolean").get_json()
    assert wrong["ok"] is False and wrong["type"] == "number"
    assert wrong["errors"][0]["code"] == "expr.result_type"
    assert post_check(analyst, expr="budget > 1", object="sample_test", expect="boolean").get_json()["ok"]


def test_fields_only_in_the_draft_are_known_and_lookup_paths_and_user_work(designer_app, analyst):
    doc = copy.deepcopy(SAMPLE)
    doc["objects"]["sample_test"]["fields"]["lab"] = {"type": "text", "label": {"zh-CN": "实验室"}}
    set_draft(designer_app, doc)
    body = post_check(analyst, expr='lab & account.tier & owner.team & $user.team', object="sample_test").get_json()
    assert body["ok"] is True, body
    assert body["fields_from"] == "draft"
    assert body["references"] == ["account.tier", "lab", "owner.team"]


def test_a_broken_draft_falls_back_to_the_live_fields(designer_app, analyst, monkeypatch):
    from builder.designer import views_expr
    monkeypatch.setattr(views_expr, "draft_fields", lambda document, name: None)   # the draft cannot be typed
    body = post_check(analyst, expr="budget > 1", object="sample_test").get_json()
    assert body["ok"] is True and body["fields_from"] == "live"


def test_try_it_evaluates_on_a_record_with_lookup_paths_and_user(any_designer_app):
    designer_app = any_designer_app
    analyst = designer_app.users.client("analyst", "ana")
    token = designer_app.users.token("boss", "admin")
    [acct] = records(designer_app, token, "team_account", {"name": "协和", "tier": "A"})
    [rec] = records(designer_app, token, "sample_test", {"name": "样品一", "budget": 120, "account": acct})
    found = analyst.get("/builder/expr/records?object=sample_test&q=样品").get_json()["results"]
    assert found == [{"id": rec, "title": "样品一"}]
    assert analyst.get(f"/builder/expr/records?object=sample_test&q=%23{rec}").get_json()["results"][0]["id"] == rec
    body = post_check(analyst, expr='TEXT(budget * 2) & "/" & account.tier & "/" & $user.role & "/" & owner.username', object="sample_test",
                      record_id=rec).get_json()
    assert body["try"] == {"ok": True, "record_id": rec, "value": "240/A/analyst/boss", "display": "240/A/analyst/boss"}
    blank = post_check(analyst, expr="ISBLANK(budget)", object="sample_test", record_id=rec).get_json()
    assert blank["try"]["display"] == "FALSE"


def test_try_it_respects_what_the_analyst_may_read(designer_app, analyst):
    token = designer_app.users.token("boss", "admin")
    [rec] = records(designer_app, token, "sample_test", {"name": "样品一", "budget": 5})
    doc = copy.deepcopy(SAMPLE)
    doc["permissions"] = {"analyst": {"team_account": {"read": True}}}          # no access to sample_test
    import schema_store
    schema_store.publish(designer_app.extensions["crm"].engine, doc)
    body = post_check(analyst, expr="budget", object="sample_test", record_id=rec).get_json()
    assert body["try"]["ok"] is False
    assert analyst.get("/builder/expr/records?object=sample_test").get_json()["results"] == []


def test_bad_requests_are_clear_400s_and_only_designers_may_check(designer_app, analyst):
    assert post_check(analyst, expr=5).status_code == 400
    assert post_check(analyst, expr="1", expect="colour").status_code == 400
    assert post_check(analyst, expr="1" * 5000).status_code == 400
    assert post_check(analyst, expr="1 +", object="no_such_object").get_json()["ok"] is False
    rep = designer_app.users.client("rep")
    assert post_check(rep, expr="1").status_code == 403
    assert rep.get("/builder/expr/records?object=sample_test").status_code == 403
    no_csrf = analyst.post("/builder/expr/check", json={"expr": "1"})
    assert no_csrf.status_code == 400


def test_an_object_that_exists_only_in_the_draft_is_checked_but_has_nothing_to_try(designer_app, analyst):
    doc = copy.deepcopy(SAMPLE)
    doc["objects"]["lab_report"] = {"label": {"zh-CN": "检测报告"}, "fields": {"score": {"type": "number"}}}
    set_draft(designer_app, doc)
    body = post_check(analyst, expr="score >= 60", object="lab_report", expect="boolean", record_id=1).get_json()
    assert (body["ok"], body["fields_from"]) == (True, "draft")
    assert body["try"]["ok"] is False and "尚未发布" in body["try"]["message"]
    listing = analyst.get("/builder/expr/records?object=lab_report").get_json()
    assert listing["results"] == [] and "尚未发布" in listing["message"]
