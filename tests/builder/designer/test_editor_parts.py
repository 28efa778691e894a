"""The designer's pure parts: the field form both ways, the layout form, which places read a
changed field, and which editor page a JSON pointer opens."""
from __future__ import annotations

import schema_store
from builder.designer import field_form, layout_form
from builder.designer.editor_links import editor_link
from builder.designer.references import affected, references
from schema_store.diff import diff


def _(text, **kw):
    return text % kw if kw else text


def test_changing_a_fields_type_drops_the_options_it_no_longer_takes():
    before = {"type": "picklist", "label": {"zh-CN": "结果"}, "description": {"en": "kept"},
              "options": [{"value": "a", "color": "red"}], "required": True}
    values = {**field_form.inputs("result", before), "type": "number", "min": "0", "max": "9", "unique": "1"}
    field, errors = field_form.parse(values, before, _)
    assert errors == {}
    assert field == {"type": "number", "label": {"zh-CN": "结果"}, "description": {"en": "kept"},
                     "required": True, "unique": True, "min": 0, "max": 9}
    # and back: the colour of an option survives an edit of its labels
    again, errors = field_form.parse({**field_form.inputs("result", before), "opt-0-en": "A"}, before, _)
    assert again["options"] == [{"value": "a", "label": {"en": "A"}, "color": "red"}]


def test_computed_fields_take_neither_required_nor_default():
    field, errors = field_form.parse({"type": "formula", "expression": "1 + 1", "required": "1", "default": "3",
                                      "scale": "2"}, None, _)
    assert errors == {} and field == {"type": "formula", "expression": "1 + 1", "scale": 2}
    _field, errors = field_form.parse({"type": "rollup", "rollup_function": "sum"}, None, _)
    assert set(errors) == {"rollup_object", "rollup_lookup", "rollup_field"}
    _field, errors = field_form.parse({"type": "number", "scale": "11", "min": "5", "max": "1"}, None, _)
    assert set(errors) == {"scale", "max"}
    _field, errors = field_form.parse({"type": "bogus"}, None, _)
    assert set(errors) == {"type"}


def test_the_layout_form_round_trips_and_orders_fields_by_position():
    obj = {"fields": {"a": {}, "b": {}, "c": {}},
           "layouts": {"form": {"sections": [{"label": {"en": "One"}, "columns": 2, "fields": ["b", "a"]},
                                             {"columns": 1, "fields": ["c"], "visible_when": "NOT ISBLANK(a)"}]}}}
    values = layout_form.inputs(obj)
    sections, errors = layout_form.parse(values, ["a", "b", "c"], _)
    assert errors == {} and sections == obj["layouts"]["form"]["sections"]
    values["place-c-section"], values["place-c-pos"] = "0", "1.5"
    sections, _errors = layout_form.parse(values, ["a", "b", "c"], _)
    assert sections == [{"label": {"en": "One"}, "columns": 2, "fields": ["b", "c", "a"]}]   # empty section dropped
    values["sec-1-pos"] = "0.5"                                          # the second section moves first
    values["place-b-section"] = "1"
    sections, _errors = layout_form.parse(values, ["a", "b", "c"], _)
    assert [s["fields"] for s in sections] == [["b"], ["c", "a"]]
    default = layout_form.inputs({"fields": {"x": {}, "y": {}}})
    assert layout_form.parse(default, ["x", "y"], _)[0] == [{"columns": 2, "fields": ["x", "y"]}]


DOC = {"objects": {
    "lead": {"label": {"en": "Lead"}, "title_field": "name", "fields": {
        "name": {"type": "text"}, "budget": {"type": "number"}, "other": {"type": "text"}},
        "layouts": {"list": {"columns": ["name", "budget"]}}},
    "deal": {"label": {"en": "Deal"}, "fields": {"budget": {"type": "number"},
                                                 "lead": {"type": "lookup", "target": "lead"}}}},
    "rules": [{"key": "big", "object": "lead", "trigger": {"type": "field_changed", "field": "budget"},
               "when": "budget > 10", "actions": [{"type": "notify", "to": [{"kind": "owner"}],
                                                  "message": {"en": "big {name}"}}]},
              {"key": "deal_rule", "object": "deal", "trigger": {"type": "create"}, "when": "budget > 1",
               "actions": [{"type": "set_field", "field": "budget", "value": "lead.budget"}]}],
    "reports": {"by_budget": {"type": "matrix", "object": "lead", "rows": "budget", "columns": "name"}}}


def test_references_name_every_place_that_reads_a_field_of_that_object():
    app = schema_store.compile_app(DOC, 1)
    found = {r.path for r in references(app, {("lead", "budget")})}
    assert found == {"/rules/0/when", "/rules/0/trigger/field", "/reports/by_budget/rows",
                     "/objects/lead/layouts/list/columns"}
    # deal.budget is another field; deal_rule reads lead.budget only through the lookup (listed as deal.lead)
    assert {r.path for r in references(app, {("deal", "budget")})} == {"/rules/1/when", "/rules/1/actions/0/field"}


def test_affected_follows_the_fields_a_publish_changes():
    old = schema_store.compile_app(DOC, 1)
    new_doc = {**DOC, "objects": {**DOC["objects"], "lead": {**DOC["objects"]["lead"], "fields": {
        **DOC["objects"]["lead"]["fields"], "budget": {"type": "currency"}}}}}
    new = schema_store.compile_app(new_doc, 2)
    paths = {(r.object, r.field, r.path) for r in affected(old, new, diff(old, new))}
    assert ("lead", "budget", "/rules/0/when") in paths and all(f == "budget" for _o, f, _p in paths)
    assert affected(old, old, diff(old, old)) == []


def test_each_pointer_opens_the_editor_that_changes_it():
    assert editor_link("/objects/lead/fields/budget/required_when") == "/builder/objects/lead/fields/budget#in-required_when"
    assert editor_link("/objects/lead/fields/budget") == "/builder/objects/lead/fields/budget"
    assert editor_link("/objects/lead/layouts/form/sections/0") == "/builder/objects/lead/layout"
    assert editor_link("/objects/lead/pipeline/nodes/2/sla") == "/builder/objects/lead/pipeline"
    assert editor_link("/objects/lead/title_field") == "/builder/objects/lead"
    assert editor_link("/rules/1/when", DOC) == "/builder/rules/deal_rule"
    assert editor_link("/rules/9/when", DOC) == "/builder/rules"
    assert editor_link("/forms/contact_us/fields/0") == "/builder/forms/contact_us"
    assert editor_link("/assignment/routes/web/entries/0/when") == "/builder/assignment/web"
    assert editor_link("/assignment/pools/public") == "/builder/assignment-pools"
    assert editor_link("/reports/pipeline_value/measures") == "/builder/reports/pipeline_value"
    assert editor_link("/permissions/rep/lead/scope_when") == "/builder/permissions/rep"
    assert editor_link("/teams/east/parent") == "/builder/teams/east"
    assert editor_link("/roles/kam/label") == "/builder/roles/kam"
    assert editor_link("/calendar/holidays/0") == "/builder/calendar"
    assert editor_link("") == editor_link("/app/name") == "/builder"
