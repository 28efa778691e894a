"""Uploads nobody attached are swept by ``crm tick`` after a day; attached files never are."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from runtime.files import file_store, files
from runtime.files.sweep import sweep_files
from tests.runtime.files.conftest import PDF, PNG
from tests.runtime.files.sweep_kit import any_app, clock, run_tick  # noqa: F401 - fixtures


def blob(app, sha256: str):
    with app.app_context():
        return file_store(app).path(sha256)


def sha_of(app, file_id: int) -> str:
    with app.extensions["crm"].engine.connect() as conn:
        return conn.execute(sa.select(files.c.sha256).where(files.c.id == file_id)).scalar_one()


def test_an_upload_nobody_attached_is_gone_after_a_day_and_a_younger_one_stays(crm, clock):
    rep = crm.api("rep1")
    old = rep.upload(PDF, "旧.pdf").json
    old_blob = blob(crm, sha_of(crm, old["id"]))
    clock.travel(hours=20)
    young = rep.upload(PNG, "新.png").json
    clock.travel(hours=5)
    assert old_blob.exists()
    assert run_tick(crm)["file_uploads"] == {"files_removed": 1, "bytes_freed": len(PDF)}
    assert rep.get(old["url"]).status_code == 404 and not old_blob.exists()
    assert rep.get(young["url"]).status_code == 200
    assert run_tick(crm)["file_uploads"] == {"files_removed": 0, "bytes_freed": 0}     # the second run finds nothing


def test_attached_files_stay_forever_even_on_deleted_records_and_a_shared_blob_stays(crm, clock):
    rep, mgr = crm.api("rep1"), crm.api("mgr")
    kept = rep.upload(PDF, "签字版.pdf").json
    assert rep.post("/api/v1/records/contract", {"title": "采购合同", "scan": [kept["id"]]}).status_code == 201
    copy = rep.upload(PDF, "副本.pdf").json                             # the same bytes, never attached
    scan = mgr.upload(PNG, "扫描.png").json
    contract = mgr.post("/api/v1/records/contract", {"title": "作废合同", "scan": [scan["id"]]}).json
    deleted = mgr.client.delete(f"/api/v1/records/contract/{contract['id']}", headers=mgr.headers())
    assert deleted.status_code == 204
    clock.travel(days=400)
    assert run_tick(crm)["file_uploads"] == {"files_removed": 1, "bytes_freed": 0}      # the copy's row; its bytes are shared
    assert rep.get(copy["url"]).status_code == 404
    download = rep.get(kept["url"])
    assert download.status_code == 200 and download.data == PDF
    assert blob(crm, sha_of(crm, scan["id"])).exists()                 # the record can be restored


def test_two_sweeps_at_once_share_the_work_and_a_missing_blob_is_no_error(crm, clock):
    rep = crm.api("rep1")
    uploaded = [rep.upload(PNG + bytes([n]), f"{n}.png").json for n in range(6)]
    blob(crm, sha_of(crm, uploaded[0]["id"])).unlink()                 # someone cleaned up by hand
    clock.travel(hours=25)
    svc = crm.extensions["crm"]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _n: sweep_files(svc.engine, svc.extras["file_store"], clock.now()), "ab"))
    assert sum(r.rows for r in reports) == 6
    assert sum(r.bytes_freed for r in reports) == 5 * (len(PNG) + 1)
    with svc.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(files)).scalar() == 0


def _waits_or_done(engine, future, seconds: float = 10.0) -> None:
    """Until a transaction waits for a content lock (PostgreSQL advisory lock) or ``future`` ended."""
    import time
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline and not future.done():
            if conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar():
                return
            time.sleep(0.01)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_bytes_swept_while_the_same_bytes_are_uploaded_are_kept_for_the_new_upload(crm, clock):
    """Both orders of the race between a sweep and an upload of the same content: the new row
    always has its bytes. (SQLite serializes the two whole transactions with its write lock.)"""
    from runtime.files.storage import lock_contents
    from schema_store.database import begin_write
    rep = crm.api("rep1")
    old = rep.upload(PDF, "旧.pdf").json
    sha = sha_of(crm, old["id"])
    clock.travel(hours=25)
    svc = crm.extensions["crm"]
    store = svc.extras["file_store"]
    with svc.engine.connect() as conn:
        uploader = conn.execute(sa.select(files.c.uploaded_by).where(files.c.id == old["id"])).scalar_one()

    # 1. an upload is between writing its row and committing when the sweep checks the bytes
    with ThreadPoolExecutor(1) as pool:
        with begin_write(svc.engine) as conn:
            lock_contents(conn, [sha])
            conn.execute(files.insert().values(sha256=sha, size=len(PDF), content_type="application/pdf", name="新.pdf",
                                               uploaded_by=uploader, uploaded_at=clock.now(), object="contract",
                                               field="scan", record_id=None))
            sweeping = pool.submit(sweep_files, svc.engine, store, clock.now())
            _waits_or_done(svc.engine, sweeping)
        assert sweeping.result().rows == 1 and blob(crm, sha).exists()

    # 2. the sweep is removing the bytes when the same bytes are uploaded again
    clock.travel(hours=25)
    with ThreadPoolExecutor(1) as pool:
        with begin_write(svc.engine) as conn:
            lock_contents(conn, [sha])
            conn.execute(files.delete())
            uploading = pool.submit(rep.upload, PDF, "再传.pdf")
            _waits_or_done(svc.engine, uploading)
            blob(crm, sha).unlink()
        again = uploading.result().json
    download = rep.get(again["url"])
    assert download.status_code == 200 and download.data == PDF
