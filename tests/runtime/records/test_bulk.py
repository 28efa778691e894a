"""``RecordService.create_many``: the batched save path imports use. Every row goes through the
whole pipeline; refused rows are reported by index and leave no trace; the rest is written."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.records import RecordService
from runtime.users import get_actor
from tests.runtime.stages.kit import clock, make_stage_app  # noqa: F401 - fixtures


def _service(app, username="boss"):
    from runtime.users import find_user_id
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        actor = get_actor(conn, find_user_id(conn, username))
    return svc, RecordService(svc, actor, source="import", lang="zh-CN")


def test_good_rows_are_written_and_bad_rows_reported_by_index(crm):
    svc, records = _service(crm)
    hospital = records.create("hospital", {"name": "协和医院", "level": "三甲"})
    rows = [
        {"name": "甲", "phone": "13800000001", "hospital": hospital["id"], "budget": 10},
        {"name": "乙"},                                           # neither phone nor email: a rule refuses it
        {"name": "丙", "email": "c@example.com", "budget": "abc"},  # not a number
        {"name": "丁", "email": "d@example.com", "hospital": 999999},  # no such hospital
        {"name": "戊", "email": "e@example.com", "budget": 2_000_000},  # required_when: expected_close
        {"name": "己", "email": "f@example.com"},
    ]
    result = records.create_many("lead", rows)
    assert [i is not None for i in result.ids] == [True, False, False, False, False, True]
    assert sorted(result.errors) == [1, 2, 3, 4]
    assert result.errors[1].rules and "电话和邮箱至少填一个" in result.errors[1].rules[0]["message"]
    assert "budget" in result.errors[2].errors
    assert "hospital" in result.errors[3].errors
    assert "expected_close" in result.errors[4].errors

    first = records.get("lead", result.ids[0])
    assert first["name"] == "甲" and first["code"] and first["weighted"] == 5
    history = records.history("lead", result.ids[0])
    assert {h["action"] for h in history} == {"create"} and len({h["change_id"] for h in history}) == 1
    assert {h["field"]: h["new"] for h in history}["name"] == "甲"
    assert records.get("hospital", hospital["id"])["leads"] == 1   # roll-ups kept current
    table = records.schema.table("lead")
    with svc.engine.connect() as conn:
        names = set(conn.execute(sa.select(table.c.name)).scalars())
    assert names == {"甲", "己"}   # refused rows left nothing behind


def test_autonumbers_stay_distinct_across_a_batch(crm):
    _svc, records = _service(crm)
    result = records.create_many("lead", [{"name": f"L{i}", "email": f"l{i}@example.com"} for i in range(5)])
    codes = [records.get("lead", i)["code"] for i in result.ids]
    assert len(set(codes)) == 5 and not result.errors


def test_a_failure_inside_the_batch_transaction_rolls_the_whole_batch_back(crm):
    svc, records = _service(crm)
    table = records.schema.table("lead")
    try:
        with svc.engine.begin() as conn:
            records.create_many("lead", [{"name": "X", "email": "x@example.com"}], conn=conn)
            raise RuntimeError("worker killed")
    except RuntimeError:
        pass
    with svc.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_batched_records_enter_their_first_stage_and_keep_the_stage_clock(make_stage_app):
    """create_many writes the first stage entries in one statement; they read like single creates'."""
    from tests.runtime.stages.app_doc import DOC
    app = make_stage_app(DOC)
    svc, records = _service(app, "rep1")
    result = records.create_many("opportunity", [{"name": f"商机{i}"} for i in range(3)])
    single = records.create("opportunity", {"name": "单条"})
    rep = app.api("rep1")
    for record_id in [*result.ids, single["id"]]:
        entries = rep.get(f"/api/v1/records/opportunity/{record_id}/stages").json["stages"]
        assert [(e["stage"], e["entry_no"], e["open"]) for e in entries] == [("contact", 1, True)]


def test_user_fields_take_active_users_only_and_a_batch_asks_once_per_user(crm):
    """A user field naming an inactive or unknown user is refused (zh-CN message); a batch of 300
    rows naming two reps reads each user once, not once per row."""
    from sqlalchemy import event

    from runtime.users import find_user_id
    from tests.runtime.records.app_doc import doc, publish
    document = doc()
    document["objects"]["lead"]["fields"]["reviewer"] = {"type": "user"}
    publish(crm, document)
    svc, records = _service(crm)
    with svc.engine.begin() as conn:
        ids = {name: find_user_id(conn, name) for name in ("rep1", "rep2", "outsider")}
        conn.execute(sa.text("UPDATE users SET active = :no WHERE username = 'outsider'"), {"no": False})
    rows = [{"name": f"L{i}", "email": f"l{i}@example.com", "reviewer": ids["rep1" if i % 2 else "rep2"]}
            for i in range(300)]
    rows += [{"name": "X", "email": "x@example.com", "reviewer": ids["outsider"]},
             {"name": "Y", "email": "y@example.com", "reviewer": 999999}]
    user_reads = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM users" in statement:
            user_reads.append(statement)

    event.listen(svc.engine, "before_cursor_execute", count)
    try:
        with crm.test_request_context(headers={"Accept-Language": "zh-CN"}):
            result = records.create_many("lead", rows)
    finally:
        event.remove(svc.engine, "before_cursor_execute", count)
    assert sorted(result.errors) == [300, 301]
    assert result.errors[300].errors["reviewer"] == result.errors[301].errors["reviewer"] == ["请选择一个已存在的用户。"]
    assert records.get("lead", result.ids[1])["reviewer"] == ids["rep1"]
    assert len(user_reads) <= 4   # rep1, rep2, the inactive one, the unknown one
