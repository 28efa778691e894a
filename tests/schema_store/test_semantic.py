"""Semantic validation: references resolve, expressions type-check with the right result type,
formulas form no cycle, picklist defaults are options; all problems reported together, each at
its JSON pointer (and line/column for expressions)."""
from __future__ import annotations

import pytest

from schema_store import validate
from tests.schema_store.builders import codes, label, make_doc


def one(doc, path):
    diags = [d for d in validate(doc) if d.path == path]
    assert diags, [str(d) for d in validate(doc)]
    return diags[0]


def test_base_document_is_valid():
    assert validate(make_doc()) == []


def test_unknown_field_in_an_expression_names_its_place_and_position():
    d = one(make_doc(objects__lead__fields__budget__required_when="stage = \"qualified\" && budgett > 1"),
            "/objects/lead/fields/budget/required_when")
    assert d.code == "unknown_field"
    assert d.span == (1, 24, 1, 31)
    assert "budget" in str(d.to_dict()["hint"])
    assert d.messages["zh-CN"]


def test_type_error_in_a_validation_rule():
    d = one(make_doc(objects__lead__validations__0__error_when="budget > \"abc\""),
            "/objects/lead/validations/0/error_when")
    assert d.span is not None and d.span[0] == 1


@pytest.mark.parametrize("key,source", [
    ("required_when", "budget"), ("visible_when", "name"), ("readonly_when", "visits + 1")])
def test_conditions_must_be_boolean(key, source):
    d = one(make_doc(**{f"objects__lead__fields__booth__{key}": source}), f"/objects/lead/fields/booth/{key}")
    assert d.code in ("expr.result_type", "result_type")


def test_defaults_must_match_the_field_type():
    found = codes(validate(make_doc(
        objects__lead__fields__visits__default="\"many\"",
        objects__lead__fields__budget__default=10,
        objects__lead__fields__email__default="'a@b.c'",
    )))
    assert found == {"/objects/lead/fields/visits/default": "expr.result_type"}


def test_picklist_defaults_must_be_options():
    found = codes(validate(make_doc(objects__lead__fields__channel__default="'fax'",
                                    objects__lead__fields__tags__default="'gcp;nope'")))
    assert found == {"/objects/lead/fields/channel/default": "field.default_option",
                     "/objects/lead/fields/tags/default": "field.default_option"}


def test_lookup_paths_and_user_paths_are_available_two_levels_deep():
    doc = make_doc(objects__account__fields__parent={"type": "lookup", "target": "account"},
                   objects__lead__fields__account_level={"type": "formula", "expression": "account.level"},
                   objects__lead__fields__region_match={"type": "formula",
                                                        "expression": "account.region = owner.region"},
                   objects__lead__fields__group_level={"type": "formula",
                                                       "expression": "account.parent.level & account.owner.name"})
    assert validate(doc) == []
    too_deep = make_doc(objects__account__fields__parent={"type": "lookup", "target": "account"},
                        objects__lead__fields__x={"type": "formula", "expression": "account.parent.parent.level"})
    assert codes(validate(too_deep)) == {"/objects/lead/fields/x/expression": "unknown_field"}


def test_a_formula_reading_itself_through_a_lookup_is_a_cycle():
    doc = make_doc(objects__account__fields__parent={"type": "lookup", "target": "account"},
                   objects__account__fields__depth={"type": "formula", "expression": "parent.depth + 1"})
    assert codes(validate(doc)) == {"/objects/account/fields/depth": "field.formula_cycle"}


def test_formula_cycles_are_reported_on_each_member():
    doc = make_doc(objects__lead__fields__a={"type": "formula", "expression": "b + 1"},
                   objects__lead__fields__b={"type": "formula", "expression": "a + 1"},
                   objects__lead__fields__c={"type": "formula", "expression": "b * 2"})
    found = codes(validate(doc))
    assert found["/objects/lead/fields/a"] == "field.formula_cycle"
    assert found["/objects/lead/fields/b"] == "field.formula_cycle"
    assert "/objects/lead/fields/c/expression" not in found  # blocked by the cycle, not itself wrong


