"""Contacts imported with their hospital written by name and their owner by username or display
name, on SQLite and PostgreSQL: names become ids, a name that matches no hospital or two is a
problem on its column (in the job, the report and the preview), a hospital the rep may not see is
"not found", and the look-ups are one query per field and batch however many rows there are."""
from __future__ import annotations

import sqlalchemy as sa

import schema_store
from runtime.imports.batches import Plan, run_batch
from runtime.imports.duplicates import FileKeys
from runtime.imports.mapping import ColumnMap
from runtime.imports.readers import SheetRow
from runtime.records import RecordService
from runtime.users import Actor, get_actor
from tests.fixtures_app import Users
from tests.runtime.imports.conftest import Importer, csv_bytes

DOC = {
    "objects": {
        "hospital": {
            "label": {"zh-CN": "医院", "en": "Hospital"}, "plural_label": {"zh-CN": "医院", "en": "Hospitals"},
            "title_field": "name",
            "fields": {"name": {"type": "text", "required": True, "label": {"zh-CN": "医院名称", "en": "Name"}}},
        },
        "contact": {
            "label": {"zh-CN": "联系人", "en": "Contact"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "label": {"zh-CN": "姓名", "en": "Name"}},
                "hospital": {"type": "lookup", "target": "hospital", "label": {"zh-CN": "医院", "en": "Hospital"}},
                "engineer": {"type": "user", "label": {"zh-CN": "工程师", "en": "Engineer"}},
            },
        },
    },
    "permissions": {
        "rep": {"hospital": {"create": True, "read": True, "update": True, "scope": "own"},
                "contact": {"create": True, "read": True, "update": True, "scope": "own"}},
    },
}


class Clinic:
    """The app with its people and hospitals: rep1 imports; rep2's hospital is hidden from rep1."""

    def __init__(self, app):
        self.app = app
        self.svc = app.extensions["crm"]
        schema_store.publish(self.svc.engine, DOC)
        people = Users(app)
        self.rep1 = people.add("rep1", "rep", display_name="Rep One")
        self.rep2 = people.add("rep2", "rep")
        self.zhang = people.add("zhangwei", "rep", display_name="张伟")
        self.wang_a = people.add("wang.a", "rep", display_name="王芳")
        self.wang_b = people.add("wang.b", "rep", display_name="王芳")
        self.gone = people.add("laowang", "rep", display_name="老王")
        with self.svc.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET active = false WHERE id = :id"), {"id": self.gone})
        self.h = {name: self.hospital(name, self.rep1) for name in ("协和医院", "Ruijin Hospital")}
        self.twins = [self.hospital("人民医院", self.rep1), self.hospital("人民医院", self.rep1)]
        self.hidden = self.hospital("华山医院", self.rep2)
        self.deleted = self.hospital("中山医院", self.rep1)
        with self.svc.engine.begin() as conn:
            conn.execute(sa.text("UPDATE obj_hospital SET deleted_at = created_at WHERE id = :id"), {"id": self.deleted})

    def hospital(self, name: str, owner: int) -> int:
        admin = Actor(id=0, username="system", role="admin")
        return RecordService(self.svc, admin).create("hospital", {"name": name, "owner": owner}, reload=False)["id"]

    def importer(self, lang="zh-CN") -> Importer:
        return Importer(self.app, Users(self.app).token("rep1"), lang)

    def contacts(self) -> dict[str, dict]:
        with self.svc.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, hospital, engineer, owner FROM obj_contact")).mappings()
            return {r["name"]: dict(r) for r in rows}


def start(importer: Importer, rows, headers=("姓名", "医院", "负责人"), **form):
    return importer.post("/api/v1/imports/contact", content=csv_bytes(rows, list(headers)), name="联系人.csv", **form)


ROWS = [
    ["甲", "协和医院", ""],
    ["乙", " ruijin HOSPITAL ", ""],         # trimmed, case folded
    ["丙", "北大医院", ""],                  # no such hospital
    ["丁", "人民医院", ""],                  # two of them
    ["戊", "华山医院", ""],                  # rep2's: rep1 may not see it
    ["己", "中山医院", ""],                  # deleted
]


def test_hospital_names_become_ids_and_unknown_or_ambiguous_names_are_refused_on_their_column(any_app):
    clinic = Clinic(any_app)
    importer = clinic.importer()
    ROWS_WITH_ID = ROWS + [["庚", str(clinic.h["协和医院"]), ""], ["辛", str(clinic.hidden), ""]]
    response = start(importer, ROWS_WITH_ID)
    job = importer.job(response)
    assert job["status"] == "done" and job["result"]["created"] == 3 and job["result"]["refused"] == 5
    saved = clinic.contacts()
    assert {name: r["hospital"] for name, r in saved.items()} == {
        "甲": clinic.h["协和医院"], "乙": clinic.h["Ruijin Hospital"], "庚": clinic.h["协和医院"]}
    problems = {e["row"]: (e["column"], e["message"]) for e in job["errors"]}
    assert problems == {
        4: ("医院", "找不到名为“北大医院”的医院。"),
        5: ("医院", "有 2 个名为“人民医院”的医院，请改填记录 ID。"),
        6: ("医院", "找不到名为“华山医院”的医院。"),   # exactly what a name that exists nowhere gets
        7: ("医院", "找不到名为“中山医院”的医院。"),
        9: ("医院", "请选择一条已存在的记录。"),         # an id rep1 cannot see: as before
    }
    report = importer.get(response.get_json()["urls"]["errors_csv"]).get_data().decode("utf-8-sig").splitlines()
    assert report[1] == "4,未导入,医院,找不到名为“北大医院”的医院。,,丙,北大医院,"
    assert report[2].startswith("5,未导入,医院,有 2 个名为“人民医院”的医院")


