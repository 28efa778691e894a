"""Scores computed in the database (one UPDATE per model) equal the Python closures' scores, for
every record, blanks included; saves recompute the one record; the schedule recomputes the rest."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa

from runtime.automation.context import load_raw
from runtime.scoring import model, recompute, sweep_scoring
from runtime.scoring.explain import explain_record

LEAD = "/api/v1/records/lead"


def random_leads(app, n, seed=7):
    rng = random.Random(seed)
    boss = app.api("boss")
    accounts = [boss.post("/api/v1/records/account", json={"name": f"A{t}", "tier": t}).json["id"] for t in "AB"]
    maybe = lambda value: None if rng.random() < 0.25 else value  # noqa: E731 - blanks everywhere
    today = app.clock.now().astimezone(app.svc.settings.tz).date()
    rows = []
    for i in range(n):
        rows.append({k: v for k, v in {
            "company": f"公司{i}", "visits": maybe(rng.randint(0, 15)), "downloads": maybe(rng.randint(0, 4)),
            "amount": maybe(rng.choice([0, 99999.99, 100000, 250000.5])),
            "industry": maybe(rng.choice(["教育", "医疗", "零售"])), "vip": maybe(rng.random() < 0.3),
            "signed_up": maybe(str(today - dt.timedelta(days=rng.randint(0, 12)))),
            "account": maybe(rng.choice(accounts)), "note": maybe(rng.choice(["对比竞品中", "预算已批", ""])),
        }.items() if v is not None})
    ids = [boss.post(LEAD, json=row).json["id"] for row in rows]
    return ids


def lead_table(app):
    with app.svc.engine.connect() as conn:
        return app.svc.schema_cache.get(conn).table("lead")


def stored(app, ids):
    svc = app.svc
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
        return {i: load_raw(conn, schema, "lead", i) for i in ids}


def python_scores(app, ids):
    svc = app.svc
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
        m = model(schema, "lead_score")
        return {i: explain_record(svc, conn, schema, m, load_raw(conn, schema, "lead", i)) for i in ids}


def assert_agree(app, ids):
    rows, expected = stored(app, ids), python_scores(app, ids)
    for i in ids:
        e, row = expected[i], rows[i]
        got = (row["score_base"], row["score_behaviour"], row["score"], row["band"])
        assert got == (e.parts["base"], e.parts["behaviour"], e.total, e.band), (i, row, e)


def test_sql_and_python_give_the_same_scores_for_every_record(scored):
    ids = random_leads(scored, 60)
    assert_agree(scored, ids)                     # as saved (the save hook runs the SQL for one row)
    scored.clock.travel(days=3)                   # the clock rule changes for some
    recompute(scored.svc, "lead_score")
    assert_agree(scored, ids)
    totals = {r["score"] for r in stored(scored, ids).values()}
    assert len(totals) > 10 and any(t != t.to_integral_value() for t in totals)   # a real spread, decimals too


def test_recompute_is_one_update_statement_and_only_changed_rows_are_written(scored):
    ids = random_leads(scored, 30)
    engine = scored.svc.engine
    table = lead_table(scored)
    statements = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert recompute(scored.svc, "lead_score") == 0            # all current: nothing written
        with engine.begin() as conn:
            conn.execute(table.update().values(score=None, band=None))
        statements.clear()
        assert recompute(scored.svc, "lead_score") == 30
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE") and table.name in s]
    assert len(updates) == 1
    assert_agree(scored, ids)


def test_recompute_of_some_ids_leaves_the_others(scored):
    ids = random_leads(scored, 6)
    engine = scored.svc.engine
    table = lead_table(scored)
    with engine.begin() as conn:
        conn.execute(table.update().values(score=-1))
    assert recompute(scored.svc, "lead_score", ids=ids[:2]) == 2
    scores = {i: r["score"] for i, r in stored(scored, ids).items()}
    assert all(scores[i] != -1 for i in ids[:2]) and all(scores[i] == -1 for i in ids[2:])


def test_a_save_recomputes_that_record_at_once_and_the_answer_shows_it(scored):
    rep = scored.api("rep1")
    lead = rep.post(LEAD, json={"company": "甲", "visits": 4, "downloads": 1}).json
    assert (lead["score_base"], lead["score_behaviour"], lead["score"], lead["band"]) == (0, 8, 8, "cold")
    lead = rep.patch(f"{LEAD}/{lead['id']}", json={"downloads": 2, "industry": "医疗", "version": lead["version"]}).json
    assert (lead["score_base"], lead["score"], lead["band"]) == (20, 28, "warm")
    history = rep.get(f"{LEAD}/{lead['id']}/history").json["history"]
    assert {h["field"] for h in history if h["action"] == "update"} == {"downloads", "industry"}   # scores are derived
    assert lead["version"] == 2


def test_the_schedule_recomputes_every_two_hours_and_a_repeated_tick_does_nothing(scored):
    rep = scored.api("rep1")
    today = scored.clock.now().astimezone(scored.svc.settings.tz).date()
    lead = rep.post(LEAD, json={"company": "乙", "signed_up": str(today - dt.timedelta(days=7))}).json
    assert lead["score"] == 8
    assert sweep_scoring(scored.svc) == {"lead_score": 0}         # the first sweep runs and starts the cursor
    scored.clock.travel(hours=23)                                  # 8 days old by now: the fresh points go
    assert sweep_scoring(scored.svc) == {"lead_score": 1}
    assert sweep_scoring(scored.svc) == {}                         # same instant: not due
    scored.clock.travel(hours=1, minutes=59)
    assert sweep_scoring(scored.svc) == {}
    scored.clock.travel(minutes=1)
    assert sweep_scoring(scored.svc) == {"lead_score": 0}
    assert rep.get(f"{LEAD}/{lead['id']}").json["score"] == 0


def test_entering_a_band_with_actions_fires_them_once(scored):
    rep = scored.api("rep1")
    lead = rep.post(LEAD, json={"company": "丙", "visits": 9, "downloads": 3, "industry": "教育"}).json
    assert (lead["score"], lead["band"]) == (38, "hot")
    notes = lambda: [n["body"] for n in rep.get("/api/v1/notifications").json["notifications"]]  # noqa: E731
    assert notes() == ["丙 变热了：38 分"]
    lead = rep.patch(f"{LEAD}/{lead['id']}", json={"note": "也在看竞品", "version": lead["version"]}).json
    assert (lead["score"], lead["band"]) == (34, "hot")              # still hot: nothing new
    recompute(scored.svc, "lead_score")
    assert len(notes()) == 1
    lead = rep.patch(f"{LEAD}/{lead['id']}", json={"visits": 4, "version": lead["version"]}).json
    assert (lead["score"], lead["band"]) == (24, "warm")
    rep.patch(f"{LEAD}/{lead['id']}", json={"visits": 10, "version": lead["version"]})
    assert len(notes()) == 2                                        # hot again: told again


def test_scores_are_decimal_and_blank_points_count_as_zero(scored_lite):
    svc = scored_lite.svc
    rep = scored_lite.api("rep1")
    lead = rep.post(LEAD, json={"company": "丁", "amount": 100000}).json
    assert lead["score"] == 1.5
    with svc.engine.connect() as conn:
        assert load_raw(conn, svc.schema_cache.get(conn), "lead", lead["id"])["score"] == Decimal("1.5")


def test_a_whole_model_recompute_tells_owners_of_band_changes_but_sets_first_bands_silently(scored):
    rep = scored.api("rep1")
    svc = scored.svc
    ids = [rep.post(LEAD, json={"company": f"戊{i}", "visits": 2, "downloads": 2}).json["id"] for i in range(3)]
    table = lead_table(scored)
    with svc.engine.begin() as conn:   # analytics: all three became very active; one had never been scored
        conn.execute(table.update().where(table.c.id.in_(ids)).values(visits=10))
        conn.execute(table.update().where(table.c.id == ids[2]).values(band=None, score=None))
    assert recompute(svc, "lead_score") == 3
    notes = [n["body"] for n in rep.get("/api/v1/notifications").json["notifications"]]
    assert sorted(notes) == ["戊0 变热了：35 分", "戊1 变热了：35 分"]


def test_a_batch_of_creates_is_scored_by_one_update(scored):
    from runtime.records import RecordService
    from runtime.users import get_actor
    svc = scored.svc
    with svc.engine.connect() as conn:
        actor = get_actor(conn, scored.api("rep1").user_id)
    statements = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)
    sa.event.listen(svc.engine, "before_cursor_execute", seen)
    try:
        result = RecordService(svc, actor, source="import").create_many(
            "lead", [{"company": f"批{i}", "visits": i, "downloads": 2} for i in range(6)])
    finally:
        sa.event.remove(svc.engine, "before_cursor_execute", seen)
    table = lead_table(scored).name
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE") and table in s]) == 1
    assert [r["score"] for r in stored(scored, result.ids).values()] == [0, 2, 4, 6, 23, 25]
    assert_agree(scored, result.ids)


def test_a_published_change_of_the_model_is_applied_at_the_next_tick(scored):
    import schema_store
    from tests.runtime.scoring.conftest import DOC, doc
    rep = scored.api("rep1")
    lead = rep.post(LEAD, json={"company": "己", "visits": 4, "downloads": 2}).json
    assert lead["score"] == 23
    sweep_scoring(scored.svc)
    scored.clock.travel(minutes=10)
    assert sweep_scoring(scored.svc) == {}                          # not due
    rules = [dict(r, points=25) if r["key"] == "engaged" else r for r in DOC["scoring"]["lead_score"]["rules"]]
    schema_store.publish(scored.svc.engine, doc(rules=rules))
    scored.clock.travel(minutes=1)
    assert sweep_scoring(scored.svc) == {"lead_score": 1}           # a new definition runs at once
    assert rep.get(f"{LEAD}/{lead['id']}").json["score"] == 33


def test_a_score_the_database_cannot_store_never_refuses_the_save(make_app, pg_url, clock):
    from tests.runtime.scoring.conftest import DOC, build, doc
    rules = DOC["scoring"]["lead_score"]["rules"] + [{"key": "huge", "when": "visits >= 10", "points": "POWER(visits, 40)"}]
    app = build(make_app(clock=clock, database_url=pg_url), doc(rules=rules))
    rep = app.api("rep1")
    fine = rep.post(LEAD, json={"company": "辛", "visits": 2})
    assert fine.status_code == 201 and fine.json["score"] == 4
    huge = rep.post(LEAD, json={"company": "壬", "visits": 10})          # 10^40 overflows NUMERIC(38, 10)
    assert huge.status_code == 201 and huge.json["score"] is None
    rep.patch(f"{LEAD}/{fine.json['id']}", json={"visits": 3, "version": 1})
    assert rep.get(f"{LEAD}/{fine.json['id']}").json["score"] == 6       # the others still score
    result = sweep_scoring(app.svc)
    assert "error" in result["lead_score"]
    failed = app.api("ana").post("/api/v1/scoring/lead_score/recompute")
    assert failed.status_code == 422 and failed.json["error"]["code"] == "scoring_failed"