def test_cycles_across_objects_through_lookups():
    doc = make_doc(objects__account__fields__lead={"type": "lookup", "target": "lead"},
                   objects__account__fields__x={"type": "formula", "expression": "lead.y"},
                   objects__lead__fields__y={"type": "formula", "expression": "account.x"})
    found = codes(validate(doc))
    assert found["/objects/account/fields/x"] == "field.formula_cycle"
    assert found["/objects/lead/fields/y"] == "field.formula_cycle"


def test_formulas_read_other_formulas_in_any_order():
    doc = make_doc(objects__lead__fields__z={"type": "formula", "expression": "weighted + y"},
                   objects__lead__fields__y={"type": "formula", "expression": "weighted / 2"})
    assert validate(doc) == []


def test_references_resolve_everywhere():
    doc = make_doc(
        objects__lead__fields__account={"type": "lookup", "target": "hospital"},
        objects__lead__title_field="title",
        objects__lead__pipeline__initial="start",
        objects__lead__pipeline__nodes__1__requires=["budget", "approval_no"],
        objects__lead__pipeline__nodes__1__allowed_next=["won", "paid"],
        objects__lead__layouts__form__sections__0__fields=["name", "phone"],
        objects__lead__layouts__list__columns=["name", "created_by", "colour"],
        rules=[{"key": "r", "object": "leads", "trigger": {"type": "create"},
                "actions": [{"type": "set_field", "field": "name", "value": "'x'"}]},
               {"key": "s", "object": "lead", "trigger": {"type": "stage_entered", "stage": "closed"},
                "actions": [{"type": "set_field", "field": "nme", "value": "'x'"}]}],
    )
    found = codes(validate(doc))
    assert found == {
        "/objects/lead/fields/account/target": "ref.object",
        "/objects/lead/title_field": "ref.field",
        "/objects/lead/pipeline/initial": "pipeline.initial",
        "/objects/lead/pipeline/nodes/1/requires/1": "ref.field",
        "/objects/lead/pipeline/nodes/1/allowed_next/1": "ref.stage",
        "/objects/lead/layouts/form/sections/0/fields/1": "ref.field",
        "/objects/lead/layouts/list/columns/2": "ref.field",
        "/rules/0/object": "ref.object",
        "/rules/1/trigger/stage": "ref.stage",
        "/rules/1/actions/0/field": "ref.field",
    } | {k: v for k, v in found.items() if k.startswith("/objects/lead/fields/contract")}


def test_all_problems_come_back_together_schema_and_semantic():
    doc = make_doc(objects__lead__fields__x={"type": "text", "bogus": 1},
                   objects__lead__fields__visits__visible_when="visits >",
                   objects__lead__title_field="nope")
    found = codes(validate(doc))
    assert found["/objects/lead/fields/x/bogus"] == "schema.unknown_property"
    assert "/objects/lead/fields/visits/visible_when" in found
    assert found["/objects/lead/title_field"] == "ref.field"


def test_rule_actions_type_check_against_their_targets():
    doc = make_doc(rules=[{"key": "r", "object": "lead", "trigger": {"type": "field_changed", "field": "budget"},
                           "when": "budget", "actions": [
                               {"type": "set_field", "field": "visits", "value": "name"},
                               {"type": "set_field", "field": "weighted", "value": "1"},
                               {"type": "set_field", "field": "stage", "value": "'nowhere'"},
                               {"type": "create_record", "object": "account",
                                "values": {"name": "name", "level": "budget"}},
                               {"type": "update_related", "lookup": "account", "values": {"region": "name"}},
                               {"type": "notify", "to": [{"kind": "field", "field": "budget"},
                                                         {"kind": "role", "role": "wizard"}],
                                "message": label("{name} {account.level} {nope}")},
                               {"type": "start_approval", "process": "missing"}]}])
    found = codes(validate(doc))
    assert found == {
        "/rules/0/when": found["/rules/0/when"],
        "/rules/0/actions/0/value": "expr.result_type",
        "/rules/0/actions/1/field": "field.wrong_kind",
        "/rules/0/actions/2/value": "ref.stage",
        "/rules/0/actions/3/values/level": "expr.result_type",
        "/rules/0/actions/5/to/0/field": "field.wrong_kind",
        "/rules/0/actions/5/to/1/role": "ref.role",
        "/rules/0/actions/5/message/en": "ref.placeholder",
        "/rules/0/actions/5/message/zh-CN": "ref.placeholder",
        "/rules/0/actions/6/process": "ref.process",
    }
    assert found["/rules/0/when"] in ("expr.result_type", "result_type")