def test_messages_in_english_and_every_problem_of_the_row_at_once(any_app):
    clinic = Clinic(any_app)
    importer = clinic.importer("en")
    job = importer.job(start(importer, [["", "人民医院", "nobody"], ["X", "北大医院", "王芳"]]))
    problems = {(e["row"], e["column"], e["message"]) for e in job["errors"]}
    assert problems == {
        (2, "姓名", "This field is required."),
        (2, "负责人", "No user named “nobody”."),
        (2, "医院", "2 Hospitals are named “人民医院”; give the record id instead."),
        (3, "负责人", "2 users are named “王芳”; give the user id instead."),
        (3, "医院", "No Hospital named “北大医院”."),
    }
    assert clinic.contacts() == {}


def test_owner_and_user_fields_by_username_or_display_name(any_app):
    clinic = Clinic(any_app)
    importer = clinic.importer()
    rows = [["甲", "协和医院", "zhangwei", "张伟"], ["乙", "协和医院", "张伟", "ZhangWei"],
            ["丙", "协和医院", "rep one", str(clinic.zhang)], ["丁", "协和医院", "老王", ""]]
    job = importer.job(start(importer, rows, headers=("姓名", "医院", "负责人", "工程师")))
    saved = clinic.contacts()
    assert {n: (r["owner"], r["engineer"]) for n, r in saved.items()} == {
        "甲": (clinic.zhang, clinic.zhang), "乙": (clinic.zhang, clinic.zhang), "丙": (clinic.rep1, clinic.zhang)}
    assert [(e["row"], e["column"], e["message"]) for e in job["errors"]] == [
        (5, "负责人", "找不到名为“老王”的用户。")]   # inactive users are nobody


def test_preview_and_dry_run_resolve_names_like_the_import(any_app):
    clinic = Clinic(any_app)
    importer = clinic.importer()
    body = importer.post("/api/v1/imports/contact/preview", content=csv_bytes(ROWS[:4], ["姓名", "医院", "负责人"]),
                         name="c.csv").get_json()
    first, second, third, fourth = body["rows"]
    assert first["ok"] and first["values"]["hospital"] == clinic.h["协和医院"] and first["display"]["hospital"] == "协和医院"
    assert second["values"]["hospital"] == clinic.h["Ruijin Hospital"]
    assert third["errors"] == {"医院": ["找不到名为“北大医院”的医院。"]}
    assert fourth["errors"] == {"医院": ["有 2 个名为“人民医院”的医院，请改填记录 ID。"]}
    job = importer.job(start(importer, ROWS[:4], dry_run="1"))
    assert job["result"]["created"] == 2 and job["result"]["refused"] == 2 and clinic.contacts() == {}
    assert {e["row"] for e in job["errors"]} == {4, 5}


def test_an_all_digit_name_is_an_id_first_and_a_title_when_no_visible_record_has_that_id(any_app):
    clinic = Clinic(any_app)
    numbered = clinic.hospital("2024", clinic.rep1)
    importer = clinic.importer()
    importer.job(start(importer, [["甲", "2024", ""], ["乙", str(numbered), ""]]))
    assert {n: r["hospital"] for n, r in clinic.contacts().items()} == {"甲": numbered, "乙": numbered}


def _statements_per_batch(app, clinic: Clinic, rows: int, batch_size: int = 100) -> list[int]:
    engine = clinic.svc.engine
    with engine.connect() as conn:
        actor = get_actor(conn, clinic.rep1)
    service = RecordService(clinic.svc, actor, source="import", lang="en")
    mapping = [ColumnMap(0, "姓名", "name", "name"), ColumnMap(1, "医院", "hospital", "label"),
               ColumnMap(2, "负责人", "owner", "label"), ColumnMap(3, "工程师", "engineer", "label")]
    plan = Plan(service, "contact", mapping, FileKeys(service.schema, "contact"), dry_run=True)
    names = ["协和医院", "ruijin hospital", "北大医院", "人民医院", f"{clinic.h['协和医院']}"]
    people = ["zhangwei", "张伟", "nobody", "王芳"]
    sheet = [SheetRow(i + 2, (f"c{i}", names[i % len(names)], people[i % len(people)], people[(i + 1) % len(people)]))
             for i in range(rows)]
    counts = []

    def count(*_args):
        counts[-1] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with app.test_request_context():
            for start_at in range(0, rows, batch_size):
                counts.append(0)
                with engine.begin() as conn:
                    run_batch(conn, plan, sheet[start_at:start_at + batch_size])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return counts


def test_the_queries_of_a_batch_do_not_grow_with_the_rows_of_the_file(any_app):
    clinic = Clinic(any_app)
    small = _statements_per_batch(any_app, clinic, 100)
    large = _statements_per_batch(any_app, clinic, 1000)
    assert len(small) == 1 and len(large) == 10
    assert max(large) <= small[0] and large[0] == small[0]


def test_the_query_count_of_name_resolution_does_not_depend_on_the_rows(any_app):
    """The look-ups alone: one query per lookup field and one for the users, per batch."""
    from runtime.imports.references import resolve
    clinic = Clinic(any_app)
    engine = clinic.svc.engine
    admin = Actor(id=0, username="system", role="admin")
    service = RecordService(clinic.svc, admin)
    obj = service.object("contact")
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    for size in (10, 1000):
        statements.clear()
        rows = [{"hospital": f"医院{i}", "owner": f"user{i}", "engineer": f"张伟{i}"} for i in range(size)]
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            with any_app.test_request_context(), engine.connect() as conn:
                resolved, problems = resolve(conn, service, obj, rows)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert [s.split()[0] for s in statements if s != "BEGIN"] == ["SELECT", "SELECT"], statements
        assert all(p.keys() == {"hospital", "owner", "engineer"} for p in problems)
