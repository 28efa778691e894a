"""DDL sync on SQLite and PostgreSQL: one real table per object, and every migration kind keeps
the data (archive, restore, rename, convert) or refuses the publish naming the rows."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from schema_store import PublishError, plan_publish, publish
from tests.schema_store.builders import DELETE, make_doc, one_object
from tests.schema_store.dbutil import archived, columns, indexes, insert, rows, tables

FIELDS = {"name": {"type": "text"}, "amount": {"type": "text"}, "kind": {"type": "text"},
          "visits": {"type": "number"}}


def test_publish_creates_one_typed_table_per_object_with_indexes(engine):
    result = publish(engine, make_doc(), actor_id=1)
    assert result.version == 1
    assert {"obj_account", "obj_lead", "meta_versions", "meta_live", "meta_draft", "meta_archive"} <= set(
        tables(engine))
    cols = columns(engine, "lead")
    assert cols[:11] == ["id", "owner", "created_at", "created_by", "updated_at", "updated_by", "version", "stage",
                         "stage_entered_at", "deleted_at", "last_activity_at"]
    assert {"name", "budget", "account", "channel", "rep", "tags", "contract", "weighted"} <= set(cols)
    ix = indexes(engine, "lead")
    for col in ("owner", "created_at", "stage", "account", "channel", "rep"):
        assert ix[f"ix_obj_lead_{col}"] == ((col,), False)
    ids = insert(engine, result.app, "lead", {"name": "a", "budget": Decimal("12.3456")},
                 {"name": "b", "budget": Decimal("0.1")})
    assert rows(engine, "lead", "budget", "version") == [(ids[0], Decimal("12.3456"), 1), (ids[1], Decimal("0.1"), 1)]


def test_adding_a_field_keeps_rows_and_removing_archives_then_readding_restores(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"name": "a", "visits": 3}, {"name": "b", "visits": None},
                 {"name": "c", "visits": Decimal("4.5")})
    publish(engine, one_object({**FIELDS, "note": {"type": "textarea"}}))
    assert rows(engine, "lead", "name", "note") == [(ids[0], "a", None), (ids[1], "b", None), (ids[2], "c", None)]
    removed = {k: v for k, v in FIELDS.items() if k != "visits"} | {"note": {"type": "textarea"}}
    result = publish(engine, one_object(removed))
    assert [op.kind for op in result.ops] == ["remove_field"]
    assert result.impact[0].archive == 2
    assert "visits" not in columns(engine, "lead")
    assert [rid for rid, _ in archived(engine, "lead", "visits")] == [ids[0], ids[2]]
    restored = publish(engine, one_object({**removed, "visits": {"type": "number"}}))
    assert restored.impact[0].restore == 2
    assert rows(engine, "lead", "visits") == [(ids[0], Decimal(3)), (ids[1], None), (ids[2], Decimal("4.5"))]
    assert archived(engine, "lead", "visits") == []


def test_readding_with_another_type_converts_archived_values(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"visits": 3}, {"visits": Decimal("4.5")})
    publish(engine, one_object({k: v for k, v in FIELDS.items() if k != "visits"}))
    publish(engine, one_object({**FIELDS, "visits": {"type": "text"}}))
    assert rows(engine, "lead", "visits") == [(ids[0], "3"), (ids[1], "4.5")]


def test_rename_keeps_data_and_moves_indexes(engine):
    fields = {**FIELDS, "level": {"type": "picklist", "options": [{"value": "A"}, {"value": "B"}]}}
    app = publish(engine, one_object(fields)).app
    ids = insert(engine, app, "lead", {"name": "a", "level": "A"}, {"name": "b", "level": "B"})
    renamed = {k: v for k, v in fields.items() if k != "level"} | {
        "tier": {"type": "picklist", "options": [{"value": "A"}, {"value": "B"}], "renamed_from": "level"}}
    result = publish(engine, one_object(renamed))
    assert [op.kind for op in result.ops if op.ddl] == ["rename_field"]
    assert rows(engine, "lead", "tier") == [(ids[0], "A"), (ids[1], "B")]
    ix = indexes(engine, "lead")
    assert "ix_obj_lead_tier" in ix and "ix_obj_lead_level" not in ix


def test_type_change_converts_values_and_rebuilds_indexes(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"amount": "1,200.50", "kind": "A"}, {"amount": None, "kind": "B"},
                 {"amount": "7", "kind": None})
    retyped = {**FIELDS, "amount": {"type": "currency"},
               "kind": {"type": "picklist", "options": [{"value": "A"}, {"value": "B"}]}}
    result = publish(engine, one_object(retyped))
    impact = {i.op.field: i for i in result.impact if i.op.kind == "retype_field"}
    assert impact["amount"].convert == 2 and impact["kind"].convert == 2
    assert rows(engine, "lead", "amount", "kind") == [
        (ids[0], Decimal("1200.5"), "A"), (ids[1], None, "B"), (ids[2], Decimal("7"), None)]
    assert indexes(engine, "lead")["ix_obj_lead_kind"] == (("kind",), False)
    back = publish(engine, one_object(FIELDS))
    assert rows(engine, "lead", "amount") == [(ids[0], "1200.5"), (ids[1], None), (ids[2], "7")]
    assert "ix_obj_lead_kind" not in indexes(engine, "lead") and back.version == 3


def test_type_change_that_cannot_convert_is_refused_naming_rows(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"amount": "12"}, {"amount": "about 30"}, {"amount": "n/a"})
    with pytest.raises(PublishError) as err:
        publish(engine, one_object({**FIELDS, "amount": {"type": "number"}}))
    (d,) = err.value.diagnostics
    assert d.code == "publish.unconvertible" and d.path == "/objects/lead/fields/amount"
    assert f"#{ids[1]}: about 30" in d.messages["en"] and f"#{ids[2]}" in d.messages["en"]
    assert [r["id"] for r in d.data["rows"]] == ids[1:]
    assert rows(engine, "lead", "amount") == [(ids[0], "12"), (ids[1], "about 30"), (ids[2], "n/a")]
    with engine.connect() as conn:
        plan = plan_publish(conn, one_object({**FIELDS, "amount": {"type": "number"}}))
    assert not plan.ok and plan.impact[0].unconvertible[0][0] == ids[1]


def test_unique_needs_distinct_live_values(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"name": "a"}, {"name": "a"}, {"name": "b"})
    with pytest.raises(PublishError) as err:
        publish(engine, one_object({**FIELDS, "name": {"type": "text", "unique": True}}))
    assert err.value.diagnostics[0].code == "publish.duplicates"
    assert f"#{ids[0]}, #{ids[1]}" in err.value.diagnostics[0].messages["en"]
    with engine.begin() as conn:  # a soft-deleted duplicate does not count
        conn.execute(app.tables["lead"].update().where(app.tables["lead"].c.id == ids[1])
                     .values(deleted_at=dt.datetime.now(dt.timezone.utc)))
    publish(engine, one_object({**FIELDS, "name": {"type": "text", "unique": True}}))
    assert indexes(engine, "lead")["ux_obj_lead_name"] == (("name",), True)


def test_dropping_an_object_with_rows_needs_confirmation_and_comes_back(engine):
    doc = make_doc()
    app = publish(engine, doc).app
    ids = insert(engine, app, "account", {"name": "Ruijin", "level": "三甲"}, {"name": "Huashan", "level": None})
    without = make_doc(objects__account=DELETE, objects__lead__fields__account=DELETE,
                       objects__lead__fields__contract__visible_when=DELETE,
                       objects__lead__layouts__form__sections__0__fields=["name"])
    with pytest.raises(PublishError) as err:
        publish(engine, without)
    assert [d.code for d in err.value.diagnostics] == ["publish.confirm_drop"]
    assert "obj_account" in tables(engine)
    result = publish(engine, without, confirm_destructive=True)
    assert next(i for i in result.impact if i.op.kind == "drop_object").archive == 2
    assert "obj_account" not in tables(engine)
    publish(engine, doc)  # the object comes back with its records (and ids)
    assert rows(engine, "account", "name", "level") == [(ids[0], "Ruijin", "三甲"), (ids[1], "Huashan", None)]
    new_id = insert(engine, app, "account", {"name": "Zhongshan"})[0]
    assert new_id > ids[1]


def test_renaming_an_object_keeps_its_records(engine):
    app = publish(engine, one_object(FIELDS)).app
    ids = insert(engine, app, "lead", {"name": "a"})
    doc = {"objects": {"prospect": {"label": {"en": "Prospect"}, "fields": FIELDS, "renamed_from": "lead"}}}
    result = publish(engine, doc)
    assert [op.kind for op in result.ops if op.ddl] == ["rename_object"]
    assert rows(engine, "prospect", "name") == [(ids[0], "a")]
    assert "obj_lead" not in tables(engine) and "ix_obj_prospect_owner" in indexes(engine, "prospect")


def test_retargeting_a_lookup_that_holds_ids_is_refused(engine):
    doc = make_doc(objects__contact={"label": {"en": "Contact"}, "fields": {"name": {"type": "text"}}})
    app = publish(engine, doc).app
    insert(engine, app, "lead", {"name": "a", "account": 1})
    with pytest.raises(PublishError) as err:
        publish(engine, make_doc(objects__contact={"label": {"en": "Contact"}, "fields": {"name": {"type": "text"}}},
                                 objects__lead__fields__account={"type": "lookup", "target": "contact"},
                                 objects__lead__fields__contract__visible_when=DELETE))
    assert err.value.diagnostics[0].code == "publish.retarget"


def test_stored_formulas_and_rollups_are_computed_for_existing_rows(engine):
    app = publish(engine, make_doc()).app
    acc = insert(engine, app, "account", {"name": "A"}, {"name": "B"})
    leads = insert(engine, app, "lead", {"name": "x", "account": acc[0], "budget": 10},
                   {"name": "y", "account": acc[0], "budget": 5}, {"name": "z", "account": acc[1], "budget": None})
    assert rows(engine, "lead", "weighted") == [(leads[0], None), (leads[1], None), (leads[2], None)]
    doc = make_doc(objects__lead__fields__weighted__expression="budget * 3",
                   objects__account__fields__lead_count={"type": "rollup", "object": "lead", "lookup": "account",
                                                         "function": "count"},
                   objects__account__fields__pipeline={"type": "rollup", "object": "lead", "lookup": "account",
                                                       "function": "sum", "field": "budget",
                                                       "filter": "budget > 6"})
    publish(engine, doc)
    assert rows(engine, "lead", "weighted") == [(leads[0], Decimal(30)), (leads[1], Decimal(15)), (leads[2], None)]
    assert rows(engine, "account", "lead_count", "pipeline") == [(acc[0], Decimal(2), Decimal(10)),
                                                                 (acc[1], Decimal(1), Decimal(0))]


def test_a_formula_that_becomes_computed_loses_its_column(engine):
    publish(engine, make_doc())
    assert "weighted" in columns(engine, "lead")
    publish(engine, make_doc(objects__lead__fields__weighted__expression="account.level & name"))
    assert "weighted" not in columns(engine, "lead")
