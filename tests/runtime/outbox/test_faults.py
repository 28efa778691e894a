"""Faults with the real services: Redis down during a save, a worker killed mid-job.
Each test runs its own redis-server, so stopping it disturbs no other test."""
from __future__ import annotations

import datetime as dt
import os
import signal

from runtime import users
from runtime.outbox import DEFAULT_LEASE, dispatch, enqueue, get_item, list_runs, sweep
from tests.fixtures_app import run_rq_worker
from tests.runtime.outbox.actions_for_tests import effect_rows
from tests.runtime.outbox.conftest import start_rq_worker, svc_of, wait_for, worker_env


def test_a_save_while_redis_is_down_commits_and_the_sweep_delivers_it_later(
        outbox_app, db_url, private_redis):
    app = outbox_app(database_url=db_url, redis_url=private_redis.url)
    svc = svc_of(app)
    private_redis.stop()
    with svc.engine.begin() as conn:
        users.create_user(conn, "wang_wu", "rep", now=svc.clock.now())
        item_id = enqueue(conn, "test.record_effect", {"note": "wang_wu"},
                          idempotency_key="welcome:wang_wu", now=svc.clock.now())
    report = dispatch(svc, [item_id])  # must not raise: the user's save already succeeded
    assert report.mode == "rq" and report.queued == () and report.waiting == (item_id,)
    with svc.engine.connect() as conn:
        assert users.find_user_id(conn, "wang_wu") is not None
        assert get_item(conn, item_id)["status"] == "pending"

    private_redis.start()
    found = sweep(svc, svc.clock.now())
    assert found.due == (item_id,) and found.dispatch.queued == (item_id,)
    assert sweep(svc, svc.clock.now()).dispatch.waiting == (item_id,)  # still one job, not two
    env = worker_env(app, private_redis.url)
    assert run_rq_worker(private_redis.url, env=env, queues=("crm",)).returncode == 0
    sweep(svc, svc.clock.now())  # a late sweep finds nothing to do
    assert run_rq_worker(private_redis.url, env=env, queues=("crm",)).returncode == 0
    assert [r.note for r in effect_rows(svc.engine)] == ["wang_wu"]
    with svc.engine.connect() as conn:
        assert get_item(conn, item_id)["status"] == "done"


def test_a_worker_killed_mid_job_is_redelivered_after_its_lease_and_applies_once(
        outbox_app, db_url, private_redis, tmp_path):
    app = outbox_app(database_url=db_url, redis_url=private_redis.url)
    svc = svc_of(app)
    hold, started = tmp_path / "hold", tmp_path / "started"
    hold.touch()
    with svc.engine.begin() as conn:
        item_id = enqueue(conn, "test.record_effect",
                          {"note": "once", "hold_file": str(hold), "started_file": str(started)},
                          idempotency_key="erp:order:9", now=svc.clock.now())
    dispatch(svc, [item_id])
    env = worker_env(app, private_redis.url)
    worker = start_rq_worker(private_redis.url, env, tmp_path / "worker1.log")
    try:
        horse = int(wait_for(lambda: started.exists() and started.read_text(), what="the job to start"))
    finally:
        worker.kill()  # SIGKILL the worker, then its work horse: the machine "dies" mid-job
        worker.wait(10)
    os.kill(horse, signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{horse}") or _is_zombie(horse), what="the horse to die")

    with svc.engine.connect() as conn:
        assert get_item(conn, item_id)["status"] == "running"
    assert effect_rows(svc.engine) == []  # the killed transaction left nothing behind
    assert sweep(svc, svc.clock.now()).released == 0  # the lease still holds

    after_lease = svc.clock.now() + DEFAULT_LEASE + dt.timedelta(seconds=1)
    swept = sweep(svc, after_lease)
    assert (swept.released, swept.due, swept.dispatch.queued) == (1, (item_id,), (item_id,))
    assert run_rq_worker(private_redis.url, env=env, queues=("crm",)).returncode == 0
    assert [(r.note, r.attempt) for r in effect_rows(svc.engine)] == [("once", 2)]
    with svc.engine.connect() as conn:
        assert get_item(conn, item_id)["status"] == "done"
        assert [(r["attempt"], r["outcome"]) for r in list_runs(conn, item_id)] == [
            (1, "lost"), (2, "done")]


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1].startswith("Z")
    except OSError:
        return True
