"""Duplicate rules are checked when the document is validated: positioned errors, never at runtime."""
from __future__ import annotations

import schema_store

from tests.runtime.dedup.app_doc import document


def codes(doc):
    return {(d.code, d.path) for d in schema_store.validate(doc)}


def test_a_good_rule_passes():
    assert schema_store.validate(document()) == []


def test_fuzzy_threshold_must_be_between_50_and_100():
    doc = document(r={"object": "lead", "action": "warn", "match": [{"field": "company", "fuzzy": 30}]})
    assert any(path == "/duplicates/r/match/0/fuzzy" for _code, path in codes(doc))


def test_match_fields_must_exist_hold_a_value_and_appear_once():
    doc = document(r={"object": "lead", "action": "block", "match": [
        {"field": "nope"}, {"field": "activities"}, {"field": "phone"}, {"field": "phone"}]})
    found = codes(doc)
    assert ("ref.field", "/duplicates/r/match/0/field") in found
    assert ("field.wrong_kind", "/duplicates/r/match/1/field") in found
    assert ("dup.key", "/duplicates/r/match/3/field") in found
