"""Column mapping: suggested from API names and zh-CN / en labels (normalised, then fuzzy), the
user's choices win, unknown columns are ignored with a note, mistakes are named."""
from __future__ import annotations

import pytest

import schema_store
from runtime.imports.cells import row_values
from runtime.imports.mapping import MappingProblem, apply_choices, ignored_note, suggest
from tests.runtime.imports.app_doc import DOC

pytestmark = pytest.mark.usefixtures("babel_context")  # messages in a request, untranslated


@pytest.fixture(scope="module")
def lead():
    return schema_store.compile_app(DOC).objects["lead"]


def fields(mapping):
    return {c.header: (c.field, c.how) for c in mapping}


def test_headers_in_chinese_english_or_api_names_find_their_fields(lead):
    got = fields(suggest(["姓名", "Mobile", "E-mail", "budget", " 等 级 ", "Remarks"], lead))
    assert got == {"姓名": ("name", "label"), "Mobile": ("phone", "label"), "E-mail": ("email", "name"),
                   "budget": ("budget", "name"), " 等 级 ": ("level", "label"), "Remarks": (None, "none")}


def test_a_near_miss_is_suggested_by_similarity_and_formulas_are_never_targets(lead):
    got = suggest(["Compnay", "Weighted"], lead)
    assert (got[0].field, got[0].how) == ("company", "fuzzy") and got[0].score >= 85
    assert got[1].field is None


def test_the_users_choice_wins_and_displaces_a_suggestion(lead):
    mapping = apply_choices(["姓名", "手机号", "备用电话"], lead, {"备用电话": "phone", "姓名": None})
    assert fields(mapping) == {"姓名": (None, "user"), "手机号": (None, "none"), "备用电话": ("phone", "user")}
    assert "姓名" in ignored_note(mapping) and "手机号" in ignored_note(mapping)


def test_mapping_mistakes_are_all_named(lead):
    with pytest.raises(MappingProblem) as problem:
        apply_choices(["姓名", "手机号"], lead, {"电话": "phone", "姓名": "weighted", "手机号": "nope"})
    assert set(problem.value.errors) == {"电话", "姓名", "手机号"}
    with pytest.raises(MappingProblem) as twice:
        apply_choices(["姓名", "名字"], lead, {"姓名": "name", "名字": "name"})
    assert "名字" in twice.value.errors


def test_spreadsheet_forms_become_values_the_save_pipeline_takes(lead):
    import datetime as dt
    from decimal import Decimal
    headers = ["姓名", "手机号", "预算", "等级", "标签", "已联系", "首次拜访"]
    mapping = suggest(headers, lead)
    values = row_values(lead, mapping, ("张三", 13800138000, "¥1,200.50", "重点", "导航系统；耗材", "是", "2026年3月1日"))
    assert values == {"name": "张三", "phone": "13800138000", "budget": "1200.50", "level": "a",
                      "tags": ["nav", "supplies"], "contacted": True, "met_on": "2026-03-01"}
    assert row_values(lead, mapping, ("李四", None, Decimal("0.1"), " ", None, "否", dt.datetime(2026, 3, 2, 0, 0))) == {
        "name": "李四", "budget": "0.1", "contacted": False, "met_on": "2026-03-02"}
