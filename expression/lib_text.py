"""Text functions. Unicode-correct (LEN("三甲医院") = 4); a blank text argument counts as ""."""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from expression import sqlkit as K
from expression import values as V
from expression.errors import Problem, Text
from expression.functions import Doc, Function, Param
from expression.limits import Limits
from expression.nodes import Literal
from expression.safe_regex import compile_regex
from expression.sqlkit import Dialects, SqlValue
from expression.types import (ALL_TYPES, BOOLEAN, DATE, DATETIME, LOOKUP, MULTI_PICKLIST, NUMBER,
                              NUMERIC, TEXT, TEXTLIKE)

TRIM_CHARS = " \t\r\n\u3000"
NUM = NUMERIC
TXT = TEXTLIKE


def _doc(sig: str, en: str, zh: str, blank_en: str, blank_zh: str, example: str, result: str,
         given: str = "") -> Doc:
    return Doc(sig, en, zh, blank_en, blank_zh, example, result, "text", given)


TEXT_BLANK = ("A blank text counts as \"\".", "空文本按 \"\" 处理。")
NUM_BLANK = ("A blank text counts as \"\"; a blank count gives blank.", "空文本按 \"\" 处理；数量为空时结果为空。")


# -- Python implementations -----------------------------------------------------------------------
def _count(n: Decimal) -> int:
    return V.clamp_int(n)


def _left(s: str | None, n: Decimal | None) -> str | None:
    if n is None:
        return None
    k = _count(n)
    return (s or "")[:k] if k > 0 else ""


def _right(s: str | None, n: Decimal | None) -> str | None:
    if n is None:
        return None
    k = _count(n)
    return (s or "")[-k:] if k > 0 else ""


def _mid(s: str | None, start: Decimal | None, n: Decimal | None) -> str | None:
    if start is None or n is None:
        return None
    st, k = max(_count(start), 1), _count(n)
    return (s or "")[st - 1:st - 1 + k] if k > 0 else ""


def _substitute(s: str | None, old: str | None, new: str | None, *, limits: Limits) -> str:
    s, new = s or "", new or ""
    if not old:
        return s
    size = len(s) + s.count(old) * (len(new) - len(old))
    if size > limits.max_text_length:
        raise Problem("limit", f"the text produced is too long (more than {limits.max_text_length} characters)",
                      f"生成的文本过长（超过 {limits.max_text_length} 个字符）")
    return s.replace(old, new)


def _find(search: str | None, s: str | None, start: Decimal | None = Decimal(1)) -> Decimal | None:
    if start is None:
        return None
    if not search:
        return V.ZERO
    return Decimal((s or "").find(search, max(_count(start), 1) - 1) + 1)


