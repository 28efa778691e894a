"""Import uploads are swept by ``crm tick`` once no import needs them: the job, its counts and its
report stay; a failed import keeps its file for a week so it can be resumed."""
from __future__ import annotations

import hashlib

from runtime.imports.storage import upload_path
from tests.fixtures_app import Users
from tests.runtime.files.sweep_kit import any_app, clock, run_tick  # noqa: F401 - fixtures
from tests.runtime.imports import conftest
from tests.runtime.imports.conftest import csv_bytes

ROWS = [["张三", "138 0013 8000", "zs@example.com", "", "", "", "", ""],
        ["李四", "138 0013 8000", "", "", "", "", "", ""]]                          # same phone: refused
REMOVED = "上传的文件已在 7 天后删除，请重新上传。"


def kept_file(app, content: bytes):
    return upload_path(app.extensions["crm"], hashlib.sha256(content).hexdigest())


def failing_import(importer, lead_app):
    """An import of 60 rows that fails at row 40, after its first batch: (response, file, hook switch)."""
    response, content, armed = conftest.failing_import(importer, lead_app, rows=60, fails_at=40)
    assert importer.job(response)["status"] == "failed"
    return response, content, armed


def test_a_finished_imports_file_goes_after_a_day_and_its_job_counts_and_report_stay(importer, lead_app, clock):
    content = csv_bytes(ROWS)
    response = importer.start(content)
    job = importer.job(response)
    assert job["status"] == "done"
    path = kept_file(lead_app, content)
    assert path.exists()
    token = response.get_json()["upload"]
    assert importer.preview(None, upload=token).status_code == 200
    clock.travel(hours=23)
    assert run_tick(lead_app)["import_uploads"] == {"uploads_removed": 0, "bytes_freed": 0}   # time to run it for real
    clock.travel(hours=2)
    assert run_tick(lead_app)["import_uploads"] == {"uploads_removed": 1, "bytes_freed": len(content)}
    assert run_tick(lead_app)["import_uploads"] == {"uploads_removed": 0, "bytes_freed": 0}
    assert not path.exists()
    after = importer.job(response)
    assert (after["status"], after["result"], after["error_count"]) == (
        "done", job["result"], job["error_count"])
    report = importer.get(response.get_json()["urls"]["errors_csv"]).get_data().decode("utf-8-sig")
    assert report.splitlines()[1].startswith("3,未导入（重复）,手机号,") and "李四" in report
    again = importer.preview(None, upload=token)
    assert again.status_code == 422
    assert again.get_json()["errors"]["upload"] == ["找不到该上传文件或已过期，请重新上传。"]


def test_an_upload_never_imported_goes_after_a_day(importer, lead_app, clock):
    token = importer.preview(csv_bytes(ROWS)).get_json()["upload"]["token"]
    clock.travel(hours=12)
    assert run_tick(lead_app)["import_uploads"]["uploads_removed"] == 0
    clock.travel(hours=13)
    assert run_tick(lead_app)["import_uploads"]["uploads_removed"] == 1
    assert importer.preview(None, upload=token).status_code == 422


def test_a_failed_import_keeps_its_file_for_a_week_and_can_be_resumed(importer, lead_app, clock):
    response, content, armed = failing_import(importer, lead_app)
    assert importer.preview(content).status_code == 200       # the same bytes again, never imported
    clock.travel(days=6)
    assert run_tick(lead_app)["import_uploads"] == {"uploads_removed": 1, "bytes_freed": 0}   # that upload; the file is shared
    assert kept_file(lead_app, content).exists()
    armed["on"] = False
    assert importer.post(response.get_json()["urls"]["resume"]).status_code == 202
    assert importer.job(response)["status"] == "done"


def test_after_a_week_resume_says_the_file_was_removed(importer, lead_app, clock):
    response, content, armed = failing_import(importer, lead_app)
    armed["on"] = False
    clock.travel(days=7, minutes=1)
    assert run_tick(lead_app)["import_uploads"] == {"uploads_removed": 1, "bytes_freed": len(content)}
    refused = importer.post(response.get_json()["urls"]["resume"])
    assert refused.status_code == 410
    assert refused.get_json()["error"] == {"code": "upload_removed", "message": REMOVED}
    assert importer.job(response)["status"] == "failed"              # left as it was
    browser = Users(lead_app).client("rep", "rep1")
    page = browser.get(response.get_json()["urls"]["page"], headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and REMOVED in html and 'data-testid="import-resume"' not in html
