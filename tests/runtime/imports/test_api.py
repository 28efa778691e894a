"""The import API on SQLite and PostgreSQL: preview without writing, dry run, duplicates within the
file and against saved records by the rule's action, the problem report, permissions, bad files,
and resuming after a failure mid-file without duplicating a row."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from runtime.imports.job import BATCH_SIZE
from tests.fixtures_app import Users
from tests.runtime.imports.app_doc import DOC, doc, publish
from tests.runtime.imports.conftest import HEADERS, Importer, csv_bytes, failing_import, records_in_db, xlsx_bytes

ROWS = [
    ["张三", "138 0013 8000", "zs@example.com", "1,200", "重点", "导航系统;耗材", "是", "2026/3/1"],
    ["李四", "+86 13800138000", "ls@example.com", "5", "普通", "", "否", ""],        # same phone: blocked
    ["王五", "", "", "-3", "未知", "", "", ""],                                           # three problems
    ["赵六", "139 0000 0000", "ZS@Example.com ", "7", "", "", "", ""],                   # same email: warned
]


def test_preview_shows_coerced_values_and_each_problem_by_column_and_writes_nothing(importer, lead_app):
    response = importer.preview(csv_bytes(ROWS, HEADERS + ["备注"], encoding="gb18030"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["headers"] == HEADERS + ["备注"]
    assert {c["header"]: c["field"] for c in body["mapping"]} == {
        "姓名": "name", "手机号": "phone", "邮箱": "email", "预算": "budget", "等级": "level", "标签": "tags",
        "已联系": "contacted", "首次拜访": "met_on", "备注": None}
    assert body["notes"] == ["以下列没有对应字段，将被忽略：备注"]
    first, second, third, fourth = body["rows"]
    assert first["ok"] and first["values"]["budget"] == 1200 and first["values"]["level"] == "a"
    assert first["values"]["tags"] == ["nav", "supplies"] and first["values"]["met_on"] == "2026-03-01"
    assert (first["display"]["level"], first["display"]["tags"], first["display"]["contacted"]) == ("重点", "导航系统、耗材", "是")
    assert not second["ok"] and second["errors"] == {"手机号": ["与第 2 行重复（规则：手机号相同），该行未导入。"]}
    assert set(third["errors"]) == {"预算", "等级", ""} and third["errors"][""] == ["电话和邮箱至少填一个"]
    assert fourth["ok"] and fourth["notes"][0]["message"] == "疑似与第 2 行重复（规则：邮箱相同）。"
    assert records_in_db(lead_app) == []
    again = importer.preview(None, upload=body["upload"]["token"], mapping={"备注": "company"})
    assert again.status_code == 200 and again.get_json()["rows"][0]["values"]["company"] is None
    assert records_in_db(lead_app) == []


def test_an_import_reports_duplicates_and_errors_and_the_report_opens_in_excel(importer, lead_app):
    response = importer.start(csv_bytes(ROWS))
    job = importer.job(response)
    assert (job["status"], job["total"], job["done"], job["percent"]) == ("done", 4, 4, 100)
    assert job["result"] == {"created": 2, "refused": 2, "duplicates": 2, "warnings": 1, "merged": 0,
                             "dry_run": False, "rows": 4}
    assert [r["name"] for r in records_in_db(lead_app)] == ["张三", "赵六"]
    report = importer.get(response.get_json()["urls"]["errors_csv"])
    assert report.status_code == 200 and report.mimetype == "text/csv"
    raw = report.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "行号,结果,列,问题,记录," + ",".join(HEADERS)
    assert lines[1].startswith("3,未导入（重复）,手机号,与第 2 行重复") and lines[1].endswith("李四,+86 13800138000,ls@example.com,5,普通,,否,")
    assert sum(line.startswith("4,未导入,") for line in lines) == 3
    assert lines[-1].startswith("5,疑似重复,邮箱,")


def test_a_second_import_of_the_same_file_finds_the_saved_records(importer, lead_app):
    importer.job(importer.start(csv_bytes(ROWS[:1])))
    job = importer.job(importer.start(csv_bytes(ROWS)))
    saved = records_in_db(lead_app)
    assert [r["name"] for r in saved] == ["张三", "赵六"]
    first_id = saved[0]["id"]
    by_row = {(e["row"], e["kind"]): e for e in job["errors"]}
    assert by_row[(2, "duplicate")]["record_id"] == first_id
    assert by_row[(2, "duplicate")]["message"] == f"与已有记录 #{first_id} 重复（规则：手机号相同），该行未导入。"
    assert by_row[(3, "duplicate")]["record_id"] == first_id  # the phone again, against the saved record
    assert job["result"]["created"] == 1


def test_a_merge_rule_fills_the_existing_record_instead_of_creating_one(importer, lead_app):
    merging = doc(duplicates={"same_phone": {**DOC["duplicates"]["same_phone"], "action": "merge"}})
    publish(lead_app, merging)
    Users(lead_app)  # the rep may update their own leads
    importer.job(importer.start(csv_bytes([["张三", "13800138000", "", "", "", "", "", ""]])))
    job = importer.job(importer.start(csv_bytes([["张三丰", "138-0013-8000", "zs@example.com", "9", "", "", "", ""]])))
    saved = records_in_db(lead_app)
    assert len(saved) == 1 and saved[0]["email"] == "zs@example.com" and saved[0]["name"] == "张三"
    assert job["result"]["merged"] == 1 and job["result"]["created"] == 0
    assert job["errors"][0]["kind"] == "merged" and job["errors"][0]["record_id"] == saved[0]["id"]


@pytest.mark.parametrize("batch_size", ["500", "1"])
def test_with_a_merge_rule_a_repeated_row_of_the_file_fills_the_first_one(importer, lead_app, batch_size):
    publish(lead_app, doc(duplicates={"same_phone": {**DOC["duplicates"]["same_phone"], "action": "merge"}}))
    rows = [["张三", "13800138000", "", "", "", "", "", ""],
            ["张三丰", "+86 138 0013 8000", "zs@example.com", "", "重点", "", "", ""],
            ["李四", "13900139000", "ls@example.com", "", "", "", "", ""]]
    dry = importer.job(importer.start(csv_bytes(rows), batch_size=batch_size, dry_run="1"))
    assert (dry["result"]["created"], dry["result"]["merged"]) == (2, 1)
    assert records_in_db(lead_app) == []
    job = importer.job(importer.start(csv_bytes(rows), batch_size=batch_size))
    saved = records_in_db(lead_app)
    assert [(r["name"], r["email"]) for r in saved] == [("张三", "zs@example.com"), ("李四", "ls@example.com")]
    assert (job["result"]["created"], job["result"]["merged"]) == (2, 1)
    (merged,) = job["errors"]
    assert (merged["row"], merged["kind"], merged["record_id"]) == (3, "merged", saved[0]["id"])


def test_a_dry_run_checks_everything_and_saves_nothing(importer, lead_app):
    job = importer.job(importer.start(csv_bytes(ROWS), dry_run="1"))
    assert job["status"] == "done" and job["result"]["dry_run"] is True
    assert job["result"]["created"] == 2 and job["result"]["refused"] == 2
    assert records_in_db(lead_app) == []


def test_an_xlsx_sheet_can_be_chosen_and_its_dates_and_numbers_arrive_typed(importer, lead_app):
    content = xlsx_bytes([], sheets={"线索2": (["Name", "Mobile", "Budget", "First visit"],
                                                [["Wang", 13800138000, 1200.5, __import__("datetime").datetime(2026, 3, 1)]])})
    preview = importer.preview(content, name="leads.xlsx", sheet="线索2").get_json()
    assert preview["upload"]["sheets"] == ["线索", "线索2"]
    assert preview["rows"][0]["values"] == {"name": "Wang", "phone": "13800138000", "budget": 1200.5,
                                            "met_on": "2026-03-01"}
    job = importer.job(importer.start(content, name="leads.xlsx", sheet="线索2"))
    assert job["result"]["created"] == 1


@pytest.mark.parametrize("content, name, code", [
    (b"", "leads.csv", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "leads.csv", "wrong_format"),
    (b",,\n1,2\n", "leads.csv", "no_header"),
    ((",".join(f"c{i}" for i in range(250)) + "\n").encode(), "wide.csv", "too_many_columns"),
])
def test_bad_files_are_422_with_a_clear_message_and_change_nothing(importer, lead_app, content, name, code):
    response = importer.start(content, name=name)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == code and body["errors"]["file"][0]
    assert records_in_db(lead_app) == []


def test_caller_mistakes_are_4xx_never_500(importer, lead_app):
    no_file = importer.post("/api/v1/imports/lead")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    bad_mapping = importer.start(csv_bytes(ROWS), mapping="{not json")
    assert bad_mapping.status_code == 422 and "mapping" in bad_mapping.get_json()["errors"]
    unknown = importer.start(csv_bytes(ROWS), mapping={"电话": "phone", "姓名": "weighted"})
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"mapping.电话", "mapping.姓名"}
    assert importer.start(csv_bytes(ROWS), batch_size="0").status_code == 422
    assert importer.preview(csv_bytes(ROWS), rows="x").status_code == 422
    assert importer.post("/api/v1/imports/lead", upload="forged-token").status_code == 422
    assert importer.post("/api/v1/imports/nothing", content=csv_bytes(ROWS)).status_code == 404
    assert records_in_db(lead_app) == []


def test_only_users_who_may_create_import_and_jobs_are_private(importer, lead_app):
    users = Users(lead_app)
    manager = Importer(lead_app, users.token("mgr", "manager"))
    assert manager.start(csv_bytes(ROWS)).status_code == 403
    response = importer.start(csv_bytes(ROWS))
    urls = response.get_json()["urls"]
    other = Importer(lead_app, users.token("rep2", "rep"))
    assert other.get(urls["errors_csv"]).status_code == 404
    assert other.get(urls["status"]).status_code == 404
    token = response.get_json()["upload"]
    assert other.post("/api/v1/imports/lead", upload=token).status_code == 422  # someone else's upload
    anonymous = lead_app.test_client().post("/api/v1/imports/lead", data={"file": (io.BytesIO(csv_bytes(ROWS)), "a.csv")})
    assert anonymous.status_code == 401


def test_a_failure_mid_file_rolls_back_that_batch_and_resume_creates_no_duplicates(importer, lead_app):
    response, _content, armed = failing_import(importer, lead_app, rows=120, fails_at=75)
    failed = importer.job(response)
    assert failed["status"] == "failed" and failed["done"] == 50  # batches 1-2 committed, the 3rd rolled back
    assert "the disk is full" in failed["errors"][-1]["message"]
    assert len(records_in_db(lead_app)) == 50

    armed["on"] = False
    resumed = importer.post(response.get_json()["urls"]["resume"])
    assert resumed.status_code == 202
    job = importer.job(response)
    assert (job["status"], job["done"], job["total"]) == ("done", 120, 120)
    names = [r["name"] for r in records_in_db(lead_app)]
    assert len(names) == 120 and len(set(names)) == 120
    assert importer.post(response.get_json()["urls"]["resume"]).status_code == 409  # done: nothing to resume


def test_the_default_batch_is_large_enough_to_be_fast_and_small_enough_to_be_safe():
    assert 100 <= BATCH_SIZE <= 1000


def test_messages_follow_the_users_language(lead_app):
    english = Importer(lead_app, Users(lead_app).token("rep1", "rep"), lang="en")
    job = english.job(english.start(csv_bytes(ROWS)))
    assert job["errors"][0]["message"] == "Duplicate of row 2 (rule Same mobile); the row was not imported."
    empty = english.start(b"", name="a.csv")
    assert empty.get_json()["errors"]["file"] == ["The file is empty."]


def test_after_commit_work_runs_for_each_saved_row_once_its_batch_committed_and_never_for_a_dry_run(importer, lead_app):
    seen = []
    engine = lead_app.extensions["crm"].engine

    def after_commit(event):
        with engine.connect() as conn:  # another connection: the batch must be committed by now
            committed = conn.execute(sa.text("SELECT count(*) FROM obj_lead WHERE id = :i"), {"i": event.record_id}).scalar()
        seen.append((event.action, event.record["name"], committed))

    lead_app.extensions["crm"].hooks.register("after_commit", after_commit)
    importer.job(importer.start(csv_bytes(ROWS), dry_run="1"))
    assert seen == []
    importer.job(importer.start(csv_bytes(ROWS), batch_size="2"))
    assert seen == [("create", "张三", 1), ("create", "赵六", 1)]
