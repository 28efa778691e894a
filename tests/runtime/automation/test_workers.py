"""Rules through real Redis and ``rq worker`` processes, and the faults: Redis stopped during a
save, a worker killed mid-job, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import os
import signal

import sqlalchemy as sa

from runtime.outbox import DEFAULT_LEASE, list_runs, sweep
from runtime.outbox.tables import outbox
from tests.fixtures_app import run_rq_worker
from tests.runtime.automation import hold_for_tests
from tests.runtime.automation.conftest import T0, build
from tests.runtime.automation.scenario_app import MovableClock
from tests.runtime.outbox.conftest import private_redis, start_rq_worker, wait_for  # noqa: F401 - fixture
from tests.runtime.outbox.test_faults import _is_zombie


def env_for(app, redis_url, **extra):
    settings = app.extensions["crm"].settings
    return {"CRM_INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
            "REDIS_URL": redis_url, "SECRET_KEY": settings.secret_key, **extra}


def work_orders(app):
    return app.api("boss").get("/api/v1/records/work_order").json["records"]


def rule_items(app):
    with app.extensions["crm"].engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(outbox).where(outbox.c.action == "automation.rule")
                                              .order_by(outbox.c.id)).mappings()]


def test_rules_are_carried_out_by_rq_workers_exactly_once(make_app, db_url, redis_url):
    app = build(make_app(clock=MovableClock(T0), database_url=db_url, redis_url=redis_url))
    rep, eng = app.api("rep1"), app.api("eng")
    opp = rep.post("/api/v1/records/opportunity", json={"name": "协和", "engineer": eng.user_id}).json
    assert rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "trial"}).status_code == 200
    assert work_orders(app) == [] and rule_items(app)[0]["status"] == "pending"  # queued, not run inline
    env = env_for(app, redis_url)
    done = run_rq_worker(redis_url, env=env, queues=("crm",))
    assert done.returncode == 0, done.stderr
    sweep(app.extensions["crm"], app.clock.now())  # a repeated dispatch finds nothing to do
    assert run_rq_worker(redis_url, env=env, queues=("crm",)).returncode == 0
    assert [(o["title"], o["engineer"]) for o in work_orders(app)] == [("试用支持：协和", eng.user_id)]
    assert [i["status"] for i in rule_items(app)] == ["done"]


def test_redis_down_during_a_save_the_record_is_saved_and_the_rule_runs_when_redis_is_back(
        make_app, db_url, private_redis):  # noqa: F811
    app = build(make_app(clock=MovableClock(T0), database_url=db_url, redis_url=private_redis.url))
    rep = app.api("rep1")
    private_redis.stop()
    c = rep.post("/api/v1/records/customer", json={"name": "甲", "health": 20})
    assert c.status_code == 201
    [item] = rule_items(app)
    assert item["status"] == "pending"
    private_redis.start()
    assert sweep(app.extensions["crm"], app.clock.now()).dispatch.queued == (item["id"],)
    assert run_rq_worker(private_redis.url, env=env_for(app, private_redis.url), queues=("crm",)).returncode == 0
    tasks = app.api("boss").get(f"/api/v1/records/customer/{c.json['id']}/tasks").json["tasks"]
    assert [t["title"] for t in tasks] == ["挽留：甲"]


def test_a_worker_killed_mid_rule_is_retried_and_its_action_applies_once(
        make_app, db_url, private_redis, tmp_path):  # noqa: F811
    app = build(make_app(clock=MovableClock(T0), database_url=db_url, redis_url=private_redis.url))
    hold, started = tmp_path / "hold", tmp_path / "started"
    hold.touch()
    env = env_for(app, private_redis.url, CRM_ACTION_MODULES=hold_for_tests.MODULE,
                  CRM_TEST_HOLD=str(hold), CRM_TEST_STARTED=str(started))
    rep, eng = app.api("rep1"), app.api("eng")
    opp = rep.post("/api/v1/records/opportunity", json={"name": "协和", "engineer": eng.user_id}).json
    rep.post(f"/api/v1/records/opportunity/{opp['id']}/stage", json={"to": "trial"})
    worker = start_rq_worker(private_redis.url, env, tmp_path / "worker.log")
    try:
        horse = int(wait_for(lambda: started.exists() and started.read_text(), what="the rule to start"))
    finally:
        worker.kill()
        worker.wait(10)
    os.kill(horse, signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{horse}") or _is_zombie(horse), what="the horse to die")
    assert work_orders(app) == []  # the killed transaction left nothing
    [item] = rule_items(app)
    assert item["status"] == "running"
    svc = app.extensions["crm"]
    later = dt.datetime.now(dt.timezone.utc) + DEFAULT_LEASE + dt.timedelta(seconds=1)  # the worker ran on real time
    assert sweep(svc, later).dispatch.queued == (item["id"],)
    assert run_rq_worker(private_redis.url, env=env, queues=("crm",)).returncode == 0
    assert len(work_orders(app)) == 1
    with svc.engine.connect() as conn:
        assert [(r["attempt"], r["outcome"]) for r in list_runs(conn, item["id"])] == [(1, "lost"), (2, "done")]
