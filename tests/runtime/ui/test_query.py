"""The list page's pure half: filter rows -> expression, query string round trips, columns."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from runtime.ui.query import FilterProblem, FilterRow, ListQuery, filter_expression, list_columns
from schema_store.model import FieldDef, ObjectDef, Option


def field(name, type_, expr_type=None, **kw):
    return FieldDef(name=name, type=type_, label={"en": name.title()}, expr_type=expr_type or type_, storage="x", **kw)


LEAD = ObjectDef(name="lead", label={"en": "Lead"}, table_name="lead", title_field="name", fields={
    "name": field("name", "text"), "amount": field("amount", "currency"),
    "tags": field("tags", "multi_picklist", options=(Option("VIP", {"en": "VIP"}),)),
    "won": field("won", "boolean"), "close": field("close", "date"), "secret": field("secret", "text")},
    layouts={"list": {"columns": ["name", "amount", "secret", "owner", "nonsense"]}})


def test_rows_become_one_expression_anded_with_the_advanced_box():
    rows = [FilterRow("name", "contains", '张"三'), FilterRow("amount", "gte", "100"), FilterRow("tags", "eq", "VIP"),
            FilterRow("won", "eq", "true"), FilterRow("close", "lt", "2026-03-01"), FilterRow("created_at", "gte", "2026-01-02"),
            FilterRow("name", "blank")]
    assert filter_expression(LEAD, rows, "amount > 5") == (
        'CONTAINS(name, "张\\"三") && amount >= 100 && INCLUDES(tags, "VIP") && won = TRUE && '
        'close < DATE(2026, 3, 1) && DATEVALUE(created_at) >= DATE(2026, 1, 2) && ISBLANK(name) && (amount > 5)')
    assert filter_expression(LEAD, []) is None


@pytest.mark.parametrize("row, key", [(FilterRow("amount", "eq", "12abc"), "number"),
                                      (FilterRow("won", "eq", "maybe"), "boolean"),
                                      (FilterRow("close", "eq", "soon"), "date"),
                                      (FilterRow("nope", "eq", "1"), "field"),
                                      (FilterRow("name) || (1", "eq", "1"), "field"),
                                      (FilterRow("name", "drop", "1"), "operator")])
def test_bad_rows_are_refused_with_what_is_wrong(row, key):
    with pytest.raises(FilterProblem) as info:
        filter_expression(LEAD, [FilterRow("name", "eq", "a"), row])
    assert info.value.index == 1 and info.value.message_key == key


def test_query_string_round_trip_and_saved_state():
    args = MultiDict([("f", "name"), ("op", "contains"), ("v", "协和"), ("q", "amount > 1"), ("sort", "-amount"),
                      ("per_page", "999"), ("cursor", "abc")])
    q = ListQuery.from_args(args)
    assert q.per_page == 200 and q.cursor == "abc" and q.rows == (FilterRow("name", "contains", "协和"),)
    assert ListQuery.from_args(MultiDict(q.args())) == q
    restored = ListQuery.from_state(q.to_state(), view=7)
    assert restored.rows == q.rows and restored.advanced == "amount > 1" and restored.view == 7 and restored.cursor is None
    params = q.params(LEAD)
    assert params.filter == 'CONTAINS(name, "协和") && (amount > 1)' and params.sort == "-amount"


def test_columns_follow_the_layout_without_hidden_or_unknown_fields():
    cols = list_columns(LEAD, lambda n: n != "secret", lambda n: n.upper())
    assert [c.name for c in cols] == ["name", "amount", "owner"]
    assert cols[0].label == "NAME"
