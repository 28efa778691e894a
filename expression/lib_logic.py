"""Logic, blank and picklist functions, and the ``$user`` context variables."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import Case

from expression import sqlkit as K
from expression import values as V
from expression.errors import Text, error
from expression.functions import Doc, Function, Param, Variable
from expression.sqlkit import SqlValue
from expression.types import (ANY, BLANK, BOOLEAN, LOOKUP, MULTI_PICKLIST, TEXT, TEXTLIKE, comparable,
                              unify, unify_all)

BOOL = frozenset({BOOLEAN})
CONTEXT_ONLY = Text("it reads the record's previous values or save state, which only exist while saving",
                    "它读取保存时才有的旧值或保存状态")


def _doc(sig: str, en: str, zh: str, blank_en: str, blank_zh: str, example: str, result: str,
         given: str = "") -> Doc:
    return Doc(sig, en, zh, blank_en, blank_zh, example, result, "logic", given)


# -- IF / AND / OR / NOT / CASE -------------------------------------------------------------------
def _if_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    c, a, b = args
    return lambda r, ctx: a(r, ctx) if c(r, ctx) else b(r, ctx)


def _if_sql(args: tuple[SqlValue, ...], sc: Any, node: Any) -> SqlValue:
    c, a, b = args
    noisy = a.noisy or b.noisy
    whens = [(K.cond(c), a.expr)]
    else_ = b.expr
    if isinstance(else_, Case) and getattr(else_, "_from_if", False):
        # IF(c1, a, IF(c2, b, c)) -> one CASE: keeps SQLite's small parser stack happy
        whens += list(else_.whens)
        else_ = else_.else_
    case = sa.case(*whens, else_=else_)
    case._from_if = True  # type: ignore[attr-defined]
    return SqlValue(case, sc.type_of(node), a.nullable or b.nullable, noisy)


def _and_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    if len(args) == 1:
        a = args[0]
        return lambda r, c: a(r, c) is True
    if len(args) == 2:
        a, b = args
        return lambda r, c: True if (a(r, c) and b(r, c)) else False

    def all_true(r: Any, c: Any) -> bool:
        for f in args:
            if not f(r, c):
                return False
        return True
    return all_true


def _or_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    if len(args) == 2:
        a, b = args
        return lambda r, c: True if (a(r, c) or b(r, c)) else False

    def any_true(r: Any, c: Any) -> bool:
        for f in args:
            if f(r, c):
                return True
        return False
    return any_true


def _case_arity(n: int) -> Text | None:
    if n >= 4 and n % 2 == 0:
        return None
    return Text(f"CASE expects a value, pairs of match and result, and a default: an even number of at "
                f"least 4 arguments, got {n}",
                f"CASE 需要：一个值、若干组“匹配值, 结果”、一个默认结果，即至少 4 个且为偶数个参数，实际为 {n} 个")


def _case_type(types: tuple[str, ...]) -> str:
    return unify_all(list(types[2:-1:2]) + [types[-1]])


def _case_check(ck: Any, node: Any, types: tuple[str, ...]) -> None:
    for value, t in zip(node.args[1:-1:2], types[1:-1:2]):
        if not comparable(types[0], t, "="):
            ck.fail("type_mismatch", f"CASE cannot compare {types[0]} with {t}", f"CASE 不能比较 {types[0]} 与 {t}",
                    value.span)
        ck.check_option(node.args[0], value)


def _case_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    from expression.to_python import value_equals

    subject, default = args[0], args[-1]
    pairs = [(args[i], args[i + 1], value_equals(types[0], types[i])) for i in range(1, len(args) - 1, 2)]

    def case(r: Any, c: Any) -> Any:
        x = subject(r, c)
        for match, result, eq in pairs:
            if eq(x, match(r, c)):
                return result(r, c)
        return default(r, c)
    return case


def _case_sql(args: tuple[SqlValue, ...], sc: Any, node: Any) -> SqlValue:
    subject, default = args[0], args[-1]
    whens = [(sc.compare("=", subject, args[i]), args[i + 1].expr) for i in range(1, len(args) - 1, 2)]
    nullable = default.nullable or any(args[i + 1].nullable for i in range(1, len(args) - 1, 2))
    return SqlValue(sa.case(*whens, else_=default.expr), sc.type_of(node), nullable)


# -- blanks ---------------------------------------------------------------------------------------
def _blankvalue_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    a, b = args
    blank = V.is_blank
    return lambda r, c: b(r, c) if blank(x := a(r, c)) else x


def _blankvalue_sql(args: tuple[SqlValue, ...], sc: Any, node: Any) -> SqlValue:
    a, b = args
    if a.type == MULTI_PICKLIST:
        expr = sa.case((K.isblank(a), b.expr), else_=a.expr)
    elif a.type in K.TEXT_BLANK_LIKE:
        expr = sa.func.coalesce(sa.func.nullif(a.expr, ""), b.expr)
    else:
        expr = sa.func.coalesce(a.expr, b.expr)
    return SqlValue(expr, sc.type_of(node), b.nullable, a.noisy or b.noisy)


def _field_reader(node: Any, pc: Any) -> Any:
    return pc.field(node.args[0])


def _ischanged_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    from expression.to_python import value_equals

    read, eq = _field_reader(node, pc), value_equals(types[0], types[0])

    def changed(r: Any, c: Any) -> bool:
        prior = c.prior
        if prior is None:
            return False
        return not eq(read(prior, c), read(r, c))
    return changed


def _priorvalue_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    read = _field_reader(node, pc)
    return lambda r, c: None if c.prior is None else read(c.prior, c)


# -- picklists ------------------------------------------------------------------------------------
def _ispickval_check(ck: Any, node: Any, types: tuple[str, ...]) -> None:
    ck.check_option(node.args[0], node.args[1])


def _includes_py(tags: tuple[str, ...] | None, option: str | None) -> bool:
    return bool(option) and bool(tags) and option in tags


def _includes_sql(args: tuple[SqlValue, ...], sc: Any, node: Any) -> SqlValue:
    tags, opt = args
    lit = node.args[1]
    # Options never contain ";" (the storage separator), so a needle with one matches nothing;
    # without this guard the LIKE pattern could span two stored options.
    if getattr(lit, "type", None) == TEXT and hasattr(lit, "value"):
        if not lit.value or ";" in lit.value:
            return SqlValue(sa.false(), BOOLEAN, False)
        pattern: Any = K.bind("%;" + K.like_escape(lit.value) + ";%", TEXT)
        no_separator: Any = sa.true()
    else:
        o = sa.type_coerce(opt.expr, sa.String())
        escaped = sa.func.replace(sa.func.replace(sa.func.replace(o, "\\", "\\\\"), "%", "\\%"), "_", "\\_")
        pattern = sa.literal("%;", sa.String()).concat(escaped).concat(sa.literal(";%", sa.String()))
        no_separator = sa.not_(o.like("%;%"))
    expr = sa.type_coerce(tags.expr, sa.String()).like(pattern, escape="\\")
    return SqlValue(K.all_of(K.nonblank(opt), tags.expr.is_not(None), no_separator, expr), BOOLEAN, False)


def _in_check(ck: Any, node: Any, types: tuple[str, ...]) -> None:
    for value, t in zip(node.args[1:], types[1:]):
        if not comparable(types[0], t, "="):
            ck.fail("type_mismatch", f"IN cannot compare {types[0]} with {t}", f"IN 不能比较 {types[0]} 与 {t}",
                    value.span)
        ck.check_option(node.args[0], value)


def _in_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    from expression.to_python import value_equals

    subject, options = args[0], args[1:]
    eqs = [value_equals(types[0], t) for t in types[1:]]
    blank = V.is_blank

    def in_(r: Any, c: Any) -> bool:
        x = subject(r, c)
        if blank(x):
            return False
        for f, eq in zip(options, eqs):
            if eq(x, f(r, c)):
                return True
        return False
    return in_


def _in_sql(args: tuple[SqlValue, ...], sc: Any, node: Any) -> SqlValue:
    subject = args[0]
    matches = sa.or_(*(sc.compare("=", subject, v) for v in args[1:]))
    return SqlValue(K.all_of(K.nonblank(subject), matches), BOOLEAN, False)


def _pred(expr: Any) -> SqlValue:
    return SqlValue(expr, BOOLEAN, False)


# -- context variables ----------------------------------------------------------------------------
def _user_var(key: str, t: str, en: str, zh: str) -> Variable:
    conv = V.to_lookup if t == LOOKUP else V.to_text

    def py(r: Any, c: Any) -> Any:
        try:
            return conv(c.user.get(key))
        except V.BadValue:
            raise error("bad_value", f"$user.{key} holds an unexpected value", f"$user.{key} 的值无效") from None

    def sql(sc: Any) -> SqlValue:
        value = conv(sc.user.get(key))
        return SqlValue(K.bind(value, t), t, V.is_blank(value))
    return Variable(f"user.{key}", t, py, sql, en, zh)


ITEMS = (
    Function("IF", (Param("condition", BOOL), Param("then"), Param("else")), lambda ts: unify(ts[1], ts[2]),
             _doc("IF(condition, then, else) -> type of then/else",
                  "Returns `then` when the condition is TRUE, otherwise `else`.",
                  "条件为 TRUE 时返回 `then`，否则返回 `else`。",
                  "A blank condition counts as FALSE.", "条件为空值时按 FALSE 处理。",
                  'IF(2 > 1, "yes", "no")', '"yes"'),
             compile_py=_if_py, sql=_if_sql),
    Function("AND", (Param("condition", BOOL),), BOOLEAN,
             _doc("AND(condition, ...) -> boolean; also `a AND b`, `a && b`",
                  "TRUE when every condition is TRUE.", "所有条件都为 TRUE 时返回 TRUE。",
                  "Blank counts as FALSE.", "空值按 FALSE 处理。", "AND(TRUE, 1 < 2)", "TRUE"),
             variadic=True, compile_py=_and_py, sql=lambda a, sc, n: _pred(sa.and_(*(K.cond(x) for x in a)))),
    Function("OR", (Param("condition", BOOL),), BOOLEAN,
             _doc("OR(condition, ...) -> boolean; also `a OR b`, `a || b`",
                  "TRUE when at least one condition is TRUE.", "任一条件为 TRUE 时返回 TRUE。",
                  "Blank counts as FALSE.", "空值按 FALSE 处理。", "OR(FALSE, 1 > 2)", "FALSE"),
             variadic=True, compile_py=_or_py, sql=lambda a, sc, n: _pred(sa.or_(*(K.cond(x) for x in a)))),
    Function("NOT", (Param("condition", BOOL),), BOOLEAN,
             _doc("NOT(condition) -> boolean; also `NOT a`, `!a`", "Negates a condition.", "对条件取反。",
                  "NOT(blank) is TRUE (blank counts as FALSE).", "NOT(空值) 为 TRUE（空值按 FALSE 处理）。",
                  "NOT(1 > 2)", "TRUE"),
             compile_py=lambda n, a, t, pc: (lambda f: lambda r, c: not f(r, c))(a[0]),
             sql=lambda a, sc, n: _pred(sa.not_(K.cond(a[0])))),
    Function("CASE", (Param("value"), Param("match"), Param("result"), Param("default")), _case_type,
             _doc("CASE(value, match1, result1, [match2, result2, ...], default) -> type of the results",
                  "Compares `value` with each match in turn and returns the result of the first equal one, "
                  "else the default.", "依次将 `value` 与各匹配值比较，返回第一个相等项对应的结果，都不相等时返回默认值。",
                  "A blank value matches only a blank match (BLANK() or \"\").",
                  "空值只与空的匹配值（BLANK() 或 \"\"）相等。", 'CASE("B", "A", 1, "B", 2, 0)', "2"),
             variadic=True, arity=_case_arity, check=_case_check, compile_py=_case_py, sql=_case_sql),
    Function("ISBLANK", (Param("value"),), BOOLEAN,
             _doc("ISBLANK(value) -> boolean", "TRUE when the value is blank.", "值为空时返回 TRUE。",
                  "Blank means no value, empty text \"\" or a multi-select with nothing selected.",
                  "空值指：没有值、空文本 \"\"、或未选任何项的多选。", 'ISBLANK("")', "TRUE"),
             py=V.is_blank, sql=lambda a, sc, n: _pred(K.isblank(a[0]))),
    Function("BLANKVALUE", (Param("value"), Param("default")), lambda ts: unify(ts[0], ts[1]),
             _doc("BLANKVALUE(value, default) -> type of value", "The value, or `default` when it is blank.",
                  "返回该值；为空时返回 `default`。", "This is how to give a blank a value.",
                  "用于给空值指定替代值。", "BLANKVALUE(BLANK(), 10)", "10"),
             compile_py=_blankvalue_py, sql=_blankvalue_sql),
    Function("BLANK", (), BLANK,
             _doc("BLANK() -> blank", "The blank value (no value).", "空值。",
                  "`x = BLANK()` is TRUE when x is blank.", "当 x 为空时 `x = BLANK()` 为 TRUE。",
                  "ISBLANK(BLANK())", "TRUE"),
             py=lambda: None, sql=lambda a, sc, n: SqlValue(sa.null(), BLANK, True)),
    Function("ISCHANGED", (Param("field", ANY, field_only=True),), BOOLEAN,
             _doc("ISCHANGED(field) -> boolean", "TRUE when the field's value differs from its value before "
                  "this change.", "字段值与本次修改前不同时返回 TRUE。",
                  "FALSE on a new record; blank to a value counts as a change.",
                  "新建记录时为 FALSE；从空值变为有值也算修改。", "ISCHANGED(budget)", "TRUE",
                  '{"budget": 12, "prior": {"budget": 10}}'),
             compile_py=_ischanged_py, not_sql=CONTEXT_ONLY, pure=False),
    Function("PRIORVALUE", (Param("field", ANY, field_only=True),), lambda ts: ts[0],
             _doc("PRIORVALUE(field) -> type of field", "The field's value before this change.",
                  "字段在本次修改前的值。", "Blank on a new record.", "新建记录时为空值。",
                  "PRIORVALUE(budget)", "10",
                  '{"budget": 12, "prior": {"budget": 10}}'),
             compile_py=_priorvalue_py, not_sql=CONTEXT_ONLY, pure=False),
    Function("ISNEW", (), BOOLEAN,
             _doc("ISNEW() -> boolean", "TRUE while a record is being created.", "正在新建记录时返回 TRUE。",
                  "Never blank.", "不会为空。", "ISNEW()", "TRUE", '{"is_new": true}'),
             py=lambda c: bool(c.is_new), context=True, not_sql=CONTEXT_ONLY, pure=False),
    Function("ISPICKVAL", (Param("picklist", TEXTLIKE), Param("option", TEXTLIKE)), BOOLEAN,
             _doc("ISPICKVAL(picklist, option) -> boolean", "TRUE when the picklist has the given option "
                  "(case-sensitive).", "单选字段等于给定选项时返回 TRUE（区分大小写）。",
                  'A blank picklist matches only "".', '单选为空时只与 "" 相等。', 'ISPICKVAL("三甲", "三甲")', "TRUE"),
             py=lambda a, b: (a or "") == (b or ""), check=_ispickval_check,
             sql=lambda a, sc, n: _pred(sc.compare("=", a[0], a[1]))),
    Function("INCLUDES", (Param("multi_picklist", frozenset({MULTI_PICKLIST})), Param("option", TEXTLIKE)),
             BOOLEAN,
             _doc("INCLUDES(multi_picklist, option) -> boolean", "TRUE when the option is selected.",
                  "多选字段包含该选项时返回 TRUE。", "FALSE when either is blank.", "任一为空时为 FALSE。",
                  'INCLUDES(tags, "VIP")', "TRUE", '{"tags": ["VIP", "KA"]}'),
             py=_includes_py, check=_ispickval_check, sql=_includes_sql),
    Function("IN", (Param("value"), Param("option")), BOOLEAN,
             _doc("IN(value, option1, option2, ...) -> boolean", "TRUE when the value equals one of the options.",
                  "值等于任一选项时返回 TRUE。", "FALSE when the value is blank.", "值为空时为 FALSE。",
                  'IN("华东", "华东", "华南")', "TRUE"),
             variadic=True, check=_in_check, compile_py=_in_py, sql=_in_sql),
    _user_var("id", LOOKUP, "The id of the current user.", "当前用户的 id。"),
    _user_var("role", TEXT, "The role of the current user (e.g. rep, manager).", "当前用户的角色。"),
    _user_var("team", TEXT, "The team of the current user.", "当前用户所在团队。"),
    _user_var("name", TEXT, "The name of the current user.", "当前用户的名字。"),
    _user_var("email", TEXT, "The e-mail address of the current user.", "当前用户的邮箱。"),
)

