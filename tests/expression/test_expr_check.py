"""The type checker: fields and lookup paths, types, arity, expected result, picklist options,
SQL capability, and the error shape."""
from __future__ import annotations

import pytest

import expression
from expression import ExpressionError, FieldSpec, T

FIELDS = {
    "budget": "currency", "qty": "number", "name": "text", "level": FieldSpec("picklist", ("三甲", "二甲", "一级")),
    "tags": FieldSpec("multi_picklist", ("VIP", "KA")), "active": "boolean", "close_date": "date",
    "created_at": "datetime", "owner": "lookup", "hospital": "lookup", "hospital.level": FieldSpec("picklist", ("三甲",)),
    "hospital.region.name": "text", "contract": "file",
}


def check_type(source: str, expect: str | None = None) -> str:
    return expression.compile(source, fields=FIELDS, expect=expect).type


def error_of(source: str, expect: str | None = None, fields: dict | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as err:
        expression.compile(source, fields=FIELDS if fields is None else fields, expect=expect)
    return err.value


@pytest.mark.parametrize("source, type_", [
    ("budget * 2", "currency"), ("qty * 2", "number"), ("budget / budget", "number"), ("budget + qty", "currency"),
    ("close_date + 3", "date"), ("3 + close_date", "date"), ("close_date - close_date", "number"),
    ("created_at - 0.5", "datetime"), ("created_at - created_at", "number"), ('name & "x"', "text"),
    ('IF(active, level, "x")', "text"), ("IF(active, BLANK(), 1)", "number"), ("BLANK()", "blank"),
    ("hospital.level", "picklist"), ("hospital.region.name", "text"), ("$user.id", "lookup"), ("$now", "datetime"),
    ("$today", "date"), ('CASE(level, "三甲", 1, "二甲", budget, 0)', "currency"), ("MIN(close_date, $today)", "date"),
    ("ROUND(budget, 2)", "currency"), ("PRIORVALUE(close_date)", "date"), ("TEXT(budget)", "text"),
    ("owner = $user.id", "boolean"), ("owner = 5", "boolean"), ("ISBLANK(contract)", "boolean"),
    ("ADDDAYS(created_at, 1)", "datetime"), ("DATEVALUE(created_at) = $today", "boolean"),
])
def test_result_types(source: str, type_: str) -> None:
    assert check_type(source) == type_


def test_type_names_are_exposed() -> None:
    assert T.MULTI_PICKLIST == "multi_picklist" and {t.value for t in T} >= {"number", "currency", "blank", "file"}


@pytest.mark.parametrize("source, code, fragment", [
    ("budgett > 10", "unknown_field", "unknown field 'budgett' — did you mean 'budget'?"),
    ("hospital.levle", "unknown_field", "did you mean 'hospital.level'?"),
    ("IF(active, 1)", "arity", "IF expects 3 arguments, got 2"),
    ("LEFT(name)", "arity", "LEFT expects 2 arguments, got 1"),
    ("FIND()", "arity", "FIND expects 2 to 3 arguments, got 0"),
    ("AND()", "arity", "AND expects at least 1 argument, got 0"),
    ('CASE(level, "三甲", 1)', "arity", "even number of at least 4"),
    ('budget > "abc"', "type_mismatch", "cannot compare currency with text"),
    ("close_date > created_at", "type_mismatch", "cannot compare date with datetime"),
    ('name + "x"', "type_mismatch", "cannot apply '+'"),
    ("budget & name", "type_mismatch", "& joins text"),
    ("LEN(budget)", "type_mismatch", "LEN expects text as argument 1 (text), got currency"),
    ("IF(budget, 1, 2)", "type_mismatch", "IF expects boolean as argument 1"),
    ('IF(active, 1, "x")', "type_mismatch", "different types"),
    ("active < TRUE", "type_mismatch", "cannot compare boolean with boolean"),
    ("tags = tags", "type_mismatch", "cannot compare multi_picklist"),
    ("ISCHANGED(budget * 2)", "type_mismatch", "field name"),
    ("FOO(1)", "unknown_function", "unknown function FOO"),
    ("ROUDN(budget, 2)", "unknown_function", "unknown function ROUDN"),
    ("$user.rol", "unknown_variable", "unknown variable '$user.rol'"),
    ('level = "三级"', "unknown_option", "'三级' is not an option of level"),
    ('ISPICKVAL(level, "二级")', "unknown_option", "not an option"),
    ('INCLUDES(tags, "vip")', "unknown_option", "not an option of tags"),
    ('CASE(level, "三甲", 1, "四甲", 2, 0)', "unknown_option", "'四甲'"),
    ('IN(hospital.level, "三甲", "二甲")', "unknown_option", "'二甲'"),
    ('REGEX(name, "(a)\\\\1")', "bad_regex", "back-references"),
    ("-name", "type_mismatch", "cannot negate"),
])
def test_errors(source: str, code: str, fragment: str) -> None:
    e = error_of(source)
    assert e.code == code
    assert fragment in e.message, e.message
    assert e.messages["zh-CN"] and e.line == 1 and e.excerpt


def test_hints() -> None:
    assert error_of("budgett").hint == {"en": "did you mean 'budget'?", "zh-CN": "是否想输入 “budget”？"}
    assert "ROUND" in error_of("ROUDN(budget, 2)").hint["en"]
    assert "remove the parentheses" in error_of("name()").hint["en"]
    assert "INCLUDES" in error_of('tags = "VIP"').hint["en"]
    assert "TEXT(" in error_of("budget & name").hint["en"]
    assert "三甲" in error_of('level = "三家"').hint["en"]


def test_all_errors_are_collected() -> None:
    e = error_of('budgett > 1 AND LEN(qty) > 0 AND FOO() AND level = "x"')
    assert [x.code for x in e.errors] == ["unknown_field", "type_mismatch", "unknown_function", "unknown_option"]
    assert e is e.errors[0]
    diagnosis = expression.check('budgett > 1 AND LEN(qty) > 0', FIELDS)
    assert not diagnosis.ok and len(diagnosis.errors) == 2
    assert diagnosis.to_dict()["errors"][0]["code"] == "unknown_field"


@pytest.mark.parametrize("source, expect, ok", [
    ("budget > 10", "boolean", True), ("budget", "boolean", False), ("budget", "number", True),
    ("qty", "currency", True), ("level", "text", True), ('"x"', "picklist", True), ("BLANK()", "date", True),
    ("created_at", "date", False), ("owner", "number", True), ("budget", ("number", "text"), True),
])
def test_expected_result_type(source: str, expect, ok: bool) -> None:
    if ok:
        expression.compile(source, fields=FIELDS, expect=expect)
    else:
        e = error_of(source, expect=expect)
        assert e.code == "result_type" and "must give" in e.message


def test_validation_rule_must_be_boolean() -> None:
    e = error_of("budget * 2", expect="boolean")
    assert e.message == "the expression must give a boolean but gives a currency"
    assert "budget > 100000" in e.hint["en"]


def test_references_include_lookup_paths_and_not_context() -> None:
    c = expression.compile('hospital.level = "三甲" AND budget > 1 AND owner = $user.id AND $today > close_date', FIELDS)
    assert c.references == frozenset({"hospital.level", "budget", "owner", "close_date"})
    assert expression.compile("HOURSINSTAGE() > 3", FIELDS).references == {"stage", "stage_entered_at"}


@pytest.mark.parametrize("source, capable, reason", [
    ("budget > 10 AND ISPICKVAL(level, \"三甲\")", True, None),
    ("ISCHANGED(budget)", False, "previous values"), ("PRIORVALUE(budget) > 1", False, "previous values"),
    ("ISNEW()", False, "save state"), ("WORKDAYS(close_date, $today) > 3", False, "work calendar"),
    ("ADDWORKDAYS(close_date, 2)", False, "work calendar"), ('REGEX(name, "a+")', False, "REGEX runs in Python"),
    ('VALUE("1") > 0', False, "VALUE parses"), ("TEXT(budget)", False, "TEXT of a currency"),
    ("TEXT(close_date)", True, None), ("TEXT(level)", True, None),
])
def test_sql_capability_is_reported_at_check_time(source: str, capable: bool, reason: str | None) -> None:
    c = expression.compile(source, FIELDS)
    assert c.sql_capable is capable
    if reason:
        assert reason in c.sql_reason["en"] and c.sql_reason["zh-CN"]
        with pytest.raises(ExpressionError) as err:
            c.to_sql({})
        assert err.value.code == "not_sql" and reason in err.value.message
    else:
        assert c.sql_reason is None


def test_check_returns_a_diagnosis_for_the_designer() -> None:
    d = expression.check("budget > 10", FIELDS, expect="boolean")
    assert d.ok and d.type == "boolean" and d.sql_capable
    assert d.to_dict() == {"ok": True, "type": "boolean", "sql": True, "sql_reason": None,
                           "references": ["budget"], "errors": []}
    d = expression.check("ISCHANGED(budget)", FIELDS)
    assert d.ok and not d.sql_capable and d.to_dict("zh-CN")["sql_reason"].startswith("它读取")
    assert not expression.check("1 +", FIELDS).ok


def test_fields_accept_plain_types_and_fieldspecs() -> None:
    c = expression.compile('stage = "won"', fields={"stage": FieldSpec("picklist")})  # options unknown: no check
    assert c.type == "boolean"
