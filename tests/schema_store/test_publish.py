"""Drafts, publish, history, diff between versions, rollback, and the all-or-nothing guarantee
(a failure injected between two DDL steps changes nothing) on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from schema_store import (DraftConflict, PublishError, diff_versions, get_draft, get_version_document, list_versions,
                          live_version, plan_publish, publish, rollback, save_draft)
from schema_store.diff import SchemaOp
from tests.schema_store.builders import DELETE, label, make_doc
from tests.schema_store.dbutil import columns, insert, rows, snapshot


def test_versions_history_and_diff_between_any_two(engine):
    v1 = publish(engine, make_doc(), actor_id=7, note="first")
    v2 = publish(engine, make_doc(objects__lead__fields__score={"type": "number"}), actor_id=8)
    v3 = publish(engine, make_doc(objects__lead__fields__score={"type": "text"},
                                  objects__lead__fields__visits=DELETE))
    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    with engine.connect() as conn:
        assert live_version(conn) == 3
        history = list_versions(conn)
        assert [(v.version, v.published_by, v.note) for v in history] == [(3, None, None), (2, 8, None),
                                                                          (1, 7, "first")]
        assert history[1].ops[0]["kind"] == "add_field" and history[1].ops[0]["field"] == "score"
        assert "score" in get_version_document(conn, 2)["objects"]["lead"]["fields"]
        ops = diff_versions(conn, 1, 3)
        assert {(op.kind, getattr(op, "field", None)) for op in ops} == {("add_field", "score"),
                                                                          ("remove_field", "visits")}
        assert [op.kind for op in diff_versions(conn, 2, 3)] == ["remove_field", "retype_field"]


def test_rollback_publishes_an_old_version_as_new_and_restores_values(engine):
    app = publish(engine, make_doc()).app
    ids = insert(engine, app, "lead", {"name": "a", "visits": 3})
    publish(engine, make_doc(objects__lead__fields__visits=DELETE))
    assert "visits" not in columns(engine, "lead")
    result = rollback(engine, 1, actor_id=2)
    assert result.version == 3
    assert rows(engine, "lead", "visits") == [(ids[0], 3)]
    with engine.connect() as conn:
        latest = list_versions(conn)[0]
        assert (latest.version, latest.rollback_of, latest.note) == (3, 1, "rollback to version 1")
        assert get_version_document(conn, 3) == get_version_document(conn, 1)


def test_rollback_across_a_rename_renames_back(engine):
    app = publish(engine, make_doc()).app
    ids = insert(engine, app, "lead", {"name": "a", "booth": "B12"})
    publish(engine, make_doc(objects__lead__fields__booth=DELETE,
                             objects__lead__fields__stand={"type": "text", "renamed_from": "booth"}))
    assert rows(engine, "lead", "stand") == [(ids[0], "B12")]
    result = rollback(engine, 1)
    assert [op.kind for op in result.ops if op.ddl] == ["rename_field"]
    assert rows(engine, "lead", "booth") == [(ids[0], "B12")]


def test_an_injected_failure_between_two_ddl_steps_changes_nothing(engine):
    app = publish(engine, make_doc()).app
    insert(engine, app, "account", {"name": "Ruijin", "level": "三甲"})
    insert(engine, app, "lead", {"name": "a", "booth": "12", "visits": 2, "email": "a@b.c"},
           {"name": "b", "booth": None, "visits": None, "email": None})
    changed = make_doc(objects__lead__fields__visits=DELETE,
                       objects__lead__fields__booth={"type": "number"},
                       objects__lead__fields__mail={"type": "email", "renamed_from": "email"},
                       objects__lead__fields__email=DELETE,
                       objects__lead__fields__note={"type": "textarea"},
                       objects__contact={"label": label("Contact"), "fields": {"name": {"type": "text"}}})
    before = snapshot(engine)
    seen: list[SchemaOp] = []

    def fail_after_two_ddl_steps(op: SchemaOp) -> None:
        if op.ddl:
            seen.append(op)
        if len(seen) == 3:
            raise RuntimeError("injected")

    with pytest.raises(PublishError) as err:
        publish(engine, changed, on_op=fail_after_two_ddl_steps)
    assert err.value.diagnostics[0].code == "publish.failed" and "injected" in str(err.value)
    assert [op.kind for op in seen] == ["remove_field", "rename_field", "retype_field"]
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert live_version(conn) == 1
    publish(engine, changed)  # and the same publish works when nothing interferes
    assert rows(engine, "lead", "booth", "mail") == [(1, 12, "a@b.c"), (2, None, None)]


def test_invalid_documents_are_refused_with_every_diagnostic(engine):
    with pytest.raises(PublishError) as err:
        publish(engine, make_doc(objects__lead__fields__budget__required_when="budgett > 1",
                                 objects__lead__title_field="nope",
                                 objects__account__fields__level__options=[]))
    found = {d.path: d for d in err.value.diagnostics}
    assert set(found) == {"/objects/lead/fields/budget/required_when", "/objects/lead/title_field",
                          "/objects/account/fields/level/options"}
    assert found["/objects/account/fields/level/options"].code == "schema.too_short"
    assert found["/objects/lead/title_field"].code == "ref.field"
    assert found["/objects/lead/fields/budget/required_when"].span == (1, 1, 1, 8)
    assert "'budgett'" in found["/objects/lead/fields/budget/required_when"].messages["en"]
    with engine.connect() as conn:
        assert live_version(conn) is None and list_versions(conn) == []
    assert "obj_lead" not in sa.inspect(engine).get_table_names()


def test_plan_shows_ops_and_impact_without_changing_anything(engine):
    app = publish(engine, make_doc()).app
    insert(engine, app, "lead", {"name": "a", "visits": 1}, {"name": "b", "visits": None})
    before = snapshot(engine)
    with engine.connect() as conn:
        plan = plan_publish(conn, make_doc(objects__lead__fields__visits=DELETE))
        conn.commit()
    assert plan.ok and plan.live_version == 1 and plan.app.version == 2
    assert [(i.op.kind, i.rows, i.archive) for i in plan.impact] == [("remove_field", 2, 1)]
    assert plan.to_dict("zh-CN")["impact"][0]["description"] == "删除字段 'lead.visits'（数据归档）"
    assert snapshot(engine) == before
    with engine.connect() as conn:
        bad = plan_publish(conn, make_doc(objects__lead__title_field="nope"))
    assert not bad.ok and bad.diagnostics[0].path == "/objects/lead/title_field" and bad.ops == ()


def test_publish_inside_the_callers_transaction_uses_a_savepoint(engine):
    with engine.connect() as conn:
        conn.begin()
        publish(conn, make_doc())
        assert live_version(conn) == 1
        conn.rollback()
    with engine.connect() as conn:
        assert live_version(conn) is None


def test_drafts_save_with_revisions_and_refuse_stale_writes(engine):
    with engine.begin() as conn:
        draft = get_draft(conn)
        assert draft.revision == 0 and draft.document == {"objects": {}}
        saved = save_draft(conn, make_doc(), 0, actor_id=3)
        assert saved.revision == 1
        again = save_draft(conn, make_doc(objects__lead__label=label("Prospect")), 1, actor_id=4)
        assert again.revision == 2
    with engine.begin() as conn:
        with pytest.raises(DraftConflict) as err:
            save_draft(conn, make_doc(), 1, actor_id=5)
        assert (err.value.current, err.value.expected) == (2, 1)
        assert err.value.diagnostics[0].code == "draft.conflict"
        with pytest.raises(DraftConflict):
            save_draft(conn, make_doc(), 0)
        current = get_draft(conn)
        assert current.revision == 2 and current.updated_by == 4
        assert current.document["objects"]["lead"]["label"]["en"] == "Prospect"
        invalid = dict(current.document, objects={"x": {"label": "not a label"}})
        assert save_draft(conn, invalid, 2).revision == 3  # drafts may be invalid


def test_without_a_draft_the_draft_is_the_live_document(engine):
    publish(engine, make_doc())
    with engine.connect() as conn:
        draft = get_draft(conn)
    assert draft.revision == 0 and draft.document == make_doc()