def test_before_save_rules_may_only_change_the_record():
    doc = make_doc(rules=[{"key": "r", "object": "lead", "trigger": {"type": "create"}, "phase": "before_save",
                           "actions": [{"type": "set_field", "field": "visits", "value": "0"},
                                       {"type": "webhook", "url": "https://example.com/x"}]}])
    assert codes(validate(doc)) == {"/rules/0/actions/1/type": "rule.before_save_action"}


def test_stage_triggers_need_a_pipeline_and_known_levels():
    doc = make_doc(rules=[
        {"key": "a", "object": "account", "trigger": {"type": "stage_entered", "stage": "x"},
         "actions": [{"type": "set_field", "field": "region", "value": "'n'"}]},
        {"key": "b", "object": "lead", "trigger": {"type": "stage_overdue", "stage": "qualified", "level": "blue"},
         "actions": [{"type": "set_field", "field": "visits", "value": "1"}]},
        {"key": "b", "object": "lead", "trigger": {"type": "schedule", "cron": "every day"},
         "actions": [{"type": "set_field", "field": "visits", "value": "1"}]}])
    assert codes(validate(doc)) == {"/rules/0/trigger/stage": "ref.no_pipeline",
                                    "/rules/1/trigger/level": "ref.sla_level",
                                    "/rules/2/key": "dup.key", "/rules/2/trigger/cron": "rule.cron"}


