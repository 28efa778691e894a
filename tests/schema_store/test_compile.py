"""Document -> AppSchema: frozen, typed, expressions attached, tables built (no I/O)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from schema_store import SchemaInvalid, compile_app
from schema_store.compile import checksum
from schema_store.names import identifier, index_name, table_name
from tests.schema_store.builders import make_doc


@pytest.fixture(scope="module")
def app():
    return compile_app(make_doc(
        objects__lead__fields__age={"type": "formula", "expression": "DAYS($today, DATEVALUE(created_at))"},
        objects__lead__fields__label_of={"type": "formula", "expression": "account.level"},
        objects__lead__fields__no={"type": "autonumber", "format": "CK{YYYYMMDD}-{seq:4}", "unique": True},
        objects__account__fields__lead_count={"type": "rollup", "object": "lead", "lookup": "account",
                                              "function": "count"},
        objects__account__fields__pipeline_value={"type": "rollup", "object": "lead", "lookup": "account",
                                                  "function": "sum", "field": "budget"},
    ), version=7)


def test_app_schema_is_immutable(app):
    lead = app.objects["lead"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        lead.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        lead.fields["x"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        app.document["objects"]["lead"]["label"]["en"] = "x"
    assert isinstance(lead.validations, tuple) and isinstance(lead.pipeline.nodes, tuple)


def test_fields_carry_types_storage_and_compiled_expressions(app):
    lead = app.objects["lead"]
    budget = lead.fields["budget"]
    assert (budget.type, budget.expr_type, budget.storage, budget.min) == ("currency", "currency", "currency", Decimal(0))
    assert budget.required_when.type == "boolean" and budget.required_when.references == {"stage"}
    assert budget.required_when.evaluate({"stage": "qualified"}) is True
    assert lead.fields["account"].target == "account" and lead.fields["account"].on_delete == "set_null"
    assert lead.fields["rep"].target == "user" and lead.fields["rep"].storage == "integer"
    assert lead.fields["channel"].option_values == ("web", "expo")
    assert lead.fields["channel"].default.evaluate({}) == "web"
    assert lead.fields["contract"].visible_when.references == {"account.nda_signed"}


def test_formulas_are_stored_only_when_they_read_just_the_record(app):
    lead = app.objects["lead"]
    assert lead.fields["weighted"].stored and lead.fields["weighted"].expr_type == "currency"
    assert not lead.fields["age"].stored and lead.fields["age"].column is None
    assert not lead.fields["label_of"].stored and lead.fields["label_of"].expr_type == "picklist"
    acct = app.objects["account"]
    assert acct.fields["lead_count"].expr_type == "number" and acct.fields["lead_count"].stored
    assert acct.fields["pipeline_value"].expr_type == "currency"


def test_pipeline_validations_and_rules(app):
    lead = app.objects["lead"]
    p = lead.pipeline
    assert p.field == "stage" and p.initial == "new" and p.keys == ("new", "qualified", "won", "lost")
    q = p.node("qualified")
    assert q.requires == ("budget",) and q.sla.hours == 72 and [lv.name for lv in q.sla.levels] == ["yellow", "red"]
    v = lead.validations[0]
    assert v.key == "budget_positive" and v.field == "budget" and v.error_when.evaluate({"budget": -1}) is True
    (rule,) = app.rules_for("lead", "stage_entered")
    assert rule.trigger.stage == "qualified" and rule.when.source == "budget > 1000"
    assert rule.actions[0].type == "notify" and rule.actions[0].params["to"][0]["kind"] == "owner"
    assert app.expression("/rules/0/when") is rule.when


def test_tables_have_system_columns_typed_fields_and_indexes(app):
    t = app.tables["lead"]
    assert t.name == "obj_lead" and list(t.c.keys())[:3] == ["id", "owner", "created_at"]
    assert isinstance(t.c.budget.type, sa.Numeric) and t.c.budget.type.scale == 4
    assert isinstance(t.c.account.type, sa.Integer) and isinstance(t.c.contract.type, sa.Text)
    assert "age" not in t.c and "label_of" not in t.c and "weighted" in t.c
    assert t.c.created_at.type.timezone is True and t.c.version.nullable is False
    names = {ix.name: (tuple(c.name for c in ix.columns), ix.unique) for ix in t.indexes}
    for col in ("owner", "created_at", "stage", "account", "channel", "rep"):
        assert names[f"ix_obj_lead_{col}"] == ((col,), False)
    assert names["ux_obj_lead_no"] == (("no",), True)
    assert "ix_obj_lead_name" not in names


def test_long_names_are_shortened_deterministically():
    long = "a" * 63
    assert table_name(long) == identifier("obj", long) and len(table_name(long)) == 63
    assert index_name(long, "b" * 63) != index_name(long, "b" * 62)
    assert len(index_name(long, "b" * 63)) <= 63


def test_invalid_documents_raise_with_every_problem():
    with pytest.raises(SchemaInvalid) as err:
        compile_app(make_doc(objects__lead__title_field="nope", objects__lead__fields__x={"type": "text", "y": 1}))
    assert {d.path for d in err.value.diagnostics} == {"/objects/lead/fields/x/y"}  # schema first
    with pytest.raises(SchemaInvalid) as err:
        compile_app(make_doc(objects__lead__title_field="nope", objects__lead__fields__visits__default="'x'"))
    assert {d.path for d in err.value.diagnostics} == {"/objects/lead/title_field",
                                                       "/objects/lead/fields/visits/default"}


def test_checksum_ignores_key_order():
    assert checksum({"a": 1, "b": [1, 2]}) == checksum({"b": [1, 2], "a": 1})
    assert checksum({"a": 1}) != checksum({"a": 2})


def test_stored_formula_evaluates_and_compiles_to_sql(app):
    f = app.objects["lead"].fields["weighted"].formula
    assert f.evaluate({"budget": Decimal("1.5")}) == Decimal("3.0")
    expr = f.to_sql({"budget": app.tables["lead"].c.budget}, now=dt.datetime.now(dt.timezone.utc),
                    tz=dt.timezone.utc)
    assert "budget" in str(expr)
