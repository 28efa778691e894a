"""The form layout editor and its preview (the runtime's own renderer), publishing with the
diff, the data impact and confirmation, and version history with rollback."""
from __future__ import annotations

import re

import sqlalchemy as sa

import schema_store
from tests.builder.designer.kit import Designer, errors_of, flash_errors, text


def build_sample(designer: Designer) -> None:
    designer.create_object("sample_test", "样品测试", "Sample test")
    designer.add_field("sample_test", "name", "text", label_zh="名称", required="1")
    designer.add_field("sample_test", "result", "picklist", label_zh="结果",
                       **{"opt-0-value": "pass", "opt-0-zh": "合格", "opt-0-active": "1",
                          "opt-1-value": "fail", "opt-1-zh": "不合格", "opt-1-active": "1"})
    designer.add_field("sample_test", "quantity", "number", label_zh="数量", required_when="ISPICKVAL(result, \"pass\")")
    designer.add_field("sample_test", "notes", "textarea", label_zh="备注")


LAYOUT = {"sec-0-zh": "基本信息", "sec-0-en": "Basics", "sec-0-columns": "2",
          "sec-1-zh": "结果", "sec-1-columns": "1", "sec-1-visible_when": "NOT ISBLANK(name)",
          "place-name-section": "0", "place-name-pos": "1", "place-quantity-section": "0", "place-quantity-pos": "2",
          "place-result-section": "1", "place-result-pos": "1", "place-notes-section": ""}


def fieldsets(html: str) -> list[str]:
    """The rendered form sections, whitespace folded (what the user sees of the form)."""
    return [re.sub(r"\s+", " ", f) for f in re.findall(r"<fieldset class=\"form-section.*?</fieldset>", html, re.S)]


def test_the_layout_is_saved_and_its_preview_is_the_real_form(designer):
    build_sample(designer)
    page = text(designer.get("/builder/objects/sample_test/layout"))
    assert len(fieldsets(page)) == 1   # no layout yet: the runtime's default, one section with every field

    preview = designer.post("/builder/objects/sample_test/layout/preview", LAYOUT)
    assert preview.status_code == 200
    shown = fieldsets(text(preview))
    assert len(shown) == 2 and "基本信息" in shown[0] and "cols-2" in shown[0] and "f-notes" not in "".join(shown)
    assert shown[0].index("f-name") < shown[0].index("f-quantity") and "f-result" in shown[1]
    assert designer.draft().document["objects"]["sample_test"].get("layouts") is None  # a preview saves nothing

    assert designer.post("/builder/objects/sample_test/layout", {**LAYOUT, "action": "save"}).status_code == 302
    sections = designer.draft().document["objects"]["sample_test"]["layouts"]["form"]["sections"]
    assert sections == [
        {"label": {"zh-CN": "基本信息", "en": "Basics"}, "columns": 2, "fields": ["name", "quantity"]},
        {"label": {"zh-CN": "结果"}, "columns": 1, "visible_when": "NOT ISBLANK(name)", "fields": ["result"]}]
    saved_preview = fieldsets(text(designer.get("/builder/objects/sample_test/layout")))

    assert designer.publish().status_code == 302
    rep = designer.users.client("rep")
    rep.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    real = fieldsets(text(rep.get("/app/sample_test/new")))
    assert real == saved_preview == shown


def test_layout_problems_are_shown_beside_their_inputs(designer):
    build_sample(designer)
    revision = designer.draft().revision
    response = designer.post("/builder/objects/sample_test/layout", {
        **LAYOUT, "place-result-section": "", "sec-0-columns": "7", "action": "save"})
    assert response.status_code == 422
    problems = errors_of(response)
    assert "没有字段" in problems["sec-1-zh"] and problems["sec-0-columns"] == "请选择 1 到 4 列。"
    assert designer.draft().revision == revision
    added = designer.post("/builder/objects/sample_test/layout", {**LAYOUT, "action": "add_section"})
    assert 'name="sec-2-zh"' in text(added) and designer.draft().revision == revision
    assert designer.post("/builder/objects/sample_test/layout", {"action": "reset"}).status_code == 302
    assert "layouts" not in designer.draft().document["objects"]["sample_test"]


def test_an_invalid_draft_lists_positioned_problems_that_link_to_their_editor(designer):
    build_sample(designer)
    designer.add_field("sample_test", "score", "formula", expression="quantity + \"x\"")
    page = designer.get("/builder/publish")
    html = text(page)
    assert 'data-testid="draft-problems"' in html
    assert 'href="/builder/objects/sample_test/fields/score#in-expression"' in html
    assert "quantity + &#34;x&#34;\n" in html and "^" in html        # the caret excerpt under the expression
    response = designer.publish()
    assert response.status_code == 422
    with designer.svc.engine.connect() as conn:
        assert schema_store.live_version(conn) is None