def test_other_sections_resolve_references_and_type_check():
    doc = make_doc(
        assignment={"pools": {"public_sea": {"label": label("Public pool", "公海池")}},
                    "routes": {"leads": {"object": "lead", "entries": [
                        {"when": "ISPICKVAL(account.level, \"三甲\") && INCLUDES(tags, \"gcp\")",
                         "assign_to": {"kind": "team", "team": "ortho", "strategy": "round_robin"}},
                        {"when": "visits", "assign_to": {"kind": "pool", "pool": "private"}}],
                        "fallback": {"kind": "pool", "pool": "public_sea"}}}},
        teams={"sales": {"label": label("Sales")}},
        approvals={"cross": {"object": "lead", "entry_when": "account.region <> owner.region", "steps": [
            {"key": "mgr", "approver": {"kind": "owner_manager"}, "timeout_hours": 2, "on_timeout": "forward",
             "forward_to": {"kind": "role", "role": "director"}}],
            "on_approve": [{"type": "notify", "to": [{"kind": "owner"}], "message": label("ok")}]}},
        scoring={"lead_score": {"object": "lead", "field": "name", "parts": {"base": {"label": label("Base")}},
                                "rules": [{"part": "base", "when": "visits > 3", "points": 15},
                                          {"part": "extra", "when": "TRUE", "points": "'x'"}]}},
        duplicates={"by_email": {"object": "lead", "match": [{"field": "mail", "normalize": "email"}],
                                 "action": "block"}},
        forms={"web": {"object": "lead", "fields": [{"field": "name", "required": True}, {"field": "weighted"}],
                       "channel": {"field": "channel", "utm": {"utm_source": "source"}},
                       "required_by_channel": {"expo": ["booth"], "radio": ["name"]},
                       "thank_you": label("Thanks {name}")}},
        reports={"funnel": {"type": "funnel", "object": "account"},
                 "health": {"type": "metric", "object": "lead", "measures": {
                     "won": {"function": "rate", "filter": "stage = \"won\""},
                     "fast": {"function": "rate", "filter": "visits"}},
                            "formula": "won * 60 + fast * 40 + nope", "period": "month",
                            "thresholds": [{"below": 65, "level": "red", "diagnosis": label("slow")}]}},
        permissions={"rep": {"lead": {"read": True, "scope": "own", "scope_when": "owner = $user.id",
                                      "fields": {"budget": "read", "ghost": "hidden"}}},
                     "intern": {"lead": {"read": True}}},
        calendar={"timezone": "Mars/Olympus", "holidays": ["2026-02-30", "2026-10-01"],
                  "extra_workdays": ["2026-10-01"]},
    )
    found = codes(validate(doc))
    expected = {
        "/assignment/routes/leads/entries/0/assign_to/team": "ref.team",
        "/assignment/routes/leads/entries/1/when": None,
        "/assignment/routes/leads/entries/1/assign_to/pool": "ref.pool",
        "/approvals/cross/steps/0/forward_to/role": "ref.role",
        "/scoring/lead_score/field": "scoring.target",
        "/scoring/lead_score/rules/1/part": "ref.part",
        "/scoring/lead_score/rules/1/points": "expr.result_type",
        "/duplicates/by_email/match/0/field": "ref.field",
        "/forms/web/fields/1/field": "field.wrong_kind",
        "/forms/web/channel/utm/utm_source": "ref.field",
        "/forms/web/required_by_channel/radio": "form.channel_value",
        "/reports/funnel/type": "report.stage_field",
        "/reports/health/measures/fast/filter": None,
        "/reports/health/formula": "unknown_field",
        "/permissions/rep/lead/fields/ghost": "ref.field",
        "/permissions/intern": "ref.role",
        "/calendar/timezone": "calendar.timezone",
        "/calendar/holidays/0": "calendar.date",
        "/calendar/extra_workdays/0": "calendar.conflict",
    }
    assert set(found) == set(expected), sorted(set(found) ^ set(expected))
    for path, code in expected.items():
        if code is not None:
            assert found[path] == code, path


def test_rollups_check_child_lookup_and_field():
    doc = make_doc(objects__account__fields__leads={"type": "rollup", "object": "lead", "lookup": "account",
                                                     "function": "sum", "field": "budget",
                                                     "filter": "NOT ISPICKVAL(stage, \"lost\")"},
                   objects__account__fields__bad={"type": "rollup", "object": "lead", "lookup": "rep",
                                                  "function": "max", "field": "name"},
                   objects__account__fields__ratio={"type": "formula", "expression": "leads / 2"})
    found = codes(validate(doc))
    assert found == {"/objects/account/fields/bad/lookup": "field.wrong_kind",
                     "/objects/account/fields/bad/field": "field.wrong_kind"}


def test_autonumber_formats():
    ok = make_doc(objects__lead__fields__no={"type": "autonumber", "format": "CK{YYYYMMDD}-{seq:4}"})
    assert validate(ok) == []
    for fmt in ("CK{YYYY}", "{seq}{seq}", "X{DATE}{seq}", "{seq"):
        bad = make_doc(objects__lead__fields__no={"type": "autonumber", "format": fmt})
        assert codes(validate(bad)) == {"/objects/lead/fields/no/format": "field.autonumber_format"}, fmt


def test_duplicate_keys_and_options():
    doc = make_doc(objects__lead__fields__channel__options=[{"value": "web"}, {"value": "web"}, {"value": "a;b"}],
                   objects__lead__validations=[
                       {"key": "v", "error_when": "FALSE", "message": label("x")},
                       {"key": "v", "error_when": "FALSE", "message": label("y")}])
    found = codes(validate(doc))
    assert found["/objects/lead/fields/channel/options/1/value"] == "dup.option"
    assert found["/objects/lead/fields/channel/options/2/value"] == "field.option_separator"
    assert found["/objects/lead/validations/1/key"] == "dup.key"