def _text_py(value: Any, *rest: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return V.normalized_text(value)
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


def _text_compile(node: Any, args: Any, types: Any, pc: Any) -> Any:
    a = args[0]
    if types[0] == DATETIME:
        return lambda r, c: "" if (x := a(r, c)) is None else x.astimezone(c.tz).strftime("%Y-%m-%d %H:%M:%S")
    return lambda r, c: _text_py(a(r, c))


def _regex(s: str | None, pattern: str | None, *, limits: Limits) -> bool:
    if pattern is None:
        return False
    return compile_regex(pattern, limits).fullmatch(s or "", limits)


def _regex_compile(node: Any, args: Any, types: Any, pc: Any) -> Any:
    pat = node.args[1]
    limits, source = pc.limits, pc.source
    if isinstance(pat, Literal) and isinstance(pat.value, str):
        try:
            compiled = compile_regex(pat.value, limits)
        except Problem as exc:
            raise exc.at(source, pat.span) from None
        subject = args[0]

        def match(r: Any, c: Any) -> bool:
            try:
                return compiled.fullmatch(subject(r, c) or "", limits)
            except Problem as exc:
                raise exc.at(source, node.span) from None
        return match
    return pc.eager(REGEX, node, args)


def _regex_check(ck: Any, node: Any, types: tuple[str, ...]) -> None:
    from expression.limits import DEFAULT_LIMITS

    pat = node.args[1]
    if isinstance(pat, Literal) and isinstance(pat.value, str):
        try:
            compile_regex(pat.value, DEFAULT_LIMITS)
        except Problem as exc:
            ck.fail(exc.code, exc.text.en, exc.text.zh, pat.span)


# -- SQL implementations --------------------------------------------------------------------------
def _sql_left(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    k = K.as_int(a[1].expr)
    return sa.case((k <= 0, ""), else_=sa.func.substr(K.text_of(a[0]), 1, k))


def _sql_right(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    t, k = K.text_of(a[0]), K.as_int(a[1].expr)
    return sa.case((k <= 0, ""), else_=Dialects(sa.func.substr(t, -k), sa.func.right(t, k), sa.String()))


def _sql_mid(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    st, k = K.as_int(a[1].expr), K.as_int(a[2].expr)
    start = sa.case((st < 1, 1), else_=st)
    return sa.case((k <= 0, ""), else_=sa.func.substr(K.text_of(a[0]), start, k))


def _position(haystack: Any, needle: Any) -> Any:
    return Dialects(sa.func.instr(haystack, needle), sa.func.strpos(haystack, needle), sa.Integer())


def _sql_find(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    search, text = K.text_of(a[0]), K.text_of(a[1])
    if len(a) == 2:
        return sa.case((search == "", 0), else_=_position(text, search))
    st = K.as_int(a[2].expr)
    start = sa.case((st < 1, 1), else_=st)
    pos = _position(sa.func.substr(text, start), search)
    return sa.case((a[2].expr.is_(None), sa.null()), (search == "", 0), (pos == 0, 0), else_=pos + start - 1)


def _sql_ends(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    t, p = K.text_of(a[0]), K.text_of(a[1])
    sqlite = sa.or_(sa.func.length(p) == 0, sa.func.substr(t, -sa.func.length(p)) == p)
    return _pred(Dialects(sqlite, sa.func.right(t, sa.func.char_length(p)) == p, sa.Boolean()))


def _sql_text(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    v = a[0]
    if v.type in TXT:
        return K.text_of(v)
    if v.type == DATE:
        return sa.func.coalesce(Dialects(sa.cast(v.expr, sa.String()), sa.func.to_char(v.expr, "YYYY-MM-DD"),
                                         sa.String()), "")
    if v.type == BOOLEAN:
        return sa.case((K.cond(v), "TRUE"), (v.expr.is_(None), ""), else_="FALSE")
    if v.type == MULTI_PICKLIST:
        return Dialects(sa.func.trim(sa.func.coalesce(v.expr, ""), ";"),
                        sa.func.btrim(sa.func.coalesce(v.expr, ""), ";"), sa.String())
    if v.type == LOOKUP:
        return sa.func.coalesce(sa.cast(v.expr, sa.String()), "")
    return sa.literal("", sa.String())  # blank


def _text_sql_check(types: tuple[str, ...]) -> Text | None:
    if types[0] in NUMERIC or types[0] == DATETIME or types[0] == "file":
        return Text(f"TEXT of a {types[0]} is formatted in Python only (databases format numbers and times "
                    "differently)", f"{types[0]} 的 TEXT 只能在 Python 中格式化（数据库的数字与时间格式不同）")
    return None


def _pred(expr: Any) -> SqlValue:
    return SqlValue(expr, BOOLEAN, False)


def _fn(name: str, params: tuple[Param, ...], returns: Any, doc: Doc, **kw: Any) -> Function:
    return Function(name, params, returns, doc, **kw)


REGEX = _fn("REGEX", (Param("text", TXT), Param("pattern", TXT)), BOOLEAN,
            _doc("REGEX(text, pattern) -> boolean", "TRUE when the whole text matches the regular expression "
                 "(Python syntax without back-references or look-around; runs in linear time).",
                 "整个文本匹配正则表达式时返回 TRUE（Python 语法，不支持反向引用和环视，按线性时间执行）。",
                 "A blank text counts as \"\".", "空文本按 \"\" 处理。", r'REGEX("13812345678", "1\d{10}")', "TRUE"),
            py=_regex, limits=True, compile_py=_regex_compile, check=_regex_check,
            not_sql=Text("REGEX runs in Python only (database regular expressions differ)",
                         "REGEX 只能在 Python 中执行（数据库的正则语法不同）"))

ITEMS = (
    _fn("LEN", (Param("text", TXT),), NUMBER,
        _doc("LEN(text) -> number", "The number of characters (a Chinese character counts as 1).",
             "字符个数（一个汉字算 1 个）。", "LEN of blank is 0.", "空文本的 LEN 为 0。", 'LEN("三甲医院")', "4"),
        py=lambda s: V.small(len(s)) if s else V.ZERO,
        sql=lambda a, sc, n: SqlValue(K.char_length(K.text_of(a[0])), NUMBER, False)),
    _fn("LEFT", (Param("text", TXT), Param("count", NUM)), TEXT,
        _doc("LEFT(text, count) -> text", "The first `count` characters.", "前 `count` 个字符。", *NUM_BLANK,
             'LEFT("三甲医院", 2)', '"三甲"'), py=_left, sql=_sql_left),
    _fn("RIGHT", (Param("text", TXT), Param("count", NUM)), TEXT,
        _doc("RIGHT(text, count) -> text", "The last `count` characters.", "最后 `count` 个字符。", *NUM_BLANK,
             'RIGHT("三甲医院", 2)', '"医院"'), py=_right, sql=_sql_right),
    _fn("MID", (Param("text", TXT), Param("start", NUM), Param("count", NUM)), TEXT,
        _doc("MID(text, start, count) -> text", "`count` characters from position `start` (the first is 1).",
             "从第 `start` 个字符（从 1 开始）起取 `count` 个字符。", *NUM_BLANK, 'MID("上海市浦东新区", 4, 2)',
             '"浦东"'), py=_mid, sql=_sql_mid),
    _fn("UPPER", (Param("text", TXT),), TEXT,
        _doc("UPPER(text) -> text", "Upper-case letters (Chinese is unchanged).", "转为大写（汉字不变）。",
             *TEXT_BLANK, 'UPPER("vip客户")', '"VIP客户"'),
        py=lambda s: (s or "").upper(), sql=lambda a, sc, n: sa.func.upper(K.text_of(a[0]))),
    _fn("LOWER", (Param("text", TXT),), TEXT,
        _doc("LOWER(text) -> text", "Lower-case letters.", "转为小写。", *TEXT_BLANK, 'LOWER("KA")', '"ka"'),
        py=lambda s: (s or "").lower(), sql=lambda a, sc, n: sa.func.lower(K.text_of(a[0]))),
    _fn("TRIM", (Param("text", TXT),), TEXT,
        _doc("TRIM(text) -> text", "Removes spaces, tabs, line breaks and full-width spaces at both ends.",
             "去掉两端的空格、制表符、换行和全角空格。", *TEXT_BLANK, 'TRIM("　 北京 ")', '"北京"'),
        py=lambda s: (s or "").strip(TRIM_CHARS),
        sql=lambda a, sc, n: Dialects(sa.func.trim(K.text_of(a[0]), K.bind(TRIM_CHARS, TEXT)),
                                      sa.func.btrim(K.text_of(a[0]), K.bind(TRIM_CHARS, TEXT)), sa.String())),
    _fn("CONTAINS", (Param("text", TXT), Param("search", TXT)), BOOLEAN,
        _doc("CONTAINS(text, search) -> boolean", "TRUE when `search` occurs in the text (case-sensitive).",
             "文本中包含 `search` 时返回 TRUE（区分大小写）。", *TEXT_BLANK, 'CONTAINS("上海瑞金医院", "瑞金")', "TRUE"),
        py=lambda s, x: (x or "") in (s or ""),
        sql=lambda a, sc, n: _pred(_position(K.text_of(a[0]), K.text_of(a[1])) > 0)),
    _fn("BEGINS", (Param("text", TXT), Param("prefix", TXT)), BOOLEAN,
        _doc("BEGINS(text, prefix) -> boolean", "TRUE when the text starts with `prefix` (case-sensitive).",
             "文本以 `prefix` 开头时返回 TRUE（区分大小写）。", *TEXT_BLANK, 'BEGINS("CK2024-001", "CK")', "TRUE"),
        py=lambda s, p: (s or "").startswith(p or ""),
        sql=lambda a, sc, n: _pred(sa.func.substr(K.text_of(a[0]), 1, K.char_length(K.text_of(a[1])))
                                   == K.text_of(a[1]))),
    _fn("ENDS", (Param("text", TXT), Param("suffix", TXT)), BOOLEAN,
        _doc("ENDS(text, suffix) -> boolean", "TRUE when the text ends with `suffix` (case-sensitive).",
             "文本以 `suffix` 结尾时返回 TRUE（区分大小写）。", *TEXT_BLANK, 'ENDS("瑞金医院", "医院")', "TRUE"),
        py=lambda s, p: (s or "").endswith(p or ""), sql=_sql_ends),
    _fn("SUBSTITUTE", (Param("text", TXT), Param("old", TXT), Param("new", TXT)), TEXT,
        _doc("SUBSTITUTE(text, old, new) -> text", "Replaces every occurrence of `old` with `new`.",
             "把所有 `old` 替换为 `new`。", "Blank counts as \"\"; an empty `old` changes nothing.",
             "空值按 \"\" 处理；`old` 为空时不做替换。", 'SUBSTITUTE("华东-一区", "-", "/")', '"华东/一区"'),
        py=_substitute, limits=True,
        sql=lambda a, sc, n: sa.func.replace(K.text_of(a[0]), K.text_of(a[1]), K.text_of(a[2]))),
    _fn("FIND", (Param("search", TXT), Param("text", TXT), Param("start", NUM, optional=True)), NUMBER,
        _doc("FIND(search, text, [start]) -> number", "The position (from 1) of the first `search` in the text "
             "at or after `start`; 0 when not found (case-sensitive).",
             "从第 `start` 个字符起查找 `search`，返回其位置（从 1 开始），找不到返回 0（区分大小写）。",
             "Blank text counts as \"\"; an empty search gives 0; a blank start gives blank.",
             "空文本按 \"\" 处理；`search` 为空返回 0；`start` 为空时结果为空。", 'FIND("医院", "上海瑞金医院")', "5"),
        py=_find, sql=_sql_find),
    _fn("TEXT", (Param("value", ALL_TYPES),), TEXT,
        _doc("TEXT(value) -> text", "The value as text: numbers without trailing zeros (1.50 -> \"1.5\"), "
             "dates as YYYY-MM-DD, date-times as YYYY-MM-DD HH:MM:SS in the app timezone, TRUE/FALSE, "
             "multi-select options joined by ';'.",
             "把值转为文本：数字去掉末尾的 0（1.50 -> \"1.5\"），日期为 YYYY-MM-DD，日期时间为应用时区的 "
             "YYYY-MM-DD HH:MM:SS，布尔为 TRUE/FALSE，多选项以 ';' 连接。",
             "TEXT of blank is \"\".", "空值的 TEXT 为 \"\"。", 'TEXT(1.50) & "万"', '"1.5万"'),
        compile_py=_text_compile, sql=_sql_text, sql_check=_text_sql_check),
    _fn("VALUE", (Param("text", TXT),), NUMBER,
        _doc("VALUE(text) -> number", "The number written in the text (\"1,234.5\" -> 1234.5).",
             "把文本中的数字转为数字（\"1,234.5\" -> 1234.5）。",
             "Blank, or text that is not a number, gives blank.", "空文本或不是数字的文本返回空值。",
             'VALUE("1,234.5")', "1234.5"),
        py=lambda s: V.parse_number(s) if s else None,
        not_sql=Text("VALUE parses text in Python only", "VALUE 只能在 Python 中解析文本")),
    REGEX,
)


