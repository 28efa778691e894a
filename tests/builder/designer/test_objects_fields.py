"""Analysts build objects and fields in the draft: bilingual labels, type-specific options,
reordering, positioned refusals that change nothing, and conflicts between two analysts."""
from __future__ import annotations

from tests.builder.designer.kit import Designer, errors_of, flash_errors, text


def test_only_analysts_and_admins_open_the_designer(designer):
    rep = designer.users.client("rep")
    assert rep.get("/builder").status_code == 403
    assert rep.post("/builder/objects", data={"name": "x"}).status_code in (400, 403)
    anonymous = designer.app.test_client()
    assert anonymous.get("/builder").status_code in (302, 401)
    admin = designer.users.client("admin")
    assert admin.get("/builder").status_code == 200
    no_token = designer.client.post("/builder/objects", data={"revision": "0", "name": "x", "label_zh": "X"})
    assert no_token.status_code == 400 and designer.draft().revision == 0       # CSRF: refused, nothing saved


def test_an_object_is_created_relabelled_and_archived_in_the_draft(designer):
    designer.create_object("sample_test", "样品测试", "Sample test")
    home = text(designer.get("/builder"))
    assert "样品测试" in home and "sample_test" in home and "第 1 版" in home  # revision shown with who saved
    assert designer.draft().document["objects"]["sample_test"]["label"] == {"zh-CN": "样品测试", "en": "Sample test"}

    response = designer.post("/builder/objects/sample_test/labels", {"label_zh": "样品检测", "label_en": "Sample check",
                                                                     "plural_zh": "样品检测单"})
    assert response.status_code == 302
    obj = designer.draft().document["objects"]["sample_test"]
    assert obj["label"] == {"zh-CN": "样品检测", "en": "Sample check"} and obj["plural_label"] == {"zh-CN": "样品检测单"}

    assert designer.post("/builder/objects/sample_test/archive").status_code == 302
    assert "sample_test" not in designer.draft().document["objects"]


def test_a_bad_object_name_is_refused_beside_its_input_and_nothing_changes(designer):
    for name, fragment in (("Sample", "小写"), ("select", "保留字"), ("", "API 名称"), ("scoring", "页面的地址")):
        before = designer.draft().revision
        response = designer.post("/builder/objects", {"name": name, "label_zh": "样品"})
        assert response.status_code == 422
        assert fragment in errors_of(response)["name"]
        assert designer.draft().revision == before
    designer.create_object("sample_test", "样品测试")
    response = designer.post("/builder/objects", {"name": "sample_test", "label_zh": "又一个"})
    assert response.status_code == 422 and "已存在" in errors_of(response)["name"]
    response = designer.post("/builder/objects", {"name": "other", "label_zh": "", "label_en": ""})
    assert response.status_code == 422 and "label_zh" in errors_of(response)


