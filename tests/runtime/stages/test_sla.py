"""SLA cutoffs on the business calendar, the sweep's exactly-once guarantee, hooks, and tick."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from runtime.business_calendar import BusinessCalendar
from runtime.stages.sla import workday_cutoff
from tests.runtime.stages.kit import CST, tick

CAL = BusinessCalendar.from_metadata(None, "Asia/Shanghai")


@pytest.mark.parametrize("now, workdays, cutoff", [
    # plain week: Friday 10:00 minus 2 workdays -> Wednesday 10:00
    (dt.datetime(2026, 3, 6, 10, 0), 2, dt.datetime(2026, 3, 4, 10, 0)),
    # across the weekend: Monday 10:00 minus 1 workday -> Friday 10:00
    (dt.datetime(2026, 3, 9, 10, 0), 1, dt.datetime(2026, 3, 6, 10, 0)),
    # 国庆 2026: Mon 12 Oct 10:00 minus 5 -> Tue 29 Sep 10:00 (Sat 10 Oct is a 调休 workday)
    (dt.datetime(2026, 10, 12, 10, 0), 5, dt.datetime(2026, 9, 29, 10, 0)),
    # 春节 2026: Tue 24 Feb 10:00 minus 5 -> Tue 10 Feb 10:00 (Sat 14 Feb is a 调休 workday)
    (dt.datetime(2026, 2, 24, 10, 0), 5, dt.datetime(2026, 2, 10, 10, 0)),
    # half a workday
    (dt.datetime(2026, 3, 6, 18, 0), 0.5, dt.datetime(2026, 3, 6, 6, 0)),
])
def test_workday_cutoff_follows_the_holiday_calendar(now, workdays, cutoff):
    got = workday_cutoff(CAL, now.replace(tzinfo=CST), workdays)
    assert got.astimezone(CST).replace(tzinfo=None) == cutoff


def test_workday_cutoff_agrees_with_addworkdays():
    for start in (dt.datetime(2026, 9, 28, 15, 0, tzinfo=CST), dt.datetime(2026, 2, 12, 9, 0, tzinfo=CST)):
        due = CAL.add_workdays(start, 5)
        assert workday_cutoff(CAL, due, 5) == start


def test_expressions_use_the_holiday_calendar(stage_app):
    rep = stage_app.api("rep1")
    opp = rep.post("/api/v1/records/opportunity", {"name": "x"}).json
    assert opp["close_in_5"] == "2026-10-13"            # 8, 9, 10 (调休), 12, 13 October


def test_sweeps_running_at_once_fire_each_level_once(stage_app):
    from runtime.stages.sla import sweep
    from tests.e2e.test_stage_scenarios import to_presentation
    rep, clock = stage_app.api("rep1"), stage_app.clock
    for _ in range(3):
        to_presentation(rep)
    now = clock.travel(hours=100)
    svc = stage_app.extensions["crm"]
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep(svc, now).fired)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 9                              # 3 records x blue/yellow/red, once
    assert rep.inbox()["total"] == 9


def test_stage_overdue_hooks_hear_every_level(stage_app):
    from tests.e2e.test_stage_scenarios import to_presentation
    heard = []
    stage_app.extensions["crm"].hooks.register("stage_overdue", lambda svc, conn, p: heard.append(p))
    t = to_presentation(stage_app.api("rep1"))
    stage_app.clock.travel(hours=60)
    tick(stage_app)
    tick(stage_app)
    assert [(p["record_id"], p["stage"], p["level"]) for p in heard] == [
        (t["id"], "presentation", "blue"), (t["id"], "presentation", "yellow")]


def test_stage_entered_hooks_run_in_the_move_transaction(stage_app):
    heard = []
    stage_app.extensions["crm"].hooks.register(
        "stage_entered", lambda e: heard.append((e.action, e.prior["stage"], e.record["stage"], e.notes)))
    rep = stage_app.api("rep1")
    t = rep.post("/api/v1/records/tender", {"name": "x", "budget_approval_no": "1"}).json
    rep.move("tender", t["id"], "notice")
    assert heard == [("stage", "budget", "notice", ["notice"])]


def test_tick_runs_every_registered_sweep_and_survives_a_broken_one(stage_app):
    from runtime.stages.tick import register_tick, run_tick
    svc = stage_app.extensions["crm"]
    seen = []
    register_tick(svc, "broken", lambda s, now: 1 / 0)
    register_tick(svc, "probe", lambda s, now: seen.append(now) or "ok")
    at = dt.datetime(2026, 5, 1, 8, 0, tzinfo=CST)
    result = run_tick(svc, at)
    assert list(result)[:3] == ["stage_sla", "outbox", "notifications"]
    assert list(result)[-2:] == ["broken", "probe"]
    assert "ZeroDivisionError" in result["broken"]["error"] and result["probe"] == "ok" and seen == [at]
    output = tick(stage_app, at)
    assert '"stage_sla"' in output


def test_the_ticker_thread_ticks_and_stops_cleanly(stage_app):
    from runtime.stages.tick import Ticker
    ran = threading.Event()
    ticker = Ticker(stage_app.extensions["crm"], interval=0.05, on_tick=lambda r: ran.set())
    with ticker:
        assert ran.wait(5)
    assert not ticker._thread.is_alive() and ticker.runs >= 1


def test_an_alert_names_a_level_without_a_label_by_its_colour(make_stage_app):
    """Packs often give levels no label: the alert says 【黄色预警】, never 【yellow】."""
    import copy

    from runtime.stages.sla import level_name
    from tests.e2e.test_stage_scenarios import to_presentation
    from tests.runtime.stages.app_doc import DOC
    doc = copy.deepcopy(DOC)
    node = next(n for n in doc["objects"]["tender"]["pipeline"]["nodes"] if n["key"] == "presentation")
    for level in node["sla"]["levels"]:
        level.pop("label")
    app = make_stage_app(doc)
    rep = app.api("rep1")
    to_presentation(rep)
    app.clock.travel(hours=60)
    tick(app)
    titles = sorted(n["title"] for n in rep.inbox()["notifications"])
    assert [t[:6] for t in titles] == ["【蓝色预警】", "【黄色预警】"]
    assert level_name(None, "stale", 1.0, "en") == "red warning"
    assert level_name({"zh-CN": "橙色"}, "orange", 0.9, "zh-CN") == "橙色"
