"""Keys and fuzzy scores of records under an object's duplicate rules (pure, no database)."""
from __future__ import annotations

from schema_store import compile_app

from runtime.dedup import rule_keys, rules_for
from runtime.dedup.rules import SEP, block_grams, part_values, score

DOC = {
    "objects": {"lead": {"label": {"en": "Lead"}, "fields": {
        "name": {"type": "text"}, "phone": {"type": "phone"}, "email": {"type": "email"},
        "company": {"type": "text"}}}},
    "duplicates": {
        "same_phone": {"object": "lead", "match": [{"field": "phone"}], "action": "block"},
        "same_email_company": {"object": "lead", "action": "warn",
                               "match": [{"field": "email", "normalize": "email"},
                                         {"field": "company", "normalize": "company"}]},
        "like_company": {"object": "lead", "action": "warn",
                         "match": [{"field": "company", "normalize": "company", "fuzzy": 85}]},
    },
}


def schema():
    return compile_app(DOC, 1)


def test_one_key_per_rule_with_all_parts_normalized():
    keys = dict(rule_keys(schema(), "lead", {"phone": "138 0013 8000", "email": " A@X.COM",
                                             "company": "上海联影医疗科技股份有限公司"}))
    assert keys == {"same_phone": "+8613800138000", "same_email_company": "a@x.com" + SEP + "上海联影医疗科技",
                    "like_company": "上海联影医疗科技"}


def test_a_blank_part_gives_no_key_for_that_rule():
    keys = dict(rule_keys(schema(), "lead", {"phone": "13800138000", "email": "a@x.com", "company": "  "}))
    assert set(keys) == {"same_phone"}
    assert rule_keys(schema(), "nope", {"phone": "13800138000"}) == []


def test_field_type_gives_the_default_normalization():
    rule = rules_for(schema(), "lead")[0]
    assert rule.parts[0].kind == "phone"


def test_fuzzy_rule_scores_near_names_and_refuses_far_ones():
    rule = {r.name: r for r in rules_for(schema(), "lead")}["like_company"]
    a = part_values(rule, {"company": "北京字节跳动科技有限公司"})
    b = part_values(rule, {"company": "字节跳动科技有限公司"})
    c = part_values(rule, {"company": "上海联影医疗科技有限公司"})
    assert score(rule, a, b) >= 85
    assert score(rule, a, c) is None
    assert set(block_grams(rule, a)) & set(block_grams(rule, b))


def test_rule_checksum_changes_with_its_definition_only():
    doc = {**DOC, "duplicates": {**DOC["duplicates"],
                                 "same_phone": {**DOC["duplicates"]["same_phone"], "action": "warn"}}}
    other = {r.name: r.checksum for r in rules_for(compile_app(doc, 2), "lead")}
    mine = {r.name: r.checksum for r in rules_for(schema(), "lead")}
    assert other == mine
