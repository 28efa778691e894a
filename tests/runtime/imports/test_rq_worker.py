"""With Redis, an import is an RQ job run by a real ``rq worker``. Killing the worker mid-file
leaves the job "running" with its last committed checkpoint; resuming it (once it has stopped
reporting) finishes the file without creating any row twice."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from runtime.jobs import get_job
from tests.fixtures_app import Users, run_rq_worker
from tests.runtime.imports.app_doc import publish
from tests.runtime.imports.conftest import Importer, csv_bytes, records_in_db

RQ = shutil.which("rq", path=str(Path(sys.executable).parent)) or "rq"


@dataclass
class LateClock:
    """The system clock, moved forward on demand (to make a killed job's checkpoint look stale)."""

    offset: dt.timedelta = field(default_factory=dt.timedelta)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + self.offset


def worker_env(app, redis_url):
    settings = app.extensions["crm"].settings
    return {"CRM_INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
            "REDIS_URL": redis_url, "SECRET_KEY": settings.secret_key}


def job_row(app, job_id):
    with app.extensions["crm"].engine.connect() as conn:
        return get_job(conn, job_id)


@pytest.fixture
def rq_app(make_app, db_url, redis_url):
    clock = LateClock()
    app = make_app(database_url=db_url, redis_url=redis_url, clock=clock)
    app.clock = clock
    publish(app)
    return app


def test_an_import_runs_on_a_real_worker_and_reports_progress(rq_app, redis_url):
    importer = Importer(rq_app, Users(rq_app).token("rep1", "rep"))
    rows = [[f"客户{n}", f"139{n:08d}", "", "", "", "", "", ""] for n in range(30)] + [["重复", "13900000001"] + [""] * 6]
    response = importer.start(csv_bytes(rows), batch_size="10")
    queued = importer.job(response)
    assert queued["status"] == "queued" and queued["done"] == 0
    worker = run_rq_worker(redis_url, env=worker_env(rq_app, redis_url), queues=("crm",))
    assert worker.returncode == 0, worker.stderr
    job = importer.job(response)
    assert (job["status"], job["done"], job["total"]) == ("done", 31, 31), job
    assert job["result"]["created"] == 30 and job["result"]["duplicates"] == 1
    assert job["errors"][0]["message"] == "与第 3 行重复（规则：手机号相同），该行未导入。"  # the worker speaks the user's language
    assert len(records_in_db(rq_app)) == 30


def test_a_worker_killed_mid_file_is_resumed_after_the_last_checkpoint_without_duplicates(rq_app, redis_url, tmp_path):
    importer = Importer(rq_app, Users(rq_app).token("rep1", "rep"))
    total = 1500
    rows = [[f"客户{n:05d}", f"139{n:08d}", "", "", "", "", "", ""] for n in range(total)]
    response = importer.start(csv_bytes(rows), batch_size="20")
    job_id = response.get_json()["job"]
    log = (tmp_path / "worker.log").open("w")
    # SimpleWorker runs the job in the worker process itself, so SIGKILL stops the import mid-batch.
    worker = subprocess.Popen([RQ, "worker", "--burst", "--url", redis_url, "-w", "rq.worker.SimpleWorker", "crm"],
                              env={**os.environ, **worker_env(rq_app, redis_url)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job = job_row(rq_app, job_id)
            if job.done >= 100:
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    killed = job_row(rq_app, job_id)
    assert killed.status == "running" and 100 <= killed.done < total, killed
    assert killed.done % 20 == 0                                  # only whole batches were committed
    assert len(records_in_db(rq_app)) == killed.done              # and nothing of the batch in flight

    too_soon = importer.post(response.get_json()["urls"]["resume"])
    assert too_soon.status_code == 409                            # it might still be running somewhere
    rq_app.clock.offset = dt.timedelta(minutes=5)
    assert importer.post(response.get_json()["urls"]["resume"]).status_code == 202
    assert run_rq_worker(redis_url, env=worker_env(rq_app, redis_url), queues=("crm",)).returncode == 0
    done = importer.job(response)
    assert (done["status"], done["done"], done["total"]) == ("done", total, total)
    names = [r["name"] for r in records_in_db(rq_app)]
    assert len(names) == total and len(set(names)) == total
    with rq_app.extensions["crm"].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM obj_lead")).scalar() == total