def test_fields_take_their_type_specific_options(designer):
    designer.create_object("hospital", "医院", "Hospital")
    designer.create_object("sample_test", "样品测试", "Sample test")
    designer.add_field("sample_test", "name", "text", label_zh="名称", label_en="Name", required="1",
                       max_length="200", min="5")  # min does not apply to text: ignored
    designer.add_field("sample_test", "result", "picklist", label_zh="结果",
                       **{"opt-0-value": "fail", "opt-0-zh": "不合格", "opt-0-en": "Fail", "opt-0-pos": "2",
                          "opt-0-active": "1",
                          "opt-1-value": "pass", "opt-1-zh": "合格", "opt-1-en": "Pass", "opt-1-pos": "1",
                          "opt-1-active": "1",
                          "opt-2-value": "old", "opt-2-pos": "3"})
    designer.add_field("sample_test", "hospital", "lookup", label_zh="医院", target="hospital", on_delete="restrict")
    designer.add_field("sample_test", "report", "file", label_zh="检测报告", accept=".pdf, image/*",
                       max_size_mb="20", multiple="1", required_when="ISPICKVAL(result, \"pass\")")
    designer.add_field("sample_test", "quantity", "number", label_zh="数量", min="0", max="1000", scale="0",
                       default="1", visible_when="NOT ISBLANK(hospital)")
    designer.add_field("sample_test", "double_qty", "formula", label_zh="双倍", expression="quantity * 2")
    designer.add_field("hospital", "samples", "rollup", label_zh="样品数", rollup_object="sample_test",
                       rollup_lookup="hospital", rollup_function="sum", rollup_field="quantity",
                       rollup_filter="ISPICKVAL(result, \"pass\")")
    fields = designer.draft().document["objects"]["sample_test"]["fields"]
    assert fields["name"] == {"type": "text", "label": {"zh-CN": "名称", "en": "Name"}, "required": True,
                              "max_length": 200}
    assert fields["result"]["options"] == [
        {"value": "pass", "label": {"zh-CN": "合格", "en": "Pass"}},
        {"value": "fail", "label": {"zh-CN": "不合格", "en": "Fail"}},
        {"value": "old", "active": False}]
    assert fields["hospital"] == {"type": "lookup", "label": {"zh-CN": "医院"}, "target": "hospital",
                                  "on_delete": "restrict"}
    assert fields["report"] == {"type": "file", "label": {"zh-CN": "检测报告"}, "accept": [".pdf", "image/*"],
                                "max_size_mb": 20, "multiple": True, "required_when": "ISPICKVAL(result, \"pass\")"}
    assert fields["quantity"]["default"] == "1" and fields["quantity"]["visible_when"] == "NOT ISBLANK(hospital)"
    assert fields["double_qty"] == {"type": "formula", "label": {"zh-CN": "双倍"}, "expression": "quantity * 2"}
    rollup = designer.draft().document["objects"]["hospital"]["fields"]["samples"]
    assert rollup == {"type": "rollup", "label": {"zh-CN": "样品数"}, "object": "sample_test", "lookup": "hospital",
                      "function": "sum", "field": "quantity", "filter": "ISPICKVAL(result, \"pass\")"}
    import schema_store
    assert schema_store.validate(designer.draft().document) == []

    # the edit page shows what was saved, and saving it unchanged keeps the definition
    page = text(designer.get("/builder/objects/sample_test/fields/result"))
    assert 'value="不合格"' in page and 'value="pass"' in page
    before = designer.draft().document["objects"]["sample_test"]["fields"]["report"]
    from builder.designer.field_form import inputs
    response = designer.post("/builder/objects/sample_test/fields/report", inputs("report", before))
    assert response.status_code == 302
    assert designer.draft().document["objects"]["sample_test"]["fields"]["report"] == before


def test_field_problems_are_shown_beside_their_inputs_and_save_nothing(designer):
    designer.create_object("sample_test", "样品测试")
    revision = designer.draft().revision
    response = designer.post("/builder/objects/sample_test/fields/new", {
        "name": "bad", "type": "picklist", "opt-0-zh": "没有值", "max_length": "x"})
    assert response.status_code == 422
    assert "没有值" in text(response)  # what was typed stays in the form
    assert "有显示名但没有值" in errors_of(response)["options"]
    response = designer.post("/builder/objects/sample_test/fields/new", {"name": "n", "type": "number",
                                                                        "min": "ten", "max": "5"})
    assert errors_of(response)["min"] == "请输入数字。"
    response = designer.post("/builder/objects/sample_test/fields/new", {"name": "f", "type": "file",
                                                                        "accept": "pdf"})
    assert "pdf" in errors_of(response)["accept"]
    response = designer.post("/builder/objects/sample_test/fields/new", {"name": "l", "type": "lookup"})
    assert errors_of(response)["target"]
    assert designer.draft().revision == revision

    # a draft may hold an expression that does not check; the field page says where
    designer.add_field("sample_test", "amount", "number")
    designer.add_field("sample_test", "f", "formula", expression="amount + \"x\"")
    page = designer.get("/builder/objects/sample_test/fields/f")
    assert "expression" in errors_of(page)


