"""The JSON Schema of the document: valid draft 2020-12, every section, names, labels, errors
as diagnostics with JSON pointers."""
from __future__ import annotations

import json

import jsonschema
import pytest

from schema_store import names, validate
from schema_store.document_schema import SCHEMA_PATH, check_document, schema
from schema_store.tables import system_columns
from tests.schema_store.builders import DELETE, codes, label, make_doc

SECTIONS = ("objects", "rules", "assignment", "approvals", "scoring", "duplicates", "forms", "reports",
            "roles", "permissions", "calendar", "app", "teams")


def test_schema_file_is_a_valid_draft_2020_12_schema():
    raw = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert raw["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(raw)


def test_every_design_section_is_in_the_schema():
    assert set(SECTIONS) <= set(schema()["properties"])


def test_the_base_document_validates_with_plain_jsonschema_too():
    jsonschema.Draft202012Validator(schema()).validate(make_doc())


def test_reserved_word_lists_match_the_name_pattern_and_system_columns():
    pattern = schema()["$defs"]["apiName"]["not"]["pattern"]
    assert pattern == "^(" + "|".join(sorted(names.RESERVED)) + ")$"
    assert tuple(c.name for c in system_columns()) == names.SYSTEM_COLUMNS


def test_every_builtin_expression_function_is_reserved():
    import expression

    functions = {name.lower() for name in expression.BUILTINS.functions}
    assert functions <= names.EXPRESSION_WORDS, sorted(functions - names.EXPRESSION_WORDS)


@pytest.mark.parametrize("name", ["Lead", "1lead", "lead-x", "lead x", "a" * 64, "线索"])
def test_bad_api_names_are_refused_at_the_key(name):
    doc = make_doc(**{f"objects__lead__fields__{name}": {"type": "text"}})
    found = codes(check_document(doc))
    assert found[f"/objects/lead/fields/{name}"] == "schema.api_name"


@pytest.mark.parametrize("name,why", [("select", "SQL keyword"), ("order", "SQL keyword"),
                                      ("today", "expression keyword or function"),
                                      ("created_at", "system column"), ("stage", "system column")])
def test_reserved_words_are_refused_with_the_reason(name, why):
    diags = check_document(make_doc(**{f"objects__lead__fields__{name}": {"type": "text"}}))
    d = next(d for d in diags if d.path == f"/objects/lead/fields/{name}")
    assert d.code == "schema.reserved_word"
    assert why in d.messages["en"] and d.messages["zh-CN"]


@pytest.mark.parametrize("name", sorted(names.APP_PAGES))
def test_an_object_may_not_take_the_address_of_an_app_page(name):
    """``/app/scoring`` is the scoring page, so an object called ``scoring`` would have no list
    page; a field may still be called so."""
    doc = make_doc(**{f"objects__{name}": {"label": label("页", "Page"), "fields": {"title": {"type": "text"}}},
                      f"objects__lead__fields__{name}": {"type": "text"}})
    diags = [d for d in check_document(doc) if d.code.startswith("schema.")]
    assert [(d.path, d.code) for d in diags] == [(f"/objects/{name}", "schema.reserved_word")]
    assert "app page" in diags[0].messages["en"] and "系统页面" in diags[0].messages["zh-CN"]


def test_longest_api_name_is_accepted():
    name = "a" * 63
    assert validate(make_doc(**{f"objects__lead__fields__{name}": {"type": "text"}})) == []


def test_labels_are_bilingual_objects():
    doc = make_doc(objects__lead__label="Lead")
    assert codes(check_document(doc))["/objects/lead/label"] == "schema.type"
    doc = make_doc(objects__lead__label={"fr": "Piste"})
    assert "/objects/lead/label/fr" in codes(check_document(doc))
    assert validate(make_doc(objects__lead__label={"zh-CN": "线索"})) == []


def test_field_type_specific_properties():
    found = codes(check_document(make_doc(
        objects__lead__fields__name={"type": "text", "options": [{"value": "a"}]},
        objects__lead__fields__level={"type": "picklist"},
        objects__lead__fields__account={"type": "lookup"},
        objects__lead__fields__odd={"type": "colour"},
        objects__lead__fields__roll={"type": "rollup", "object": "x", "lookup": "y", "function": "sum"},
    )))
    assert found["/objects/lead/fields/name/options"] == "schema.not_for_type"
    assert found["/objects/lead/fields/level/options"] == "schema.required"
    assert found["/objects/lead/fields/account/target"] == "schema.required"
    assert found["/objects/lead/fields/odd/type"] == "schema.enum"
    assert not any(p.startswith("/objects/lead/fields/odd/") and p != "/objects/lead/fields/odd/type"
                   for p in found), "a wrong type should not cascade"
    assert found["/objects/lead/fields/roll/field"] == "schema.required"


@pytest.mark.parametrize("section,value,path", [
    ("rules", [{"key": "r", "object": "lead", "trigger": {"type": "explode"}, "actions": []}], "/rules/0/trigger/type"),
    ("rules", [{"key": "r", "object": "lead", "trigger": {"type": "create"},
                "actions": [{"type": "set_field", "field": "name"}]}], "/rules/0/actions/0/value"),
    ("assignment", {"routes": {"r": {"object": "lead", "entries": [{"when": "TRUE"}]}}},
     "/assignment/routes/r/entries/0/assign_to"),
    ("approvals", {"p": {"object": "lead", "steps": [{"key": "s", "approver": {"kind": "boss"}}]}},
     "/approvals/p/steps/0/approver/kind"),
    ("scoring", {"s": {"object": "lead", "field": "visits", "rules": [{"when": "TRUE"}]}},
     "/scoring/s/rules/0/points"),
    ("duplicates", {"d": {"object": "lead", "match": [{"field": "email"}], "action": "shout"}}, "/duplicates/d/action"),
    ("forms", {"f": {"object": "lead", "fields": []}}, "/forms/f/fields"),
    ("reports", {"r": {"type": "pie", "object": "lead"}}, "/reports/r/type"),
    ("roles", {"rep": {}}, "/roles/rep/label"),
    ("permissions", {"rep": {"lead": {"scope": "everyone"}}}, "/permissions/rep/lead/scope"),
    ("calendar", {"workdays": [0]}, "/calendar/workdays/0"),
    ("teams", {"ortho": {"label": "Ortho"}}, "/teams/ortho/label"),
])
def test_each_section_reports_its_own_place(section, value, path):
    diags = check_document(make_doc(**{section: value}))
    assert path in [d.path for d in diags], [str(d) for d in diags]


def test_unknown_top_level_section_and_non_object_document():
    assert codes(check_document(make_doc(extra=1)))["/extra"] == "schema.unknown_property"
    assert [d.code for d in check_document([])] == ["schema.not_object"]
    assert [d.code for d in validate("nope")] == ["schema.not_object"]


def test_objects_are_required():
    assert codes(check_document(make_doc(objects=DELETE)))["/objects"] == "schema.required"


def test_diagnostics_are_bilingual_and_serialise():
    d = check_document(make_doc(objects__lead__fields__x={"type": "text", "max_length": 0}))[0]
    out = d.to_dict("zh-CN")
    assert out["path"] == "/objects/lead/fields/x/max_length" and out["message"] == d.messages["zh-CN"]
    assert set(out) >= {"code", "message", "messages", "path", "span", "hint"}


def test_unchanged_objects_are_not_checked_twice_but_changes_are():
    doc = make_doc()
    assert check_document(doc) == []
    doc["objects"]["lead"]["fields"]["name"]["type"] = "nope"
    assert "/objects/lead/fields/name/type" in codes(check_document(doc))


def test_a_full_example_with_labels_validates():
    doc = make_doc(calendar={"timezone": "Asia/Shanghai", "workdays": [1, 2, 3, 4, 5],
                             "holidays": ["2026-10-01"], "extra_workdays": ["2026-09-27"]},
                   teams={"ortho": {"label": label("Orthopaedics", "骨科产品组")}})
    assert validate(doc) == []


def test_the_json_file_is_what_schema_source_builds():
    from schema_store import schema_source

    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_source.render(), (
        "regenerate with: python -m schema_store.schema_source")


def test_routing_entries_only_decide_the_owner():
    """Routing entries once accepted ``actions`` that the engine never ran; work to do on routing is
    a create rule, and an entry carrying actions is refused where it stands."""
    route = {"object": "lead", "entries": [{"when": "TRUE", "assign_to": {"kind": "owner_manager"},
                                            "actions": [{"type": "notify", "to": [{"kind": "owner"}],
                                                         "message": "x"}]}]}
    problems = validate(make_doc(assignment={"routes": {"r": route}}))
    assert codes(problems) == {"/assignment/routes/r/entries/0/actions": "schema.unknown_property"}
