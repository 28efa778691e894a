"""Publishing refuses scoring models the runtime could not run: a condition or points that cannot
run in the database (recompute is one SQL statement), and bands that cannot be stored."""
from __future__ import annotations

import pytest

from schema_store import validate
from tests.runtime.scoring.conftest import doc


def problems(document):
    return {d.path: d for d in validate(document)}


def test_a_condition_that_cannot_run_in_the_database_is_refused_with_its_place_and_both_languages():
    rules = doc()["scoring"]["lead_score"]["rules"] + [
        {"key": "regex", "when": "REGEX(company, \"[0-9]+\")", "points": 3},
        {"key": "value", "when": "TRUE", "points": "VALUE(note)"}]
    found = problems(doc(rules=rules))
    when, points = found["/scoring/lead_score/rules/7/when"], found["/scoring/lead_score/rules/8/points"]
    assert when.code == points.code == "scoring.not_sql"
    assert "cannot run there" in when.message("en") and "REGEX" in when.message("en")
    assert when.message("zh-CN").startswith("评分在数据库中批量重算")
    assert len(found) == 2


@pytest.mark.parametrize("bands,path,code", [
    ([{"key": "hot", "field": "visits"}], "/scoring/lead_score/bands/0/field", "field.wrong_kind"),
    ([{"key": "hot", "field": "band", "min": 5}, {"key": "cold", "field": "note"}],
     "/scoring/lead_score/bands/1/field", "scoring.band_field"),
    ([{"key": "hot", "field": "band"}, {"key": "lukewarm", "field": "band"}],
     "/scoring/lead_score/bands/1/key", "scoring.band_option"),
    ([{"key": "hot", "field": "band", "min": 30, "max": 10}], "/scoring/lead_score/bands/0/max", "scoring.band_range"),
    ([{"key": "hot", "min": 30, "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"en": "hot"}}]}],
     "/scoring/lead_score/bands/0/actions", "scoring.band_needs_field"),
])
def test_bands_must_be_storable(bands, path, code):
    found = problems(doc(bands=bands))
    assert {p: d.code for p, d in found.items()} == {path: code}


def test_the_example_model_is_valid_and_a_text_field_takes_any_band_key():
    assert problems(doc()) == {}
    assert problems(doc(bands=[{"key": "hot", "field": "company", "min": 1}])) == {}


def test_a_score_may_not_depend_on_who_is_looking():
    rules = doc()["scoring"]["lead_score"]["rules"] + [{"key": "mine", "when": "owner = $user.id", "points": 3}]
    found = problems(doc(rules=rules))
    assert {p: d.code for p, d in found.items()} == {"/scoring/lead_score/rules/7/when": "scoring.user"}