def test_a_field_is_renamed_reordered_and_archived(designer):
    designer.create_object("sample_test", "样品测试")
    for name in ("a", "b", "c"):
        designer.add_field("sample_test", name, "text")
    assert designer.post("/builder/objects/sample_test/fields/c/move", {"direction": "up"}).status_code == 302
    assert list(designer.draft().document["objects"]["sample_test"]["fields"]) == ["a", "c", "b"]
    designer.post("/builder/objects/sample_test/fields/a/move", {"direction": "down"})
    assert list(designer.draft().document["objects"]["sample_test"]["fields"]) == ["c", "a", "b"]
    assert designer.post("/builder/objects/sample_test/fields/a/move", {"direction": "sideways"}).status_code == 400

    designer.post("/builder/objects/sample_test/labels", {"label_zh": "样品测试", "title_field": "b"})
    designer.publish()
    response = designer.post("/builder/objects/sample_test/fields/b", {"name": "batch", "type": "text",
                                                                       "label_zh": "批次"})
    assert response.status_code == 302
    obj = designer.draft().document["objects"]["sample_test"]
    assert list(obj["fields"]) == ["c", "a", "batch"] and obj["title_field"] == "batch"
    assert obj["fields"]["batch"]["renamed_from"] == "b"  # publishing renames the column, values kept

    assert designer.post("/builder/objects/sample_test/fields/c/archive").status_code == 302
    assert "c" not in designer.draft().document["objects"]["sample_test"]["fields"]
    page = text(designer.get("/builder/objects/sample_test"))
    assert 'data-testid="restore-c"' in page                 # removed, but published: can be undone
    assert designer.post("/builder/objects/sample_test/fields/c/restore").status_code == 302
    assert designer.draft().document["objects"]["sample_test"]["fields"]["c"] == {"type": "text"}
    assert designer.post("/builder/objects/sample_test/fields/c/restore").status_code == 422   # already there

    designer.post("/builder/objects/sample_test/archive")
    assert 'data-testid="restore-sample_test"' in text(designer.get("/builder"))
    assert designer.post("/builder/objects/sample_test/restore").status_code == 302
    assert "sample_test" in designer.draft().document["objects"]


def test_two_analysts_get_a_conflict_instead_of_overwriting_each_other(any_app):
    app = any_app
    first = Designer(app, "analyst1")
    second = Designer(app, "analyst2")
    first.create_object("sample_test", "样品测试")
    seen_by_second = second.draft().revision            # both open the object page at this revision
    first.post("/builder/objects/sample_test/labels", {"label_zh": "第一位的名称"})
    response = second.post("/builder/objects/sample_test/labels", {"label_zh": "第二位的名称"},
                           revision=seen_by_second)
    assert response.status_code == 409
    assert any("其他人保存了草稿" in m for m in flash_errors(response))
    assert 'value="第二位的名称"' in text(response)       # what they typed is still on the page
    assert f'name="revision" value="{first.draft().revision}"' in text(response)
    assert first.draft().document["objects"]["sample_test"]["label"] == {"zh-CN": "第一位的名称"}
    assert "analyst1" in text(second.get("/builder"))    # who saved the draft last

    # English too
    english = Designer(app, "analyst3", lang="en")
    response = english.post("/builder/objects", {"name": "x", "label_en": "X"}, revision=1)
    assert response.status_code == 409
    assert any("Someone else saved the draft" in m for m in flash_errors(response))


def test_discarding_the_draft_returns_to_the_live_version(designer):
    designer.create_object("sample_test", "样品测试")
    designer.publish()
    designer.create_object("other", "其他")
    assert designer.post("/builder/discard", revision=0).status_code == 409   # stale page: nothing discarded
    assert "other" in designer.draft().document["objects"]
    assert designer.post("/builder/discard").status_code == 302
    draft = designer.draft()
    assert draft.revision == 0 and list(draft.document["objects"]) == ["sample_test"]
    assert 'data-testid="nothing-to-publish"' in text(designer.get("/builder/publish"))
    assert designer.publish().status_code == 302 and designer.live().version == 1   # no empty version


