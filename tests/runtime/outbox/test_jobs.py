"""Long jobs: progress a user can watch at GET /api/v1/jobs/<id>, for the owner and admins only."""
from __future__ import annotations

import pytest

from runtime.jobs import MAX_ERRORS, Progress, create_job, get_job, start_job
from tests.fixtures_app import Users
from tests.runtime.outbox.conftest import T0, MovableClock, svc_of


@pytest.fixture
def app(outbox_app, db_url):
    return outbox_app(database_url=db_url, clock=MovableClock())


def test_progress_is_visible_while_the_job_runs_and_errors_are_capped(app):
    svc = svc_of(app)
    people = Users(app)
    owner_id = people.add("importer", "rep")
    with svc.engine.begin() as conn:
        job_id = create_job(conn, "import", created_by=owner_id, now=T0, params={"file": "leads.xlsx"})
    progress = Progress(svc.engine, job_id, svc.clock)
    assert progress.start(total=400) and not progress.start()  # a second runner is turned away
    progress.advance(100, errors=[{"row": n, "message": "phone is not a number"} for n in range(MAX_ERRORS + 5)])

    client = app.test_client()
    owner = {"Authorization": f"Bearer {people.token('importer')}"}
    body = client.get(f"/api/v1/jobs/{job_id}", headers=owner).get_json()
    assert {k: body[k] for k in ("id", "kind", "status", "total", "done", "percent", "result")} == {
        "id": job_id, "kind": "import", "status": "running", "total": 400, "done": 100, "percent": 25,
        "result": None}
    assert len(body["errors"]) == MAX_ERRORS and body["error_count"] == MAX_ERRORS + 5
    assert body["errors"][0] == {"row": 0, "message": "phone is not a number"}

    progress.advance(300)
    progress.finish({"created": 395})
    done = client.get(f"/api/v1/jobs/{job_id}", headers=owner).get_json()
    assert (done["status"], done["percent"], done["result"]) == ("done", 100, {"created": 395})
    admin = {"Authorization": f"Bearer {people.token('ops', 'admin')}"}
    assert client.get(f"/api/v1/jobs/{job_id}", headers=admin).status_code == 200


def test_someone_elses_job_is_not_found(app):
    svc = svc_of(app)
    people = Users(app)
    with svc.engine.begin() as conn:
        job_id = create_job(conn, "import", created_by=people.add("owner", "rep"), now=T0)
    client = app.test_client()
    other = {"Authorization": f"Bearer {people.token('nosy', 'manager')}"}
    assert client.get(f"/api/v1/jobs/{job_id}", headers=other).status_code == 404
    missing = client.get("/api/v1/jobs/999999", headers=other)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_a_job_runs_inline_in_embedded_mode_and_a_failure_is_recorded(app):
    svc = svc_of(app)
    ok = start_job(svc, "test.count", {"n": 3}, created_by=None)
    bad = start_job(svc, "test.count", {"n": 2, "explode": True}, created_by=None)
    with svc.engine.connect() as conn:
        done, failed = get_job(conn, ok), get_job(conn, bad)
    assert (done.status, done.done, done.percent, done.result) == ("done", 3, 100, {"counted": 3})
    assert failed.status == "failed" and failed.percent == 100
    assert failed.errors[-1] == {"message": "ValueError: the file is not a spreadsheet"}
    with pytest.raises(LookupError):
        start_job(svc, "no.such_kind", created_by=None)
