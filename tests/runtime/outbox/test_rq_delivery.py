"""With REDIS_URL: outbox items become RQ jobs that real ``rq worker`` processes deliver once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from runtime import users
from runtime.jobs import get_job, start_job
from runtime.outbox import dispatch, enqueue, get_item, list_runs, outbox
from tests.fixtures_app import run_rq_worker
from tests.runtime.outbox.actions_for_tests import effect_rows
from tests.runtime.outbox.conftest import svc_of, worker_env

CRM = str(Path(sys.executable).with_name("crm"))


def save_and_dispatch(svc, name: str) -> int:
    with svc.engine.begin() as conn:
        users.create_user(conn, name, "rep", now=svc.clock.now())
        item_id = enqueue(conn, "test.record_effect", {"note": name}, idempotency_key=f"welcome:{name}",
                          now=svc.clock.now())
    report = dispatch(svc, [item_id])
    assert report.mode == "rq" and report.queued == (item_id,)
    return item_id


def test_a_real_rq_worker_delivers_an_action_once(outbox_app, db_url, redis_url):
    app = outbox_app(database_url=db_url, redis_url=redis_url)
    svc = svc_of(app)
    item_id = save_and_dispatch(svc, "zhang_san")
    assert effect_rows(svc.engine) == []  # nothing runs in the web process
    assert dispatch(svc, [item_id]).waiting == (item_id,)  # a double dispatch adds no second job
    result = run_rq_worker(redis_url, env=worker_env(app, redis_url), queues=("crm",))
    assert result.returncode == 0, result.stderr
    assert [r.note for r in effect_rows(svc.engine)] == ["zhang_san"]
    with svc.engine.connect() as conn:
        assert get_item(conn, item_id)["status"] == "done"
        assert [r["outcome"] for r in list_runs(conn, item_id)] == ["done"]
        assert list_runs(conn, item_id)[0]["runner"].endswith(tuple("0123456789"))


def test_follow_up_actions_go_through_the_workers_until_the_depth_limit(outbox_app, redis_url):
    app = outbox_app(redis_url=redis_url)
    svc = svc_of(app)
    with svc.engine.begin() as conn:
        first = enqueue(conn, "test.chain", {"n": 0, "run": "rq"}, idempotency_key="rq:0",
                        now=svc.clock.now())
    dispatch(svc, [first])
    result = run_rq_worker(redis_url, env=worker_env(app, redis_url), queues=("crm",))
    assert result.returncode == 0, result.stderr
    with svc.engine.connect() as conn:
        statuses = conn.execute(sa.select(outbox.c.status).order_by(outbox.c.id)).scalars().all()
    assert statuses == ["done"] * 6 + ["dead"]
    assert len(effect_rows(svc.engine)) == 6


def test_crm_worker_runs_the_crm_queue(outbox_app, redis_url):
    app = outbox_app(redis_url=redis_url)
    svc = svc_of(app)
    save_and_dispatch(svc, "li_si")
    root = str(Path(__file__).resolve().parents[3])  # so the worker can import the test actions
    env = {**os.environ, **worker_env(app, redis_url), "PYTHONPATH": root}
    result = subprocess.run([CRM, "worker", "--burst"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert [r.note for r in effect_rows(svc.engine)] == ["li_si"]


def test_crm_worker_without_redis_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["CRM_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run([CRM, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: REDIS_URL is not set; without it jobs run inline in the web process "
        "(set REDIS_URL=redis://host:6379/0 to use workers)")


def test_a_long_job_runs_on_a_worker_and_reports_progress(outbox_app, redis_url):
    app = outbox_app(redis_url=redis_url)
    svc = svc_of(app)
    job_id = start_job(svc, "test.count", {"n": 4}, created_by=None)
    with svc.engine.connect() as conn:
        assert get_job(conn, job_id).status == "queued"
    result = run_rq_worker(redis_url, env=worker_env(app, redis_url), queues=("crm",))
    assert result.returncode == 0, result.stderr
    with svc.engine.connect() as conn:
        job = get_job(conn, job_id)
    assert (job.status, job.done, job.total, job.percent, job.result) == ("done", 4, 4, 100, {"counted": 4})
    assert job.error_count == 2


def test_a_long_job_fails_clearly_when_redis_is_unreachable(outbox_app):
    app = outbox_app(redis_url="redis://127.0.0.1:1/0")
    svc = svc_of(app)
    job_id = start_job(svc, "test.count", {"n": 1}, created_by=None)
    with svc.engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job.status == "failed" and "Redis" in job.errors[-1]["message"]


def test_crm_worker_with_tick_sweeps_what_waited_while_redis_was_down(outbox_app, redis_url):
    app = outbox_app(redis_url="redis://127.0.0.1:1/0")          # Redis down while saving
    svc = svc_of(app)
    with svc.engine.begin() as conn:
        item_id = enqueue(conn, "test.record_effect", {"note": "wang_wu"}, idempotency_key="welcome:wang_wu",
                          now=svc.clock.now())
    assert dispatch(svc, [item_id]).queued == ()
    with svc.engine.connect() as conn:
        assert get_item(conn, item_id)["status"] == "pending"
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, **worker_env(app, redis_url), "PYTHONPATH": root}
    result = subprocess.run([CRM, "worker", "--burst", "--with-tick"], env=env, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, result.stderr
    assert "tick: " in result.stderr                               # the worker's scheduler swept once
    assert [r.note for r in effect_rows(svc.engine)] == ["wang_wu"]