def test_validation_rules_are_written_in_order_and_refused_beside_their_inputs(designer):
    designer.create_object("sample_test", "样品测试")
    designer.add_field("sample_test", "quantity", "number")
    page = text(designer.get("/builder/objects/sample_test/validations"))
    assert 'name="val-0-key"' in page and 'data-expect="boolean"' in page
    response = designer.post("/builder/objects/sample_test/validations", {
        "val-0-key": "Bad Key", "val-0-error_when": "", "val-0-message_zh": "", "val-0-field": "nope"})
    assert response.status_code == 422
    problems = errors_of(response)
    assert {"val-0-key", "val-0-error_when", "val-0-message_zh", "val-0-field"} <= set(problems)
    assert "validations" not in designer.draft().document["objects"]["sample_test"]

    response = designer.post("/builder/objects/sample_test/validations", {
        "val-0-key": "positive", "val-0-error_when": "quantity < 0", "val-0-message_zh": "数量不能为负",
        "val-0-field": "quantity", "val-0-active": "1", "val-0-pos": "2",
        "val-1-key": "limit", "val-1-error_when": "quantity > 1000", "val-1-message_en": "Too many",
        "val-1-pos": "1"})
    assert response.status_code == 302
    assert designer.draft().document["objects"]["sample_test"]["validations"] == [
        {"key": "limit", "error_when": "quantity > 1000", "message": {"en": "Too many"}, "active": False},
        {"key": "positive", "error_when": "quantity < 0", "message": {"zh-CN": "数量不能为负"}, "field": "quantity"}]
    from builder.designer.validation_form import inputs
    values = {**inputs(designer.draft().document["objects"]["sample_test"]["validations"]), "val-0-remove": "1"}
    assert designer.post("/builder/objects/sample_test/validations", values).status_code == 302
    assert [v["key"] for v in designer.draft().document["objects"]["sample_test"]["validations"]] == ["positive"]


MALFORMED = [
    {"objects": {"a": {"label": "A", "fields": {"f": {"type": "picklist", "options": ["x", 3, {"value": 5}],
                                                      "accept": "pdf"}, "g": "not a map", "h": {"type": 7}},
                       "layouts": {"form": {"sections": ["x", {"fields": "f", "columns": "9"}, {"fields": [1, "f"]}]}},
                       "validations": ["x", {"key": 1, "message": "m"}], "pipeline": "x", "title_field": 5}},
     "rules": "x", "forms": [1]},
    {"objects": []},
    {"objects": {"a": "x"}},
    {"objects": {"a": {"label": {"zh-CN": "A"}, "fields": []}}},
    {},
]


def test_a_malformed_draft_never_breaks_a_designer_page(designer):
    """Drafts saved through PUT /api/v1/meta/draft may hold anything; the pages show it or refuse
    a change with a message (4xx), never a server error."""
    import schema_store
    gets = ("/builder", "/builder/objects/a", "/builder/objects/a/fields/f", "/builder/objects/a/fields/g",
            "/builder/objects/a/fields/h", "/builder/objects/a/fields/new", "/builder/objects/a/layout",
            "/builder/objects/a/validations", "/builder/publish", "/builder/versions")
    posts = (("/builder/objects/a/labels", {"label_zh": "x"}), ("/builder/objects/a/fields/f", {"name": "f", "type": "text"}),
             ("/builder/objects/a/fields/new", {"name": "n", "type": "text"}),
             ("/builder/objects/a/layout", {"action": "save", "sec-0-columns": "1", "place-f-section": "0"}),
             ("/builder/objects/a/layout/preview", {"sec-0-columns": "1"}), ("/builder/objects/a/validations", {}),
             ("/builder/objects/a/fields/f/move", {"direction": "up"}), ("/builder/objects/a/fields/f/archive", {}),
             ("/builder/publish", {}), ("/builder/objects", {"name": "zz", "label_zh": "Z"}))
    for document in MALFORMED:
        with designer.svc.engine.begin() as conn:
            schema_store.save_draft(conn, document, designer.draft().revision)
        for path in gets:
            assert designer.get(path).status_code < 500, (path, document)
        for path, data in posts:
            assert designer.post(path, data).status_code < 500, (path, document)
    with designer.svc.engine.begin() as conn:
        schema_store.save_draft(conn, {"objects": []}, designer.draft().revision)
    response = designer.post("/builder/objects", {"name": "zz", "label_zh": "Z"})
    assert response.status_code == 422 and "objects" in errors_of(response)["object"]
