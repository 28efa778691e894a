"""S12, the import half, on the B2B sales pack (starter_templates/b2b_sales, its duplicate rules
b2b_same_phone and b2b_same_email, both "block"): a rep imports a CSV exported from a trade-fair
sign-up sheet. Rows repeating a mobile or an email written differently, within the file or of a
lead already in the CRM, are reported row by row, saying which row or which lead they duplicate;
the others become leads. The preview and a dry run say the same before anything is written.
SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from tests.e2e.test_b2b_pack import b2b  # noqa: F401 - the B2B pack app with its people (fixture)
from tests.fixtures_app import Users
from tests.runtime.imports.conftest import Importer, csv_bytes

HEADERS = ["公司名称", "联系人", "手机", "邮箱", "行业", "区域", "线索来源渠道", "展位号"]
ROWS = [
    ["杭州云启科技有限公司", "李明", "138 0013 8000", "li.ming@yunqi.cn", "教育", "华东", "展会", "A-12"],   # row 2
    ["云启科技", "李明", "+86-138-0013-8000", "", "教育", "华东", "展会", "A-12"],                          # 3: phone of row 2
    ["苏州精工制造", "王芳", "13900001111", "WANG.FANG@jinggong.com", "制造", "华东", "展会", "B-03"],     # 4: email of the CRM's lead
    ["上海瑞医", "张伟", "13700002222", "zhang.wei@ruiyi.cn", "医疗", "华东", "展会", "C-07"],              # 5
    ["上海瑞医（集团）", "张伟", "", "Zhang.Wei@RuiYi.cn ", "医疗", "华东", "展会", "C-07"],                # 6: email of row 5
]


@pytest.fixture
def importer(b2b):
    users = Users(b2b)
    return lambda name: Importer(b2b, users.token(name))


def test_s12_importing_a_csv_with_duplicates_reports_each_of_them(importer):
    rep2 = importer("rep2")
    known = rep2.app.test_client().post("/api/v1/records/b2b_lead", headers=rep2.headers, json={
        "company": "精工制造", "industry": "制造", "region": "华东", "email": "wang.fang@jinggong.com"})
    assert known.status_code == 201, known.get_json()
    known_id = known.get_json()["id"]

    rep1 = importer("rep1")
    content = csv_bytes(ROWS, HEADERS)
    preview = rep1.post("/api/v1/imports/b2b_lead/preview", content=content, name="展会签到.csv").get_json()
    assert {c["header"]: c["field"] for c in preview["mapping"]} == {
        "公司名称": "company", "联系人": "contact_name", "手机": "phone", "邮箱": "email", "行业": "industry",
        "区域": "region", "线索来源渠道": "channel", "展位号": "booth_no"}
    assert [r["ok"] for r in preview["rows"]] == [True, False, False, True, False]

    dry = rep1.job(rep1.post("/api/v1/imports/b2b_lead", content=content, name="展会签到.csv", dry_run="1"))
    assert (dry["result"]["created"], dry["result"]["duplicates"]) == (2, 3)

    response = rep1.post("/api/v1/imports/b2b_lead", content=content, name="展会签到.csv")
    job = rep1.job(response)
    assert (job["status"], job["done"], job["total"]) == ("done", 5, 5)
    assert job["result"]["created"] == 2 and job["result"]["duplicates"] == 3 and job["result"]["refused"] == 3
    reported = {e["row"]: e for e in job["errors"]}
    assert set(reported) == {3, 4, 6}
    assert reported[3]["message"] == "与第 2 行重复（规则：手机号重复），该行未导入。" and reported[3]["column"] == "手机"
    assert reported[4]["message"] == f"与已有记录 #{known_id} 重复（规则：邮箱重复），该行未导入。"
    assert reported[4]["record_id"] == known_id and reported[4]["column"] == "邮箱"
    assert reported[6]["duplicate_of_row"] == 5

    report = rep1.get(response.get_json()["urls"]["errors_csv"]).get_data().decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in report[1:]] == ["3", "4", "6"]
    assert report[2].endswith("苏州精工制造,王芳,13900001111,WANG.FANG@jinggong.com,制造,华东,展会,B-03")

    mine = rep1.get("/api/v1/records/b2b_lead?sort=id").get_json()["records"]
    assert [(r["company"], r["channel"], r["booth_no"]) for r in mine] == [
        ("杭州云启科技有限公司", "展会", "A-12"), ("上海瑞医", "展会", "C-07")]