def test_publishing_shows_the_impact_asks_before_archiving_and_rollback_restores(any_app):
    designer = Designer(any_app)
    build_sample(designer)
    designer.publish(note="first")
    assert designer.live().version == 1
    rep = designer.users.client("rep")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(rep.get("/app/sample_test/new"))).group(1)
    for name, quantity in (("S-1", "3"), ("S-2", "")):
        assert rep.post("/app/sample_test/new", data={"csrf_token": token, "name": name, "result": "fail",
                                                      "quantity": quantity}).status_code == 302

    # a rule reading a field whose type changes is listed with the impact
    document = designer.draft().document
    document["rules"] = [{"key": "big", "object": "sample_test", "trigger": {"type": "create"},
                          "when": "quantity > 2", "actions": [{"type": "notify", "to": [{"kind": "owner"}],
                                                               "message": {"zh-CN": "大样品 {name}"}}]}]
    with designer.svc.engine.begin() as conn:
        schema_store.save_draft(conn, document, designer.draft().revision)
    designer.publish(note="rule")
    designer.post("/builder/objects/sample_test/fields/quantity", {"name": "quantity", "type": "currency",
                                                                    "label_zh": "数量"})
    designer.post("/builder/objects/sample_test/fields/notes/archive")
    designer.post("/builder/objects/sample_test/fields/result/archive")
    page = text(designer.get("/builder/publish"))
    assert "/rules/0/when" in page and 'href="/builder/rules/big"' in page           # who reads the changed field
    impact = re.search(r'data-testid="impact".*?</table>', page, re.S).group(0)
    row = re.search(r'<tr class="destructive" data-kind="remove_field">\s*<td>[^<]*result[^<]*</td>\s*'
                    r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', impact)
    assert row and row.groups() == ("2", "2")                                    # 2 records, 2 values archived
    assert 'data-testid="confirm-destructive"' in page
    archived = re.search(r'data-testid="archived".*?</ul>', page, re.S).group(0)
    assert "字段 sample_test.result：2 个值" in archived and "字段 sample_test.notes：0 个值" in archived

    revision = designer.draft().revision
    refused = designer.publish()
    assert refused.status_code == 422 and "勾选确认" in text(refused)
    assert designer.live().version == 2 and designer.draft().revision == revision

    assert designer.publish(confirm=True).status_code == 302
    live = designer.live()
    assert live.version == 3 and "result" not in live.objects["sample_test"].fields
    assert live.objects["sample_test"].fields["quantity"].type == "currency"
    with designer.svc.engine.connect() as conn:
        archived = {(a.object, a.field): a for a in schema_store.list_archive(conn)}
    assert ("sample_test", "result") in archived
    assert designer.draft().revision == 0          # the published draft is done with

    versions = text(designer.get("/builder/versions"))
    assert versions.count("data-version=") == 3 and "rule" in versions
    assert "删除字段" in text(designer.get("/builder/versions/3"))
    designer.add_field("sample_test", "draft_only", "text")     # a draft started on version 3...
    response = designer.post("/builder/versions/2/rollback", {"confirm_destructive": "1"})
    assert response.status_code == 302, text(response)
    live = designer.live()
    assert live.version == 4 and "result" in live.objects["sample_test"].fields
    assert 'data-testid="live-newer"' in text(designer.get("/builder"))      # ...is older than the live version
    assert 'data-testid="live-newer"' in text(designer.get("/builder/publish"))
    with designer.svc.engine.connect() as conn:
        values = conn.execute(sa.text("SELECT result FROM obj_sample_test ORDER BY id")).scalars().all()
    assert values == ["fail", "fail"]              # the archived values came back
    assert designer.get("/builder/versions/99").status_code == 404


def test_a_stale_publish_page_publishes_nothing(make_app):
    app = make_app()
    first, second = Designer(app, "analyst1"), Designer(app, "analyst2")
    build_sample(first)
    seen = second.draft().revision
    first.add_field("sample_test", "late", "text")
    response = second.post("/builder/publish", {}, revision=seen)
    assert response.status_code == 409 and any("其他人保存了草稿" in m for m in flash_errors(response))
    with first.svc.engine.connect() as conn:
        assert schema_store.live_version(conn) is None


def test_values_that_cannot_convert_are_named_and_nothing_is_published(designer):
    build_sample(designer)
    designer.add_field("sample_test", "batch", "text", label_zh="批次")
    designer.publish()
    rep = designer.users.client("rep")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(rep.get("/app/sample_test/new"))).group(1)
    for batch in ("12", "第三批"):
        rep.post("/app/sample_test/new", data={"csrf_token": token, "name": f"S {batch}", "batch": batch})
    designer.post("/builder/objects/sample_test/fields/batch", {"name": "batch", "type": "number", "label_zh": "批次"})
    page = text(designer.get("/builder/publish"))
    assert 'data-testid="draft-problems"' in page and "第三批" in page
    assert 'href="/builder/objects/sample_test/fields/batch"' in page
    impact = re.search(r'data-testid="impact".*?</table>', page, re.S).group(0)
    assert "无法转换" in impact and "#2 “第三批" in impact
    assert 'data-testid="publish-form"' not in page
    assert designer.publish(confirm=True).status_code == 422
    assert designer.live().objects["sample_test"].fields["batch"].type == "text"


def test_archiving_an_object_with_records_needs_confirmation_and_rollback_brings_them_back(designer):
    build_sample(designer)
    designer.create_object("other", "其他")
    designer.publish()
    rep = designer.users.client("rep")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(rep.get("/app/sample_test/new"))).group(1)
    for name in ("S-1", "S-2"):
        rep.post("/app/sample_test/new", data={"csrf_token": token, "name": name})
    designer.post("/builder/objects/sample_test/archive")
    page = text(designer.get("/builder/publish"))
    assert "对象 sample_test：2 条记录" in page and 'data-testid="confirm-destructive"' in page
    assert designer.publish().status_code == 422 and "sample_test" in designer.live().objects
    assert designer.publish(confirm=True).status_code == 302
    assert "sample_test" not in designer.live().objects
    assert designer.post("/builder/versions/1/rollback").status_code == 302     # records come back: no confirmation
    with designer.svc.engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM obj_sample_test ORDER BY id")).scalars().all()
    assert names == ["S-1", "S-2"]
