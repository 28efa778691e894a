"""The test kit runs real ``rq`` workers against a real Redis."""
from __future__ import annotations

import redis
from rq import Queue

from tests.fixtures_app import run_rq_worker


def test_a_real_rq_worker_runs_an_enqueued_job(redis_url, tmp_path):
    marker = tmp_path / "done.txt"
    queue = Queue("default", connection=redis.Redis.from_url(redis_url))
    job = queue.enqueue("tests.runtime.jobs_for_tests.write_marker", str(marker), "已完成")
    result = run_rq_worker(redis_url)
    assert result.returncode == 0, result.stderr
    assert marker.read_text(encoding="utf-8") == "已完成"
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == "已完成"
