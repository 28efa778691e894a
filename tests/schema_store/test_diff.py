"""diff(old, new): the operations of a publish, described in both languages (pure)."""
from __future__ import annotations

from schema_store import compile_app
from schema_store import diff as d
from tests.schema_store.builders import DELETE, make_doc


def kinds(ops):
    return [(op.kind, op.object, getattr(op, "field", None)) for op in ops]


def test_from_nothing_creates_every_object_then_computes_stored_formulas():
    ops = d.diff(None, make_doc())
    assert kinds(ops)[:3] == [("create_object", "account", None), ("create_object", "lead", None),
                              ("recompute_field", "lead", "weighted")]
    rules = next(op for op in ops if op.kind == "change_rules")
    assert rules.added == ("notify_qualified",)


def test_no_change_no_ops():
    assert d.diff(make_doc(), make_doc()) == []


def test_added_removed_renamed_retyped_fields():
    old = make_doc()
    new = make_doc(objects__lead__layouts=DELETE,objects__lead__fields__visits=DELETE,
                   objects__lead__fields__full_name={"type": "text", "renamed_from": "name"},
                   objects__lead__fields__name=DELETE,
                   objects__lead__title_field="full_name",
                   objects__lead__fields__email={"type": "text"},
                   objects__lead__fields__booth={"type": "number"},
                   objects__lead__fields__score={"type": "number", "unique": True})
    ops = d.diff(old, new)
    assert [k for k in kinds(ops) if k[0] in ("remove_field", "rename_field", "retype_field", "add_field")] == [
        ("remove_field", "lead", "visits"), ("rename_field", "lead", "full_name"),
        ("retype_field", "lead", "booth"), ("retype_field", "lead", "email"), ("add_field", "lead", "score")]
    rename = next(op for op in ops if op.kind == "rename_field")
    assert rename.old == "name" and "name" in rename.describe()["zh-CN"]
    email = next(op for op in ops if op.kind == "retype_field" and op.field == "email")
    assert not email.column_changes  # email -> text: same column type, values only checked
    booth = next(op for op in ops if op.kind == "retype_field" and op.field == "booth")
    assert booth.column_changes and booth.describe()["en"] == (
        "change 'lead.booth' from text to number (values converted)")


def test_rename_is_reversed_on_rollback():
    old = make_doc(objects__lead__fields__full_name={"type": "text", "renamed_from": "name"},
                   objects__lead__fields__name=DELETE, objects__lead__title_field="full_name",
                   objects__lead__layouts=DELETE)
    ops = d.diff(old, make_doc())
    assert ("rename_field", "lead", "name") in kinds(ops)
    assert next(op for op in ops if op.kind == "rename_field").old == "full_name"


def test_object_rename_and_drop():
    old = make_doc()
    new = make_doc(objects__hospital=dict(make_doc()["objects"]["account"], renamed_from="account"),
                   objects__account=DELETE, objects__lead__fields__account__target="hospital",
                   objects__lead__fields__contract__visible_when="account.nda_signed")
    ops = d.diff(old, new)
    assert kinds(ops)[0] == ("rename_object", "hospital", None)
    gone = make_doc(objects__account=DELETE, objects__lead__fields__account=DELETE, objects__lead__layouts=DELETE,
                    objects__lead__fields__contract__visible_when=DELETE)
    ops = d.diff(old, gone)
    assert ("drop_object", "account", None) in kinds(ops)
    assert ("remove_field", "lead", "account") in kinds(ops)


def test_index_changes_and_formula_changes():
    old = make_doc()
    new = make_doc(objects__lead__fields__email__unique=True,
                   objects__lead__fields__weighted__expression="budget * 3")
    ops = d.diff(old, new)
    assert ("add_index", "lead", "email") in kinds(ops)
    assert ("recompute_field", "lead", "weighted") in kinds(ops)
    change = next(op for op in ops if op.kind == "change_field" and op.field == "weighted")
    assert change.changes == ("formula",)


def test_metadata_only_changes_pipeline_rules_sections():
    new = make_doc(objects__lead__fields__budget__label={"en": "Amount"},
                   objects__lead__pipeline__nodes__1__requires=[],
                   objects__lead__pipeline__nodes__3=DELETE,
                   objects__lead__pipeline__nodes__0__allowed_next=["qualified"],
                   objects__lead__pipeline__nodes__1__allowed_next=["won"],
                   rules=[], roles={"director": {"label": {"en": "Director"}}})
    ops = d.diff(make_doc(), new)
    assert not any(op.ddl for op in ops)
    by_kind = {op.kind: op for op in ops}
    assert by_kind["change_field"].changes == ("label",)
    assert by_kind["change_pipeline"].changed == ("new", "qualified") and by_kind["change_pipeline"].removed == ("lost",)
    assert by_kind["change_rules"].removed == ("notify_qualified",)
    assert by_kind["change_section"].section == "roles" and by_kind["change_section"].added == ("director",)
    for op in ops:
        out = op.to_dict("zh-CN")
        assert out["kind"] == op.kind and out["description"]


def test_diff_accepts_compiled_apps():
    a, b = compile_app(make_doc(), 1), compile_app(make_doc(objects__lead__fields__x={"type": "text"}), 2)
    assert kinds(d.diff(a, b)) == [("add_field", "lead", "x")]
